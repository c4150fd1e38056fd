import SystemDescription
import CostModel
import DisaggregatedServing
/// The paper's GPU baseline rows (B1–B6), evaluated through the same cost model from the GPU
/// hardware and deployment files alone.
///
/// Every row is a prediction except the two C3 was fitted on (`calibrationRows`); the
/// CloudMatrix calibrations are not applied (the GPU files carry their own stated
/// assumptions). B1–B5 are the DeepSeek-on-H800 and SGLang-on-H100 rows of paper Tables 2 and 3; B6-Dn / B6-Cn and their
/// `-bw` twins are the H800 DeepEP latency and bandwidth columns of Table 6 (128 tokens per
/// rank, top-8, FP8 dispatch, BF16 combine).
package enum BaselineComparison {
    /// The deployments the rows need, by the name of their file in `configs/deployments/`.
    package static let deepSeekDeployment = "deepseek-h800"
    package static let sglangDeployment = "sglang-h100"

    /// Decode setups of paper Table 3: batch per GPU and KV length.
    package static let decodeSetups: [String: (batch: Int, kv: Double)] = ["B2": (128, 4096), "B5": (128, 4000)]

    /// The attention core of one microbatch in DeepSeek's decode profile (B2's setup, two
    /// microbatches, on DeepSeek's hardware and kernels): what SGLang padded its attention to.
    static func profileAttentionMicroseconds(_ deepSeek: SystemConfiguration) -> Double {
        let profile = decodeSetups["B2"]!
        let requests = Double(profile.batch / deepSeek.hardware.diesPerPackage) / 2
        return TransformerOperators(model: deepSeek.model, hardware: deepSeek.hardware).decodeAttentionCore(
            kvTokens: requests * profile.kv, queriesPerRequest: 1, requests: requests, share: .wholeDie).microseconds
    }

    /// SGLang's decode row as [SGL-EP] ran it ("SGLang with PD Disaggregation and simulated
    /// MTP"): no MTP module runs; instead "we firstly double the batch size and halve the KV
    /// cache length to maintain the same workload for GroupedGeMM computation and memory access
    /// ... insert dummy kernels after the real attention computation to ensure the attention
    /// phase takes the same time as in DeepSeek's profile" (batch 128, KV 4,096), and each of
    /// the 128 requests emits 1 + acceptance tokens per step (acceptance from the deployment
    /// file: 60 %, [SGL-EP]).
    static func simulatedMTPDecode(_ s: SystemConfiguration, profile deepSeek: SystemConfiguration, batch: Int, kv: Double)
        -> (step: DecodeStepBreakdown, tokensPerSecondPerGPU: Double)
    {
        let d = s.deployment.decode
        let options = DecodeOptions(
            mtp: .off, microbatching: d.microbatchPolicy, expertBalance: d.expertBalance,
            attentionPaddedTo: AttentionPadding(minimumMicrosecondsPerMicrobatch: profileAttentionMicroseconds(deepSeek)))
        let run = 2 * batch / s.hardware.diesPerPackage
        let step = DecodeCostModel(system: s).stepTime(batchPerDie: run, meanKVLength: kv / 2, options: options)
        let tokensPerStep = Double(batch) * d.mtp.tokensPerStep
        return (step, tokensPerStep / (step.stepMicroseconds * 1e-6))
    }

    /// Loads both GPU deployments from `configsDirectory` (each file read once through `files`,
    /// which records its digest) and evaluates every row of `reference` whose id it knows.
    package static func compare(
        configsDirectory: String, reference: [ReferencePoint], files: ConfigFiles = ConfigFiles()
    ) throws(ConfigError) -> [ComparisonRow] {
        let h800 = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: deepSeekDeployment, files: files)
        let h100 = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: sglangDeployment, files: files)
        return compare(deepSeek: h800, sglang: h100, reference: reference)
    }

    package static func compare(deepSeek: SystemConfiguration, sglang: SystemConfiguration, reference: [ReferencePoint]) -> [ComparisonRow] {
        reference.compactMap { point in
            guard let (model, note) = evaluate(point.id, deepSeek: deepSeek, sglang: sglang) else { return nil }
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: model,
                role: calibrationRows.contains(point.id) ? .calibration : .prediction, tolerancePercent: 10, note: note)
        }
    }

    /// Rows a GPU constant was fitted on: C3, the low-latency kernels' scale-out rate
    /// (`links.lowLatencyAttainedGBps` in `h800.json`), fitted on Table 6's EP8 dispatch.
    package static let calibrationRows: Set<String> = ["B6-D8", "B6-D8-bw"]

    /// Refits C3 from the reference EP8 dispatch latency: the bytes that leave the GPU (128
    /// tokens × top-k × the dispatch message, less the 1/EP that stay local) over the latency
    /// less the fixed part. Bytes per second.
    package static func refitLowLatencyRate(deepSeek: SystemConfiguration, reference: [ReferencePoint]) -> Double? {
        guard let point = reference.first(where: { $0.id == "B6-D8" }), let links = deepSeek.hardware.linkCommunication else { return nil }
        let m = deepSeek.model
        let shares = ExpertCommunicationModel.trafficShares(expertParallelism: 8, domainDies: deepSeek.hardware.diesPerScaleUpDomain)
        let remote = 128 * Double(m.expertsPerToken * m.dispatchMessageBytes) * (shares.scaleUp + shares.scaleOut)
        return remote / (point.value * 1e-6 - links.fixedLatencySeconds)
    }

    static func prefill(_ s: SystemConfiguration, balance: ExpertBalance, runsMTPModule: Bool) -> PrefillBreakdown {
        var o = PrefillOptions(deployment: s.deployment)
        o.expertBalance = balance
        o.runsMTPModule = runsMTPModule
        let p = s.deployment.prefill
        return PrefillCostModel(system: s).batchTime(tokensPerNPU: p.tokensPerNPU, promptLength: p.promptLength, options: o)
    }

    static func decode(_ s: SystemConfiguration, batch: Int, kv: Double) -> DecodeStepBreakdown {
        DecodeCostModel(system: s).stepTime(
            batchPerDie: batch / s.hardware.diesPerPackage, meanKVLength: kv, options: DecodeOptions(deployment: s.deployment.decode))
    }

    static func evaluate(_ id: String, deepSeek: SystemConfiguration, sglang: SystemConfiguration) -> (Double, String)? {
        switch id {
        case "B1", "B3", "B4":
            // B1 as the profile ran (its deployment file: perfectly balanced routing, [PROF]);
            // B3 and B4 are SGLang's two cases: default, and "simulated perfect EPLB", which
            // drew experts at random ([SGL-EP]), so routing noise remains.
            let s = id == "B1" ? deepSeek : sglang
            let balance: ExpertBalance = id == "B1" ? s.deployment.prefill.expertBalance : id == "B4" ? .random : .default
            // Neither prefill run drafted with an MTP module (SGLang only simulated MTP in decode).
            let r = prefill(s, balance: balance, runsMTPModule: false)
            return (r.tokensPerSecondPerNPU, "\(s.deployment.name) prefill, \(r.options.microbatches) microbatches, max/mean \(formatted(r.expertMaxOverMean))")
        case "B5":
            let setup = decodeSetups[id]!
            let (step, rate) = simulatedMTPDecode(sglang, profile: deepSeek, batch: setup.batch, kv: setup.kv)
            return (rate, "\(sglang.deployment.name) decode as SGLang simulated MTP: \(step.batchPerDie) requests per GPU at KV \(formatted(step.meanKVLength)), "
                + "attention padded to the profile's, step \(formatted(step.stepMicroseconds / 1000)) ms, \(formatted(sglang.deployment.decode.mtp.tokensPerStep)) tokens per request per step")
        case "B2":
            let s = deepSeek
            let setup = decodeSetups[id]!
            let step = decode(s, batch: setup.batch, kv: setup.kv)
            return (step.tokensPerSecondPerDie * Double(s.hardware.diesPerPackage),
                    "\(s.deployment.name) decode, TPOT \(formatted(step.tpotMilliseconds)) ms, \(step.microbatched ? "two microbatches" : "one batch")")
        default:
            // B6-D8 / B6-C8: latency; B6-D8-bw / B6-C8-bw: the bandwidth the table derives from
            // it (128 tokens × top-8 × message bytes / latency).
            let isBandwidth = id.hasSuffix("-bw")
            let key = isBandwidth ? id.dropLast(3) : Substring(id)
            guard key.hasPrefix("B6-"), let ep = Int(key.dropFirst(4)) else { return nil }
            let kind: ExpertCommunicationModel.Kind = key.dropFirst(3).hasPrefix("D") ? .dispatch : .combine
            let m = deepSeek.model
            let op = ExpertCommunicationModel(hardware: deepSeek.hardware).time(
                kind, tokens: 128, expertsPerToken: m.expertsPerToken,
                messageBytes: kind == .dispatch ? m.dispatchMessageBytes : m.combineMessageBytes, expertParallelism: ep)
            let shares = ExpertCommunicationModel.trafficShares(expertParallelism: ep, domainDies: deepSeek.hardware.diesPerScaleUpDomain)
            if isBandwidth {
                return (op.bytes / op.seconds / 1e9, "bytes sent / modelled latency (\(formatted(op.microseconds)) µs)")
            }
            return (op.microseconds, "link model: \(formatted(op.bytes / 1e6)) MB, scale-out share \(formatted(shares.scaleOut)) (+ intra-node over RDMA in Feb kernels)")
        }
    }

    static func formatted(_ x: Double) -> String { String(Double((x * 1000).rounded()) / 1000) }
}
