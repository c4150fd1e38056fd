import CMBenchTestSupport
import Testing
@testable import SystemDescription

/// The KV room of an aggregated replica's dies after weights and workspace.
@Suite struct AggregatedMemoryTests {
    func budget(
        _ layout: ParallelLayout, hardware: String = "h200", precision: String = "fp8-w8a8", mtp: MTPSettings = .off,
        memory: KVMemoryShare = vllm, redundant: Int = 0
    ) throws -> (AggregatedMemoryBudget, ModelShape) {
        let s = try AggregatedFixtures.system(
            layout, hardware: hardware, precision: precision, mtp: mtp, redundantExperts: redundant, memory: memory)
        return (MemoryBudget.aggregated(model: s.model, deployment: s.deployment, hardware: s.hardware), s.model)
    }

    static let vllm = KVMemoryShare(usableFraction: 0.9, kvFractionOfFree: false, workspaceBytesPerDie: 4e9)
    static let trtllm = KVMemoryShare(usableFraction: 0.9, kvFractionOfFree: true, workspaceBytesPerDie: 4e9)

    @Test(arguments: [vllm, trtllm])
    func weightsWorkspaceAndKVFitTheEnginesShare(share: KVMemoryShare) throws {
        let (b, _) = try budget(AggregatedFixtures.layout(dp: 8, ep: 8), memory: share)
        let stage = try #require(b.stages.first)
        #expect(b.stages.count == 1)
        #expect(stage.kvCacheBytes > 0)
        let total = stage.budget.totalBytes
        // vLLM: everything within usableFraction × HBM (gpu_memory_utilization); TensorRT-LLM:
        // the cache is usableFraction of what is free, so everything within HBM, and the free
        // remainder is exactly (1 − fraction) of what the weights left.
        #expect(total <= b.allowedBytes * (1 + 1e-12))
        #expect(b.allowedBytes == (share.kvFractionOfFree ? b.hbmBytes : share.usableFraction * b.hbmBytes))
        if share.kvFractionOfFree {
            #expect(abs((b.hbmBytes - total) - (1 - share.usableFraction) * (b.hbmBytes - stage.fixedBytes)) < 1)
        } else {
            #expect(abs(total - share.usableFraction * b.hbmBytes) < 1)
        }
        #expect(b.kvBlocksPerRank(blockTokens: 64) > 0)
        #expect(b.kvBlocksPerRank(blockTokens: 32) >= 2 * b.kvBlocksPerRank(blockTokens: 64))
        #expect(Double(b.kvBlocksPerRank(blockTokens: 64) * 64) * stage.kvBytesPerToken <= stage.kvCacheBytes)
        try b.check(file: "test", path: "$", what: "DP8/EP8")
    }

    /// KV bytes per token per die: MLA's latent per layer at the KV width, over the layers the die
    /// holds (every layer without PP; the MTP layer when drafts are on), not split by TP.
    @Test func kvBytesPerTokenAreTheLatentOverTheDiesLayers() throws {
        let (b, m) = try budget(AggregatedFixtures.layout(tp: 8))
        #expect(b.stages[0].kvBytesPerToken == Double(m.kvBytesPerToken))
        let (mtp, _) = try budget(AggregatedFixtures.layout(tp: 8), mtp: MTPSettings(draftTokens: 1, acceptanceRate: 0.7))
        #expect(mtp.stages[0].kvBytesPerToken == Double(m.kvBytesPerToken / m.layers * (m.layers + 1)))
        let (two, _) = try budget(AggregatedFixtures.layout(tp: 8, pp: 2))
        #expect(two.stages.map(\.kvBytesPerToken).reduce(0, +) == Double(m.kvBytesPerToken))
    }

    /// Spreading the experts over more dies leaves more room for KV; EP's routed-expert bytes
    /// add up to the model's routed experts plus the redundant copies.
    @Test func expertsSpreadOverTheEPGroup() throws {
        let (ep8, m) = try budget(AggregatedFixtures.layout(dp: 8, ep: 8), redundant: 32)
        let routed = try #require(ep8.stages[0].budget.items.first { $0.name == "routed expert weights" }).bytes
        #expect(routed * 8 == Double((m.routedExperts + 32) * m.expertParams * m.moeLayers) * m.precision.ffnWeightBytesPerElement)
        let (tp8, _) = try budget(AggregatedFixtures.layout(tp: 8, ep: 1))
        // TP8 splits attention too, so it keeps more KV room than DP8 (which replicates attention).
        #expect(tp8.stages[0].kvCacheBytes > ep8.stages[0].kvCacheBytes)
    }

    /// NVFP4 FFN weights take 4 bits and an FP8 scale per 16 elements; attention and the head do not change.
    @Test func nvfp4ShrinksTheFFNWeightsOnly() throws {
        let (fp4, _) = try budget(AggregatedFixtures.layout(dp: 8, ep: 8), hardware: "b200", precision: "nvfp4")
        let (fp8, _) = try budget(AggregatedFixtures.layout(dp: 8, ep: 8), hardware: "b200", precision: "fp8-w8a8")
        func item(_ b: AggregatedMemoryBudget, _ name: String) throws -> Double { try #require(b.stages[0].budget.items.first { $0.name == name }).bytes }
        for name in ["routed expert weights", "shared expert weights", "dense FFN weights"] {
            #expect(try item(fp4, name) == item(fp8, name) * 0.5625, "\(name)")
        }
        for name in ["attention weights", "LM head", "router weights"] { #expect(try item(fp4, name) == item(fp8, name), "\(name)") }
        #expect(fp4.kvBlocksPerRank(blockTokens: 32) > fp8.kvBlocksPerRank(blockTokens: 32))
    }

    /// A block-scaled format with a compute width the tensor cores do not have is refused, naming the field.
    @Test func aBadFFNFormatIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.modelPath, in: dir) {
            Fixtures.set(&$0, ["precisions", "nvfp4", "ffnWeights", "computeBits", "value"], 5)
        }
        let error = try #require(throws: ConfigError.self) { try ModelShape.load(path: path, precision: "nvfp4") }
        #expect(error.path == "$.precisions.nvfp4.ffnWeights.computeBits.value")
    }

    /// DeepSeek-R1 on one H200 does not fit: refused, saying by how much and what to change.
    @Test func aDeploymentWhoseWeightsDoNotFitIsRefused() throws {
        let (b, _) = try budget(AggregatedFixtures.layout())
        #expect(b.stages[0].kvCacheBytes < 0)
        #expect(b.kvBlocksPerRank(blockTokens: 64) == 0)
        let error = try #require(throws: ConfigError.self) { try b.check(file: "agg.json", path: "$.layout", what: "TP1 on one H200") }
        #expect(error.code == .doesNotFit)
        #expect(error.file == "agg.json" && error.path == "$.layout")
        #expect(error.reason.contains("routed expert weights") && error.reason.contains("parallelism"))
        // The same model over eight of them fits.
        try budget(AggregatedFixtures.layout(tp: 8)).0.check(file: "agg.json", path: "$.layout", what: "TP8")
    }
}
