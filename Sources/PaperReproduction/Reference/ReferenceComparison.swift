import SystemDescription
import CostModel
import DisaggregatedServing
/// Evaluates each reference setup of the paper through the cost model and sets the model's value
/// beside the paper's.
///
/// This is the only code that reads the paper's system-level results, and it uses exactly two
/// of them as inputs: R4, to fit the fixed per-operator overhead (calibration C1,
/// `fitPerOperatorOverhead`), and R6, to fit the expert skew that default EPLB leaves
/// (calibration C2, `fitSystematicSkew`). Every other row is computed from configuration alone.
package enum ReferenceComparison {
    /// The system-level points used for fitting (at most two are allowed).
    package static let calibrationPointIDs: Set<String> = ["R4", "R6"]

    /// The decode setups of paper Table 4: id → (batch per NPU, prompt, output).
    package static let decodeSetups: [String: (batchPerNPU: Int, prompt: Int, output: Int)] = [
        "R1": (96, 4096, 256), "R2": (128, 1024, 1024), "R3": (112, 2048, 256), "R4": (24, 4096, 256),
        "R5": (8, 4096, 256),
    ]

    /// Steady-state mean KV length of a closed loop where requests are uniformly spread over their
    /// output: prompt + output / 2.
    static func meanKV(prompt: Int, output: Int) -> Double { Double(prompt) + Double(output) / 2 }

    /// Fits C1: the fixed time per operator invocation that makes the model's R4 TPOT equal the
    /// paper's.
    ///
    /// Why per operator and not per graph: the paper's per-layer latency with MTP (1,260 µs,
    /// §5.4.2) × 61 layers is 77 ms of the 84 ms step at batch 96, so the time the roofline
    /// misses sits inside the layers, where launch and synchronisation costs recur with every
    /// operator; a per-graph constant would put it outside them (and double it with MTP's second
    /// graph). R4 (batch 24 per NPU) is the small-batch point on the trend of R1–R4; R5 is not
    /// used because its step-time slope to R4 is ~1.8× the slope from R4 to R1, which no fixed
    /// cost can represent. Returns seconds (bisection; the TPOT rises monotonically with the
    /// overhead), nil when even zero overhead is slower than the paper.
    package static func fitPerOperatorOverhead(system: SystemConfiguration, reference: [ReferencePoint]) -> Double? {
        guard let r4 = reference.first(where: { $0.id == "R4" }), let setup = decodeSetups["R4"] else { return nil }
        func tpot(_ overhead: Double) -> Double {
            var s = system
            s.deployment.calibration.perOperatorOverheadSeconds = overhead
            let step = DecodeCostModel(system: s).stepTime(
                batchPerDie: setup.batchPerNPU / s.hardware.diesPerPackage,
                meanKVLength: meanKV(prompt: setup.prompt, output: setup.output), options: DecodeOptions(deployment: s.deployment.decode))
            return step.tpotMilliseconds
        }
        var lo = 0.0, hi = 1e-3
        guard tpot(lo) <= r4.value, tpot(hi) >= r4.value else { return nil }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if tpot(mid) < r4.value { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// Fits C2: the systematic max/mean expert-die skew under default EPLB that makes the model's
    /// R6 prefill throughput equal the paper's.
    ///
    /// The paper quantifies default EPLB only through R6 against R7 (18 % apart); i.i.d. routing
    /// noise explains ~2 % of it, and the rest is the real, batch-correlated popularity of experts
    /// that placement from past statistics does not flatten — not derivable from shapes. R7
    /// (perfect balance) stays a prediction. Returns nil when no skew in [1, 4] fits.
    package static func fitSystematicSkew(system: SystemConfiguration, reference: [ReferencePoint]) -> Double? {
        guard let r6 = reference.first(where: { $0.id == "R6" }) else { return nil }
        func throughput(_ skew: Double) -> Double {
            var s = system
            s.deployment.imbalance.systematicSkew = skew
            var o = PrefillOptions(deployment: s.deployment)
            o.expertBalance = .default
            let p = s.deployment.prefill
            return PrefillCostModel(system: s).batchTime(tokensPerNPU: p.tokensPerNPU, promptLength: p.promptLength, options: o)
                .tokensPerSecondPerNPU
        }
        var lo = 1.0, hi = 4.0
        guard throughput(lo) >= r6.value, throughput(hi) <= r6.value else { return nil }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if throughput(mid) > r6.value { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// Fits C1 and C2 together: each depends a little on the other (decode sees the skew,
    /// prefill pays the per-operator overhead), so they are refitted in turn until both settle.
    package static func fitCalibration(system: SystemConfiguration, reference: [ReferencePoint])
        -> (perOperatorOverheadSeconds: Double, systematicSkew: Double)?
    {
        var s = system
        for _ in 0..<20 {
            guard let c1 = fitPerOperatorOverhead(system: s, reference: reference) else { return nil }
            s.deployment.calibration.perOperatorOverheadSeconds = c1
            guard let c2 = fitSystematicSkew(system: s, reference: reference) else { return nil }
            let settled = abs(c2 - s.deployment.imbalance.systematicSkew) < 1e-9
            s.deployment.imbalance.systematicSkew = c2
            if settled { break }
        }
        return (s.deployment.calibration.perOperatorOverheadSeconds, s.deployment.imbalance.systematicSkew)
    }

    /// The comparison rows for every reference point the cost model covers (R1–R11, R13–R15).
    package static func compare(system: SystemConfiguration, reference: [ReferencePoint]) -> [ComparisonRow] {
        let ev = Evaluator(system: system)
        return reference.compactMap { point in
            guard let (model, note) = ev.evaluate(point.id) else { return nil }
            let role: ReferenceRole = calibrationPointIDs.contains(point.id) || ev.isOperatorInput(point.id) ? .calibration : .prediction
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: model, role: role,
                tolerancePercent: tolerance(id: point.id, role: role), note: note)
        }
    }

    /// cmbench's acceptance bands (README, "Model vs paper"): calibration ±3 %, R1–R7 ±5 %,
    /// ablations R8–R11 ±15 %, operator predictions (R13–R15) ±5 %.
    static func tolerance(id: String, role: ReferenceRole) -> Double {
        if role == .calibration { return 3 }
        for prefix in ["R8", "R9", "R10", "R11"] where id.hasPrefix(prefix) { return 15 }
        return 5
    }
}

/// Evaluates one reference id through the cost models.
struct Evaluator {
    var system: SystemConfiguration
    var decode: DecodeCostModel
    var prefill: PrefillCostModel

    init(system: SystemConfiguration) {
        self.system = system
        decode = DecodeCostModel(system: system)
        prefill = PrefillCostModel(system: system)
    }

    var dies: Int { system.hardware.diesPerPackage }
    var deployed: DecodeOptions { DecodeOptions(deployment: system.deployment.decode) }

    /// Rows whose model value is a hardware-file input (operator-level measurements).
    func isOperatorInput(_ id: String) -> Bool {
        id.hasPrefix("R14") || id == "R15-MLAC" || id == "R15-MLAM" || (id.hasPrefix("R13-") && !id.contains("BW"))
    }

    func decodeStep(batchPerNPU: Int, kv: Double, _ o: DecodeOptions) -> DecodeStepBreakdown {
        decode.stepTime(batchPerDie: batchPerNPU / dies, meanKVLength: kv, options: o)
    }

    func with(_ o: DecodeOptions, mtp: MTPSettings? = nil, mb: MicrobatchPolicy? = nil) -> DecodeOptions {
        var c = o
        if let mtp { c.mtp = mtp }
        if let mb { c.microbatching = mb }
        return c
    }

    func prefillRun(prompt: Int, microbatches: Int, balance: ExpertBalance? = nil) -> PrefillBreakdown {
        var o = PrefillOptions(deployment: system.deployment)
        o.microbatches = microbatches
        if let balance { o.expertBalance = balance }
        return prefill.batchTime(tokensPerNPU: system.deployment.prefill.tokensPerNPU, promptLength: prompt, options: o)
    }

    func evaluate(_ id: String) -> (Double, String)? {
        let dep = system.deployment
        let kv4k = 4096.0
        switch id {
        case "R1", "R2", "R3", "R4", "R5":
            let s = ReferenceComparison.decodeSetups[id]!
            let step = decodeStep(batchPerNPU: s.batchPerNPU, kv: ReferenceComparison.meanKV(prompt: s.prompt, output: s.output), deployed)
            return (step.tpotMilliseconds, "decode step at mean KV prompt+output/2, \(step.microbatched ? "two streams" : "one stream")")
        case "R6", "R7":
            let r = prefillRun(prompt: dep.prefill.promptLength, microbatches: dep.prefill.microbatches, balance: id == "R6" ? .default : .perfect)
            return (r.tokensPerSecondPerNPU, "prefill batch, \(dep.prefill.microbatches) microbatches, max/mean \(r.expertMaxOverMean)")
        case "R8a", "R8b":
            let o = with(deployed, mtp: id == "R8a" ? .off : dep.decode.mtp, mb: .always)
            return (decodeStep(batchPerNPU: 96, kv: kv4k, o).moeLayerMicroseconds, "MoE layer, two streams")
        case "R8c":
            let step = decodeStep(batchPerNPU: 96, kv: kv4k, with(deployed, mb: .always))
            let layer = step.layers.first { $0.kind == .moe }!
            return (layer.streams.map(\.microseconds).max() ?? 0, "busier stream, one microbatch")
        case "R9a", "R9b", "R9c":
            let batch = ["R9a": 64, "R9b": 96, "R9c": 128][id]!
            let on = decodeStep(batchPerNPU: batch, kv: kv4k, with(deployed, mb: .always))
            let off = decodeStep(batchPerNPU: batch, kv: kv4k, with(deployed, mb: .never))
            return (on.tokensPerSecondPerDie / off.tokensPerSecondPerDie, "always vs never two streams")
        case "R9d":
            let on = decodeStep(batchPerNPU: 96, kv: kv4k, with(deployed, mb: .always))
            let off = decodeStep(batchPerNPU: 96, kv: kv4k, with(deployed, mb: .never))
            return (on.moeLayerMicroseconds / off.moeLayerMicroseconds, "MoE layer, always vs never")
        case "R10a":
            let on = prefillRun(prompt: 4096, microbatches: 2), off = prefillRun(prompt: 4096, microbatches: 1)
            return (on.meanLayerMicroseconds / off.meanLayerMicroseconds, "mean pipelined layer, 2 vs 1 microbatch")
        case "R10b", "R10c":
            let gains = [1024, 2048, 4096, 8192].map { p in
                prefillRun(prompt: p, microbatches: 2).tokensPerSecondPerNPU / prefillRun(prompt: p, microbatches: 1).tokensPerSecondPerNPU
            }
            return (id == "R10b" ? gains.min()! : gains.max()!, "prompts 1K/2K/4K/8K, \(id == "R10b" ? "lowest" : "highest") gain")
        case "R11a", "R11b":
            let batch = id == "R11a" ? 8 : 128
            let on = decodeStep(batchPerNPU: batch, kv: kv4k, deployed)
            let off = decodeStep(batchPerNPU: batch, kv: kv4k, with(deployed, mtp: .off))
            return (on.tokensPerSecondPerDie / off.tokensPerSecondPerDie, "batch \(batch)/NPU, MTP vs none")
        default:
            return operatorLevel(id)
        }
    }

    func operatorLevel(_ id: String) -> (Double, String)? {
        let hw = system.hardware
        let comm = decode.communication
        let t = hw.expertCommunication
        if id.hasPrefix("R13-") {
            let rest = id.dropFirst(4)
            let isBW = rest.contains("BW")
            let kind: ExpertCommunicationModel.Kind = rest.hasPrefix("D") ? .dispatch : .combine
            guard let ep = Int(rest.drop(while: { !$0.isNumber })) else { return nil }
            let msg = kind == .dispatch ? t.referenceDispatchMessageBytes : t.referenceCombineMessageBytes
            let op = comm.time(kind, tokens: Double(t.referenceTokensPerRank), expertsPerToken: t.referenceExpertsPerToken, messageBytes: msg, expertParallelism: ep)
            if isBW { return (op.bytes / op.seconds / 1e9, "bytes (128 x 8 x message) / modelled latency") }
            return (op.microseconds, "fixed UB latency + bytes / effective bandwidth")
        }
        if id.hasPrefix("R14-"), let m = hw.scaleUp.measured {
            let values: [String: Double] = [
                "R14-RI": m.readIntraNodeBytesPerSecond / 1e9, "R14-RX": m.readInterNodeBytesPerSecond / 1e9,
                "R14-WI": m.writeIntraNodeBytesPerSecond / 1e9, "R14-WX": m.writeInterNodeBytesPerSecond / 1e9,
                "R14-LRI": m.readIntraNodeLatencySeconds * 1e6, "R14-LRX": m.readInterNodeLatencySeconds * 1e6,
                "R14-LWI": m.writeIntraNodeLatencySeconds * 1e6, "R14-LWX": m.writeInterNodeLatencySeconds * 1e6,
            ]
            return values[id].map { ($0, "hardware file input") }
        }
        if id == "R15-MLAC" { return (hw.efficiency.attentionCompute * 100, "hardware file input") }
        if id == "R15-MLAM" { return (hw.efficiency.memoryBandwidth * 100, "hardware file input") }
        let shapes: [String: (g: Int, m: Int, n: Int, k: Int)] = [
            "1": (4, 7168, 4096, 4096), "2": (4, 2048, 7168, 4096), "3": (4, 7168, 4096, 8192),
            "4": (4, 2048, 7168, 8192), "5": (8, 7168, 4096, 4096), "6": (8, 2048, 7168, 4096),
        ]
        if id.hasPrefix("R15-G") || id.hasPrefix("R15-B"), let s = shapes[String(id.suffix(1))] {
            let op = decode.operators.roofline.gemm(
                "table 9", m: Double(s.m), n: s.n, k: s.k, groups: s.g, weightBytes: 1, inputBytes: 1, outputBytes: 2,
                computeBytes: 1)
            if id.hasPrefix("R15-G") {
                return (op.flops / op.seconds / hw.die.int8PeakOpsPerSecond * 100, "mean Table 9 utilisation with 128x152 tile quantisation")
            }
            return (op.bytes / op.seconds / 1e9, "minimum traffic (A + B INT8, C BF16) / modelled time")
        }
        return nil
    }
}
