import Foundation

extension AggregatedDeployment {
    /// Loads an aggregated deployment file and checks it against the hardware it runs on; the
    /// file is read once through `files` (which records its digest).
    public static func load(path: String, hardware: Hardware, files: ConfigFiles = ConfigFiles()) throws(ConfigError)
        -> AggregatedDeployment
    {
        try load(data: files.read(path, role: .deployment), name: path, hardware: hardware)
    }

    /// Decodes the bytes of an aggregated deployment file and checks them against `hardware`;
    /// errors name `name` as the file.
    public static func load(data: Data, name: String, hardware: Hardware) throws(ConfigError) -> AggregatedDeployment {
        guard try ServingArchitecture.of(data: data, file: name) == .aggregated else {
            throw ConfigError(
                .invalidValue, file: name, path: "$.serving",
                reason: "is a disaggregated (prefill/decode) deployment; replay it with --backend cloudmatrix, or give --backend aggregated a file with \"serving\": \"aggregated\"")
        }
        return try AggregatedDeployment(
            file: ConfigFile.decode(AggregatedDeploymentFile.self, from: data, file: name), path: name, hardware: hardware)
    }

    init(file f: AggregatedDeploymentFile, path: String, hardware hw: Hardware) throws(ConfigError) {
        let v = FieldValidator(file: path)
        func choice<T: RawRepresentable>(_ s: Sourced<String>, _ p: String, _ all: [T]) throws(ConfigError) -> T where T.RawValue == String {
            guard let value = T(rawValue: s.value) else {
                throw v.fail(p + ".value", "unknown value \"\(s.value)\"; use \(all.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))", code: .unknownName)
            }
            return value
        }
        let l = f.layout
        let layout = ParallelLayout(
            tensorParallel: try v.positive(l.tensorParallel, "$.layout.tensorParallel"),
            attentionDataParallel: try v.positive(l.attentionDataParallel, "$.layout.attentionDataParallel"),
            expertParallel: try v.positive(l.expertParallel, "$.layout.expertParallel"),
            pipelineParallel: try v.positive(l.pipelineParallel, "$.layout.pipelineParallel"))
        try Self.check(layout, hardware: hw, validator: v)
        let e = f.engine
        let limits = EngineLimits(
            maxBatchPerRank: try v.positive(e.maxBatchPerRank, "$.engine.maxBatchPerRank"),
            maxBatchedTokensPerRank: try v.positive(e.maxBatchedTokensPerRank, "$.engine.maxBatchedTokensPerRank"),
            chunkedPrefill: e.chunkedPrefill.value,
            kvBlockTokens: try v.positive(e.kvBlockTokens, "$.engine.kvBlockTokens"),
            prefixCaching: e.prefixCaching.value,
            policy: try choice(e.policy, "$.engine.policy", SchedulingPolicy.allCases),
            preemption: try choice(e.preemption, "$.engine.preemption", PreemptionMode.allCases))
        let acceptance = f.mtp.acceptanceRate.value
        guard acceptance >= 0, acceptance <= 1 else {
            throw v.fail("$.mtp.acceptanceRate.value", "must be in [0, 1], got \(acceptance)")
        }
        guard let balance = ExpertBalance(rawValue: f.expertBalance) else {
            throw v.fail("$.expertBalance", "unknown expert balance \"\(f.expertBalance)\"; use \"perfect\", \"default\" or \"random\"", code: .unknownName)
        }
        guard !f.expertBalanceSource.isEmpty else {
            throw v.fail("$.expertBalanceSource", "say where the expert balance comes from", code: .missingField)
        }
        let m = f.kvMemory
        if let d = f.draftModel {
            guard f.mtp.draftTokens.value > 0 else {
                throw v.fail("$.draftModel", "a draft model proposes mtp.draftTokens tokens per step; set mtp.draftTokens above 0 or remove it")
            }
            guard !d.source.isEmpty else { throw v.fail("$.draftModel.source", "say which draft checkpoint the run used", code: .missingField) }
        }
        self.init(
            name: f.name, hardwareName: f.hardware, modelName: f.model, precisionName: f.precision,
            replicas: try v.positive(f.replicas, "$.replicas"), layout: layout, limits: limits,
            router: try choice(f.router, "$.router", RouterPolicy.allCases),
            mtp: MTPSettings(draftTokens: try v.nonNegative(f.mtp.draftTokens, "$.mtp.draftTokens"), acceptanceRate: acceptance),
            expertBalance: balance,
            redundantExperts: try v.nonNegative(f.redundantExperts, "$.redundantExperts"),
            memory: KVMemoryShare(
                usableFraction: try v.fraction(m.usableFraction, "$.kvMemory.usableFraction"),
                kvFractionOfFree: m.kvFractionOfFree.value,
                workspaceBytesPerDie: try v.nonNegative(m.workspaceGBPerDie, "$.kvMemory.workspaceGBPerDie") * 1e9),
            overheads: try v.overheads(f.overheads), imbalance: try v.imbalance(f.expertImbalance),
            calibration: try v.calibration(f.calibration))
        draftModel = f.draftModel.map { DraftModelReference(model: $0.model, precision: $0.precision) }
        if let c = f.moeCommunication { expertExchange = try choice(c, "$.moeCommunication", ExpertExchange.allCases) }
    }

    /// The layout's shape rules: a replica's dies fill whole accelerators, and the experts are
    /// either spread over the attention ranks' dies (EP = DP × TP of a stage) or sharded by TP on
    /// every die (EP = 1), the two layouts the engines run.
    static func check(_ layout: ParallelLayout, hardware hw: Hardware, validator v: FieldValidator) throws(ConfigError) {
        if let (field, reason) = layout.problem(on: hw) { throw v.fail("$.layout" + (field.map { ".\($0).value" } ?? ""), reason) }
    }
}

extension ParallelLayout {
    /// Why this layout cannot run on `hw`, with the layout field to blame (nil: the layout as a
    /// whole); nil when it can.
    public func problem(on hw: Hardware) -> (field: String?, reason: String)? {
        if diesPerReplica % hw.diesPerPackage != 0 {
            return (nil, "a replica has TP × DP × PP = \(diesPerReplica) dies; it must fill whole \(hw.name) packages of \(hw.diesPerPackage) dies")
        }
        if expertParallel != 1 && expertParallel != diesPerStage {
            return ("expertParallel", "EP spans the \(diesPerStage) dies of a stage (TP × DP) or is 1 (experts sharded by TP), got \(expertParallel)")
        }
        return nil
    }
}

extension FieldValidator {
    /// The `overheads` section shared by every deployment file.
    func overheads(_ o: DeploymentFile.Overheads) throws(ConfigError) -> Overheads {
        let launch = o.graphLaunchOverlapped.value
        guard launch == 0 || launch == 1 else {
            throw fail("$.overheads.graphLaunchOverlapped.value", "must be 1 (hidden) or 0 (exposed), got \(launch)")
        }
        return Overheads(
            naiveGraphStartupSeconds: try nonNegative(o.naiveGraphStartupUs, "$.overheads.naiveGraphStartupUs") * 1e-6,
            graphLaunchOverlapped: launch == 1,
            samplingPassesOverLogits: try nonNegative(o.samplingPassesOverLogits, "$.overheads.samplingPassesOverLogits"),
            logitBytes: try positive(o.logitBytes, "$.overheads.logitBytes"))
    }

    /// The `expertImbalance` section shared by every deployment file.
    func imbalance(_ i: DeploymentFile.Imbalance) throws(ConfigError) -> ExpertImbalance {
        let skew = i.systematicSkew.value
        guard skew.isFinite, skew >= 1 else {
            throw fail("$.expertImbalance.systematicSkew.value", "max/mean load cannot be below 1, got \(skew)")
        }
        return ExpertImbalance(systematicSkew: skew)
    }

    /// The `calibration` section shared by every deployment file.
    func calibration(_ c: DeploymentFile.Calibration) throws(ConfigError) -> Calibration {
        Calibration(perOperatorOverheadSeconds: try nonNegative(c.perOperatorOverheadUs, "$.calibration.perOperatorOverheadUs") * 1e-6)
    }
}
