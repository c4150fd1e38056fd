import Foundation

extension Deployment {
    /// Loads a deployment file and checks it against the hardware it runs on; the file is read
    /// once through `files` (which records its digest).
    public static func load(path: String, hardware: Hardware, files: ConfigFiles = ConfigFiles()) throws(ConfigError)
        -> Deployment
    {
        try load(data: files.read(path, role: .deployment), name: path, hardware: hardware)
    }

    /// Decodes the bytes of a deployment file and checks them against `hardware`; errors name
    /// `name` as the file.
    public static func load(data: Data, name: String, hardware: Hardware) throws(ConfigError) -> Deployment {
        guard try ServingArchitecture.of(data: data, file: name) == .disaggregated else {
            throw ConfigError(
                .invalidValue, file: name, path: "$.serving",
                reason: "is an aggregated deployment (one engine per replica); replay it with --backend aggregated")
        }
        return try Deployment(file: ConfigFile.decode(DeploymentFile.self, from: data, file: name), path: name, hardware: hardware)
    }

    init(file f: DeploymentFile, path: String, hardware hw: Hardware) throws(ConfigError) {
        let v = FieldValidator(file: path)
        name = f.name
        hardwareName = f.hardware
        modelName = f.model
        precisionName = f.precision
        prefillInstances = try v.nonNegative(f.prefillInstances, "$.prefillInstances")
        decodeInstances = try v.nonNegative(f.decodeInstances, "$.decodeInstances")
        func balance(_ s: String, _ p: String) throws(ConfigError) -> ExpertBalance {
            guard let b = ExpertBalance(rawValue: s) else {
                throw v.fail(p, "unknown expert balance \"\(s)\"; use \"perfect\", \"default\" or \"random\"", code: .unknownName)
            }
            return b
        }

        let d = f.decode
        let decodeNPUs = try v.positive(d.npus, "$.decode.npus")
        let decodeDies = decodeNPUs * hw.diesPerPackage
        let dp = try v.positive(d.attentionDataParallelDies, "$.decode.attentionDataParallelDies")
        guard dp == decodeDies else {
            throw v.fail("$.decode.attentionDataParallelDies.value", "DP attention needs one rank per die: \(decodeDies) dies, got \(dp)")
        }
        var overlap = MicrobatchOverlap.coreSplit
        if let o = d.microbatching.overlap {
            guard let parsed = MicrobatchOverlap(rawValue: o) else {
                throw v.fail("$.decode.microbatching.overlap", "unknown overlap \"\(o)\"; use coreSplit or communication", code: .unknownName)
            }
            overlap = parsed
        }
        var streams: [StreamShare]?
        if d.microbatching.enabled, overlap == .coreSplit {
            guard d.microbatching.streams.count == 2 else {
                throw v.fail("$.decode.microbatching.streams", "the decode pipeline has exactly two streams (attention, moe), got \(d.microbatching.streams.count)")
            }
            var list: [StreamShare] = []
            var cube = 0, vec = 0
            for (i, s) in d.microbatching.streams.enumerated() {
                let p = "$.decode.microbatching.streams[\(i)]"
                let c = try v.positive(s.cubeCores, p + ".cubeCores")
                let vv = try v.positive(s.vectorCores, p + ".vectorCores")
                cube += c
                vec += vv
                list.append(StreamShare(name: s.name, cubeCores: c, vectorCores: vv))
            }
            guard cube <= hw.die.cubeCores, vec <= hw.die.vectorCores else {
                throw v.fail("$.decode.microbatching.streams", "streams use \(cube) cube + \(vec) vector cores; a die has \(hw.die.cubeCores) + \(hw.die.vectorCores)")
            }
            streams = list
        }
        var policy = MicrobatchPolicy.never
        if d.microbatching.enabled {
            guard let pol = MicrobatchPolicy(rawValue: d.microbatching.policy) else {
                throw v.fail("$.decode.microbatching.policy", "unknown policy \"\(d.microbatching.policy)\"; use always, never or whenFaster", code: .unknownName)
            }
            policy = pol
        }
        let acceptance = d.mtp.acceptanceRate.value
        guard acceptance >= 0, acceptance <= 1 else {
            throw v.fail("$.decode.mtp.acceptanceRate.value", "must be in [0, 1], got \(acceptance)")
        }
        let shared = try v.nonNegative(d.sharedExpertCopies, "$.decode.sharedExpertCopies")
        let perDie = try v.positive(d.expertsPerDie, "$.decode.expertsPerDie")
        guard decodeDies * perDie > shared else {
            throw v.fail("$.decode.sharedExpertCopies.value", "leaves no slot for routed experts (\(decodeDies * perDie) slots)")
        }
        decode = DecodeDeployment(
            npus: decodeNPUs, dies: decodeDies, attentionDataParallelDies: dp, sharedExpertCopies: shared,
            redundantExperts: try v.nonNegative(d.redundantExperts, "$.decode.redundantExperts"),
            expertsPerDie: perDie,
            batchPerDie: try v.positive(d.batchPerDie, "$.decode.batchPerDie"),
            maxKVLengthTokens: try v.positive(d.maxKVLengthTokens, "$.decode.maxKVLengthTokens"),
            maxTokensPerDieForBuffers: try v.positive(d.maxTokensPerDieForBuffers, "$.decode.maxTokensPerDieForBuffers"),
            streams: streams, microbatchPolicy: policy, overlap: overlap,
            mtp: MTPSettings(draftTokens: try v.nonNegative(d.mtp.draftTokens, "$.decode.mtp.draftTokens"), acceptanceRate: acceptance),
            expertBalance: try balance(d.expertBalance, "$.decode.expertBalance"))

        let p = f.prefill
        let prefillNPUs = try v.positive(p.npus, "$.prefill.npus")
        let prefillDies = prefillNPUs * hw.diesPerPackage
        let ep = try v.positive(p.expertParallelDies, "$.prefill.expertParallelDies")
        guard ep == prefillDies else {
            throw v.fail("$.prefill.expertParallelDies.value", "EP spans the instance's \(prefillDies) dies, got \(ep)")
        }
        let tp = try v.positive(p.attentionTensorParallelDies, "$.prefill.attentionTensorParallelDies")
        guard prefillDies % tp == 0 else {
            throw v.fail("$.prefill.attentionTensorParallelDies.value", "must divide the instance's \(prefillDies) dies, got \(tp)")
        }
        let tokens = try v.positive(p.tokensPerNPU, "$.prefill.tokensPerNPU")
        let prompt = try v.positive(p.promptLength, "$.prefill.promptLength")
        prefill = PrefillDeployment(
            npus: prefillNPUs, dies: prefillDies, expertParallelDies: ep,
            expertsPerDie: try v.positive(p.expertsPerDie, "$.prefill.expertsPerDie"),
            attentionTensorParallelDies: tp, tokensPerNPU: tokens, promptLength: prompt,
            microbatches: try v.positive(p.microbatches, "$.prefill.microbatches"),
            expertBalance: try balance(p.expertBalance, "$.prefill.expertBalance"),
            communicationCores: try p.communicationCores.map { n throws(ConfigError) in try v.nonNegative(n, "$.prefill.communicationCores") } ?? 0)
        if let name = p.overlap {
            guard let overlap = PrefillOverlap(rawValue: name) else {
                throw v.fail("$.prefill.overlap", "unknown overlap \"\(name)\"; use listScheduled or twoBatchOverlap", code: .unknownName)
            }
            guard p.overlapSource?.isEmpty == false else {
                throw v.fail("$.prefill.overlapSource", "say where the overlap scheme comes from", code: .missingField)
            }
            prefill.overlap = overlap
        }
        guard prefill.communicationCores < hw.die.cubeCores else {
            throw v.fail("$.prefill.communicationCores.value", "leaves no core for compute: a die has \(hw.die.cubeCores) cube cores, \(prefill.communicationCores) held for communication")
        }

        overheads = try v.overheads(f.overheads)
        imbalance = try v.imbalance(f.expertImbalance)
        calibration = try v.calibration(f.calibration)
    }
}
