import CMBenchTestSupport
import Testing
@testable import CostModel
import SystemDescription

/// Grouped-query attention's operators against FLOPs and bytes counted by hand, and its place in
/// the aggregated iteration: KV heads split by TP and replicated beyond, the all-reduce after
/// attention, no MoE in a dense model.
@Suite struct GroupedQueryOperatorTests {
    func operators(_ model: String, precision: String, hardware: String = "h200") throws -> TransformerOperators {
        let f = try AggregatedFixtures.files(hardware: hardware, precision: precision, model: model)
        return TransformerOperators(model: f.model, hardware: f.hardware)
    }

    @Test func decodeAttentionReadsEachKVHeadOnceForItsGroup() throws {
        // Llama-3.1-70B in BF16 on one die: 64 query heads, 8 KV heads of 128.
        let o = try operators("llama-3.1-70b", precision: "bf16")
        let op = o.gqaDecodeAttention(kvTokens: 32 * 2048, queriesPerRequest: 1, requests: 32, heads: 64, kvHeads: 8, share: .wholeDie)
        // QKᵀ and PV: 2 × 2 × 128 FLOPs per (query head, cached token).
        #expect(op.flops == 4 * 64 * 128 * 32 * 2048)
        // The cache once (K and V of 8 heads, 2 B), the queries in and the outputs out (64 heads, 2 B).
        #expect(op.bytes == Double(32 * 2048 * 2 * 8 * 128 * 2 + 32 * 2 * 64 * 128 * 2))
        #expect(op.bound == .memory)
        // Verifying 1 + k tokens multiplies the FLOPs, not the cache reads.
        let verify = o.gqaDecodeAttention(kvTokens: 32 * 2048, queriesPerRequest: 3, requests: 32, heads: 64, kvHeads: 8, share: .wholeDie)
        #expect(verify.flops == 3 * op.flops)
        #expect(verify.bytes == Double(32 * 2048 * 2 * 8 * 128 * 2 + 3 * 32 * 2 * 64 * 128 * 2))
    }

    @Test func promptAttentionCountsCausalPairsAndTheCachedContext() throws {
        let o = try operators("qwen3-235b-a22b", precision: "fp8")
        let pairs = TransformerOperators.causalPairs(sequences: 1, length: 4096, reused: 0)
        let op = o.gqaPrefillAttention(pairs: pairs, queryTokens: 4096, contextTokens: 0, heads: 64, kvHeads: 4, share: .wholeDie)
        #expect(op.flops == 4 * 64 * 128 * pairs)
        #expect(op.bound == .compute)
        // A chunk after 8,192 cached tokens also reads their keys and values (FP8 cache: 1 B).
        let chunk = o.gqaPrefillAttention(pairs: pairs, queryTokens: 4096, contextTokens: 8192, heads: 64, kvHeads: 4, share: .wholeDie)
        #expect(chunk.bytes - op.bytes == Double(8192 * 2 * 4 * 128 * 1))
    }

    @Test func prologProjectsQueriesKeysAndValuesOfTheDiesHeads() throws {
        let o = try operators("qwen3-235b-a22b", precision: "bf16")
        let whole = o.gqaProlog(tokens: 1024, heads: 64, kvHeads: 4, share: .wholeDie)
        let eighth = o.gqaProlog(tokens: 1024, heads: 8, kvHeads: 1, share: .wholeDie)
        // The fused q/k/v GEMM: 1,024 tokens × (64 + 2 × 4) × 128 columns × 4,096.
        #expect(whole.flops == 2 * 1024 * Double((64 + 8) * 128) * 4096)
        #expect(eighth.flops == 2 * 1024 * Double((8 + 2) * 128) * 4096)
        let out = o.gqaOutProj(tokens: 1024, heads: 8, share: .wholeDie)
        #expect(out.flops == 2 * 1024 * 4096 * Double(8 * 128))
    }

    /// Cost model of an aggregated replica of `model`.
    func iteration(_ layout: ParallelLayout, model: String, precision: String = "fp8", hardware: String = "h200") throws -> IterationCostModel {
        let s = try AggregatedFixtures.system(layout, hardware: hardware, precision: precision, model: model)
        return IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment)
    }

    @Test func tensorParallelSplitsKVHeadsThenReplicatesThem() throws {
        let load = [RankLoad(decodeRequests: 16, decodeContextTokens: 16 * 4096)]
        func attentionBytes(_ tp: Int) throws -> Double {
            let b = try iteration(AggregatedFixtures.layout(tp: tp, ep: tp), model: "qwen3-235b-a22b").breakdown(ranks: load)
            let layer = try #require(b.stages.first?.layers.first)
            return try #require(layer.rankOperators[0].first { $0.name == "Attention" }).bytes
        }
        let cache = Double(16 * 4096 * 2 * 128)  // K and V, 128 wide, FP8 (1 B), per KV head
        let query = Double(16 * 2 * 128 * 2)  // one query head in and out, BF16
        #expect(try attentionBytes(1) == 4 * cache + 64 * query)
        #expect(try attentionBytes(2) == 2 * cache + 32 * query)
        // TP 8 over 4 KV heads: each die holds one KV head (replicated), for its 8 query heads.
        #expect(try attentionBytes(8) == 1 * cache + 8 * query)
    }

    @Test func denseModelHasNoMoELayerAndAllReducesUnderTP() throws {
        let m = try iteration(AggregatedFixtures.layout(tp: 2), model: "llama-3.1-70b")
        let b = m.breakdown(ranks: [RankLoad(decodeRequests: 64, decodeContextTokens: 64 * 2048)])
        let layers = try #require(b.stages.first?.layers)
        #expect(layers.map(\.kind) == [.dense])
        #expect(layers[0].count == 80)
        let names = layers[0].rankOperators[0].map(\.name)
        #expect(names == ["QKVProlog", "Attention", "O_PROJ", "AllReduce (attention)", "DenseFFN", "AllReduce (FFN)"])
        #expect(layers[0].commonOperators.isEmpty)
        #expect(b.totalMicroseconds > 0 && b.totalMicroseconds == m.timer().iterationMicroseconds(ranks: b.ranks))
    }

    @Test func kvHeadsThatCannotBeSharedAreRefusedByTheLoader() throws {
        let qwen = try AggregatedFixtures.files(hardware: "h200", precision: "fp8", model: "qwen3-235b-a22b").model
        #expect(qwen.problem(with: AggregatedFixtures.layout(tp: 6, ep: 6))?.reason.contains("64 attention heads") == true)
        let llama = try AggregatedFixtures.files(hardware: "h200", precision: "fp8", model: "llama-3.1-70b").model
        #expect(llama.problem(with: AggregatedFixtures.layout(tp: 16)) == nil)  // 8 KV heads, each on two dies
        #expect(llama.problem(with: AggregatedFixtures.layout(tp: 2, pp: 81))?.field == "pipelineParallel")
    }
}

/// An EAGLE-3 draft model's passes: priced from its own file, on every rank, and summed by the
/// fast path exactly as the breakdown sums them.
@Suite struct DraftModelIterationTests {
    func models(tp: Int = 1, dp: Int, ep: Int, drafts: Int) throws -> (with: IterationCostModel, without: IterationCostModel) {
        var s = try AggregatedFixtures.system(
            AggregatedFixtures.layout(tp: tp, dp: dp, ep: ep), hardware: "ascend-910c", precision: "int8-w8a8",
            mtp: MTPSettings(draftTokens: drafts, acceptanceRate: 0.7), model: "qwen3-235b-a22b")
        let draft = try ModelShape.load(path: "\(Fixtures.configs)/models/qwen3-235b-a22b-eagle3.json")
        s.deployment.draftModel = DraftModelReference(model: draft.name, precision: "bf16")
        return (
            IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment, draftModel: draft),
            IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment)
        )
    }

    @Test func eachDraftTokenIsOnePassOfTheDraftModel() throws {
        let m = try models(dp: 16, ep: 16, drafts: 3)
        let ranks = (0..<16).map { i in RankLoad(decodeRequests: 20 + i, decodeContextTokens: (20 + i) * 3000) }
        let with = m.with.breakdown(ranks: ranks), without = m.without.breakdown(ranks: ranks)
        let passes = with.extras.filter { $0.name.hasPrefix("Draft pass") }
        #expect(passes.map(\.name) == ["Draft pass 1", "Draft pass 2", "Draft pass 3"])
        // The first pass extends over the four verified tokens per request, the others over one.
        #expect(passes[0].microseconds > passes[1].microseconds)
        #expect(passes[1].microseconds == passes[2].microseconds)
        // Qwen3 has no MTP module, so without a draft model the drafts cost nothing; the target's
        // layers verify 1 + 3 tokens per request either way.
        #expect(without.extras.allSatisfy { !$0.name.hasPrefix("Draft") })
        #expect(with.totalMicroseconds - without.totalMicroseconds == passes.reduce(0) { $0 + $1.microseconds })
        // The draft is small next to the target: one layer against 94.
        #expect(passes.reduce(0) { $0 + $1.microseconds } < 0.2 * without.totalMicroseconds)
    }

    @Test func theFastPathSumsTheDraftPassesAsTheBreakdownDoes() throws {
        let m = try models(dp: 16, ep: 16, drafts: 3).with
        let timer = m.timer()
        var g = IterationCostModelTests.Generator(state: 99)
        for i in 0..<200 {
            let ranks = (0..<16).map { _ in IterationCostModelTests.randomLoad(&g, maxTokens: 2048) }
            #expect(timer.iterationMicroseconds(ranks: ranks) == m.breakdown(ranks: ranks).totalMicroseconds, "load \(i)")
        }
    }

    @Test func theDraftsWeightsAndCacheAreInTheMemoryBudget() throws {
        let m = try models(dp: 16, ep: 16, drafts: 3)
        let with = try #require(m.with.memoryBudget.stages.last), without = try #require(m.without.memoryBudget.stages.last)
        let weights = try #require(with.budget.items.first { $0.name == "draft model weights" }).bytes
        // One layer (q/k/v from 2 × 4,096, o, SwiGLU of 24,576), fc 3 × 4,096 → 4,096, a 32,000-token head, all BF16.
        let params = 8192 * (64 + 8) * 128 + 8192 * 4096 + 3 * 4096 * 24576 + 3 * 4096 * 4096 + 32000 * 4096
        #expect(weights == Double(params * 2))
        #expect(without.budget.items.allSatisfy { $0.name != "draft model weights" })
        #expect(with.kvBytesPerToken - without.kvBytesPerToken == Double(2 * 4 * 128 * 2))
    }
}
