import SystemDescription

/// Aggregated deployments built in code from the shipped hardware and model files, for the cost
/// model's and the memory budget's tests (the aggregated deployment files come with the loader).
public enum AggregatedFixtures {
    /// The shipped `hardware` file and `model` (DeepSeek-R1 unless named) at `precision`.
    public static func files(hardware: String, precision: String, model: String = "deepseek-r1") throws -> (hardware: Hardware, model: ModelShape) {
        (
            try Hardware.load(path: "\(Fixtures.configs)/hardware/\(hardware).json"),
            try ModelShape.load(path: "\(Fixtures.configs)/models/\(model).json", precision: precision)
        )
    }

    /// An aggregated deployment with `layout`, taking overheads, expert imbalance and calibration
    /// from the shipped disaggregated deployment `from` (its GPU or Ascend constants).
    public static func deployment(
        _ layout: ParallelLayout, hardware: String, precision: String, from system: SystemConfiguration,
        mtp: MTPSettings = .off, balance: ExpertBalance = .perfect, redundantExperts: Int = 0,
        memory: KVMemoryShare = KVMemoryShare(usableFraction: 0.9, kvFractionOfFree: false, workspaceBytesPerDie: 4e9),
        maxBatchPerRank: Int = 128, maxBatchedTokensPerRank: Int = 2048, model: String = "deepseek-r1"
    ) -> AggregatedDeployment {
        AggregatedDeployment(
            name: "test", hardwareName: hardware, modelName: model, precisionName: precision, replicas: 1, layout: layout,
            limits: EngineLimits(
                maxBatchPerRank: maxBatchPerRank, maxBatchedTokensPerRank: maxBatchedTokensPerRank, chunkedPrefill: true,
                kvBlockTokens: 64, prefixCaching: false, policy: .decodeFirst),
            router: .roundRobin, mtp: mtp, expertBalance: balance, redundantExperts: redundantExperts, memory: memory,
            overheads: system.deployment.overheads, imbalance: system.deployment.imbalance, calibration: system.deployment.calibration)
    }

    /// The shipped `hardware` file, `model` at `precision` and an aggregated deployment with
    /// `layout` and the H800 deployment's overheads, imbalance and calibration.
    public static func system(
        _ layout: ParallelLayout, hardware: String = "h200", precision: String = "fp8-w8a8", mtp: MTPSettings = .off,
        balance: ExpertBalance = .perfect, redundantExperts: Int = 0,
        memory: KVMemoryShare = KVMemoryShare(usableFraction: 0.9, kvFractionOfFree: false, workspaceBytesPerDie: 4e9),
        maxBatchedTokensPerRank: Int = 2048, model: String = "deepseek-r1"
    ) throws -> (hardware: Hardware, model: ModelShape, deployment: AggregatedDeployment) {
        let f = try files(hardware: hardware, precision: precision, model: model)
        let d = deployment(
            layout, hardware: hardware, precision: precision, from: try h800System(), mtp: mtp, balance: balance,
            redundantExperts: redundantExperts, memory: memory, maxBatchedTokensPerRank: maxBatchedTokensPerRank, model: model)
        return (f.hardware, f.model, d)
    }

    /// DeepSeek's H800 deployment (`deepseek-h800`).
    public static func h800System() throws -> SystemConfiguration {
        try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: "deepseek-h800")
    }

    public static func layout(tp: Int = 1, dp: Int = 1, ep: Int = 1, pp: Int = 1) -> ParallelLayout {
        ParallelLayout(tensorParallel: tp, attentionDataParallel: dp, expertParallel: ep, pipelineParallel: pp)
    }
}
