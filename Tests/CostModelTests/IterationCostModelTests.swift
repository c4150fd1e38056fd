import CMBenchTestSupport
import Testing
@testable import CostModel
import SystemDescription

/// The aggregated iteration against the decode step and the prefill batch it must reduce to, its
/// monotonicity, and the fast path against the breakdown.
@Suite struct IterationCostModelTests {
    let h800: SystemConfiguration
    init() throws { h800 = try AggregatedFixtures.h800System() }

    /// An iteration model on `AggregatedFixtures.system`.
    func model(
        _ layout: ParallelLayout, hardware: String = "h200", precision: String = "fp8-w8a8", mtp: MTPSettings = .off,
        balance: ExpertBalance = .perfect, tokens: Int = 2048, model: String = "deepseek-r1"
    ) throws -> IterationCostModel {
        let s = try AggregatedFixtures.system(
            layout, hardware: hardware, precision: precision, mtp: mtp, balance: balance, maxBatchedTokensPerRank: tokens, model: model)
        return IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment)
    }

    static func decode(_ requests: Int, context: Int) -> RankLoad {
        RankLoad(decodeRequests: requests, decodeContextTokens: requests * context)
    }

    static func chunk(_ tokens: Int, after context: Int, completes: Bool = true) -> RankLoad {
        var r = RankLoad()
        r.addChunk(tokens: tokens, context: context, completesPrompt: completes)
        return r
    }

    // MARK: limits known exactly

    /// A decode-only iteration on DeepSeek's H800 decode layout (DP128/EP128, TP 1, perfect
    /// balance), every rank at the same batch and context, is `DecodeCostModel`'s single-stream
    /// step: the same operators over the same tokens, summed in the same order.
    @Test(arguments: [(8, 1024), (64, 4096), (128, 4096), (128, 2000)])
    func decodeOnlyIterationIsTheDecodeStep(batch: Int, context: Int) throws {
        for mtp in [MTPSettings.off, MTPSettings(draftTokens: 1, acceptanceRate: 0.7)] {
            let decode = DecodeCostModel(system: h800)
            let step = decode.stepTime(
                batchPerDie: batch, meanKVLength: Double(context),
                options: DecodeOptions(mtp: mtp, microbatching: .never, expertBalance: .perfect))
            let m = try model(AggregatedFixtures.layout(dp: 128, ep: 128), hardware: "h800", mtp: mtp)
            let ranks = Array(repeating: Self.decode(batch, context: context), count: 128)
            #expect(m.iterationMicroseconds(ranks: ranks) == step.stepMicroseconds, "batch \(batch), context \(context), MTP \(mtp.draftTokens)")
            // And operator by operator: the MoE layer's rank part and common part are the decode stream's operators.
            let b = m.breakdown(ranks: ranks)
            let moe = try #require(b.stages[0].layers.first { $0.kind == .moe })
            let stream = try #require(step.layers.first { $0.kind == .moe }?.streams.first)
            #expect((moe.rankOperators[0] + moe.commonOperators).map(\.name) == stream.operators.map(\.name))
            #expect((moe.rankOperators[0] + moe.commonOperators).map(\.microseconds) == stream.operators.map(\.microseconds))
        }
    }

    /// One prompt in one chunk on one rank with TP 1 computes the prefill batch's attention: the
    /// same GEMM FLOPs (q_a/kv_a, q_b, kv_b, o_proj; no decode W_UK/W_UV), the same causal
    /// attention and dense FFN as `PrefillCostModel` for that prompt in one microbatch with the
    /// whole die (no SMs held by communication kernels).
    @Test(arguments: [1024, 4096])
    func singleChunkAttentionIsThePrefillBatchs(prompt: Int) throws {
        var system = h800
        system.deployment.prefill.communicationCores = 0
        let prefill = PrefillCostModel(system: system).batchTime(
            tokensPerNPU: prompt, promptLength: prompt,
            options: PrefillOptions(microbatches: 1, expertBalance: .perfect, runsMTPModule: false))
        let dense = try #require(prefill.layers.first { $0.kind == .dense })
        let m = try model(AggregatedFixtures.layout(dp: 1, ep: 1), hardware: "h800", tokens: prompt)
        let layer = try #require(m.breakdown(ranks: [Self.chunk(prompt, after: 0)]).stages[0].layers.first { $0.kind == .dense })
        let ours = layer.rankOperators[0]
        func op(_ ops: [OperatorTime], _ name: String) throws -> OperatorTime { try #require(ops.first { $0.name == name }) }
        let theirs = dense.stages.map(\.operation)
        #expect(try op(ours, "Attn-FA") == op(theirs, "Attn-FA"))
        #expect(try op(ours, "DenseFFN") == op(theirs, "DenseFFN"))
        let attentionNames: Set = ["Attn-PreFA down", "Attn-PreFA up", "Attn-FA", "Attn-PostFA"]
        let theirFlops = theirs.filter { attentionNames.contains($0.name) }.reduce(0) { $0 + $1.flops }
        let ourFlops = ours.filter { $0.name != "DenseFFN" }.reduce(0) { $0 + $1.flops }
        #expect(abs(ourFlops - theirFlops) <= 1e-12 * theirFlops)
        #expect(!ours.contains { $0.name == "FusedAttention" })
    }

    // MARK: monotonicity

    static let layouts: [ParallelLayout] = [
        AggregatedFixtures.layout(dp: 8, ep: 8),  // TensorRT-LLM's AG1 layout
        AggregatedFixtures.layout(tp: 8, ep: 1),  // pure TP
        AggregatedFixtures.layout(tp: 8, ep: 8),  // TP attention, EP experts (all-reduce form)
        AggregatedFixtures.layout(tp: 2, dp: 4, ep: 8),
        AggregatedFixtures.layout(dp: 4, ep: 4, pp: 2),
    ]

    @Test(arguments: layouts)
    func moreWorkIsNeverFaster(layout: ParallelLayout) throws {
        let m = try model(layout, mtp: MTPSettings(draftTokens: 1, acceptanceRate: 0.7))
        let ranks = layout.attentionDataParallel
        var previous = 0.0
        for context in [0, 512, 2048, 8192, 32768] {
            let t = m.iterationMicroseconds(ranks: Array(repeating: Self.decode(32, context: context), count: ranks))
            #expect(t >= previous, "decode context \(context)")
            previous = t
        }
        previous = 0
        for tokens in [1, 16, 128, 512, 1024, 2048] {
            var r = Self.decode(16, context: 1024)
            r.addChunk(tokens: tokens, context: 4096, completesPrompt: false)
            let t = m.iterationMicroseconds(ranks: [r] + Array(repeating: RankLoad(), count: ranks - 1))
            #expect(t >= previous, "chunk \(tokens)")
            previous = t
        }
        // Loading more ranks (or loading one more heavily) never shortens the iteration.
        var loads = Array(repeating: RankLoad(), count: ranks)
        previous = 0
        for i in 0..<ranks {
            loads[i] = Self.decode(64, context: 2048)
            let t = m.iterationMicroseconds(ranks: loads)
            #expect(t >= previous, "rank \(i) loaded")
            previous = t
        }
        #expect(m.iterationMicroseconds(ranks: Array(repeating: RankLoad(), count: ranks)) == 0)
    }

    @Test func tensorParallelAllReducesAppearOnlyWithTP() throws {
        func names(_ layout: ParallelLayout) throws -> Set<String> {
            let b = try model(layout).breakdown(ranks: Array(repeating: Self.decode(16, context: 2048), count: layout.attentionDataParallel))
            return Set(b.stages.flatMap { $0.layers.flatMap { $0.rankOperators.flatMap { $0 } + $0.commonOperators } }.map(\.name))
        }
        let dp = try names(AggregatedFixtures.layout(dp: 8, ep: 8))
        #expect(!dp.contains { $0.contains("AllReduce") })
        #expect(dp.contains("dispatch") && dp.contains("combine"))
        let tp = try names(AggregatedFixtures.layout(tp: 8, ep: 1))
        #expect(tp.isSuperset(of: ["AllReduce (attention)", "AllReduce (FFN)", "AllReduce (MoE)"]))
        #expect(!tp.contains("dispatch"))
        let single = try names(AggregatedFixtures.layout())
        #expect(!single.contains { $0.contains("AllReduce") || $0 == "dispatch" })
    }

    /// TP splits heads and weight columns: a TP8 rank's attention is faster than a TP1 rank's
    /// with the same batch, but pays all-reduces.
    /// DP attention with its experts reached by all-gather and reduce-scatter instead of an
    /// all-to-all: every die computes its experts over every token, then the collective.
    @Test func allGatherReduceScatterMayReplaceTheAllToAll() throws {
        let s = try AggregatedFixtures.system(AggregatedFixtures.layout(dp: 8, ep: 8))
        let a2a = IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment)
        let ag = IterationCostModel(hardware: s.hardware, model: s.model, deployment: s.deployment, moeCommunication: .allReduce)
        #expect(a2a.moeCommunication == .allToAll && ag.moeCommunication == .allReduce)
        let ranks = Array(repeating: Self.decode(64, context: 2048), count: 8)
        func common(_ m: IterationCostModel) throws -> [String] {
            try #require(m.breakdown(ranks: ranks).stages[0].layers.first { $0.kind == .moe }).commonOperators.map(\.name)
        }
        #expect(try common(a2a) == ["dispatch", "MLP", "combine"])
        #expect(try common(ag) == ["MLP", "AllGather+ReduceScatter (MoE)"])
        // Asking for an all-to-all where TP splits attention is not honoured.
        let tp = try AggregatedFixtures.system(AggregatedFixtures.layout(tp: 8, ep: 8))
        #expect(IterationCostModel(hardware: tp.hardware, model: tp.model, deployment: tp.deployment, moeCommunication: .allToAll).moeCommunication == .allReduce)
        let timer = ag.timer()
        var g = Generator(state: 99)
        for _ in 0..<300 {
            let loads = (0..<8).map { _ in Self.randomLoad(&g, maxTokens: 2048) }
            #expect(timer.iterationMicroseconds(ranks: loads) == ag.breakdown(ranks: loads).totalMicroseconds)
        }
    }

    @Test func tensorParallelSplitsAttention() throws {
        let r = [Self.decode(64, context: 4096)]
        let one = try model(AggregatedFixtures.layout()).breakdown(ranks: r)
        let eight = try model(AggregatedFixtures.layout(tp: 8)).breakdown(ranks: r)
        func core(_ b: IterationBreakdown) throws -> OperatorTime {
            try #require(b.stages[0].layers[0].rankOperators[0].first { $0.name == "FusedAttention" })
        }
        #expect(try core(eight).flops * 8 == core(one).flops)
        #expect(eight.totalMicroseconds < one.totalMicroseconds)
    }

    @Test func pipelineStagesSumToThePass() throws {
        let ranks = Array(repeating: Self.decode(32, context: 2048), count: 4)
        let one = try model(AggregatedFixtures.layout(dp: 4, ep: 4)).breakdown(ranks: ranks)
        let two = try model(AggregatedFixtures.layout(dp: 4, ep: 4, pp: 2)).breakdown(ranks: ranks)
        #expect(two.stages.count == 2)
        #expect(two.stages.map { $0.layers.reduce(0) { $0 + $1.count } } == [31, 30])  // vLLM puts the odd layer before the last stage
        let sum = two.stages.reduce(0) { $0 + $1.layersMicroseconds + $1.sendMicroseconds } + two.extrasMicroseconds + two.graphOverhead.microseconds
        #expect(two.totalMicroseconds == sum)
        let send = try #require(two.stages[0].send)
        #expect(send.microseconds > 0 && two.stages[1].send == nil)
        // The same layers, split: the pass is the single-stage iteration plus the send.
        #expect(abs(two.totalMicroseconds - one.totalMicroseconds - send.microseconds) < 1e-9 * one.totalMicroseconds)
        #expect(two.stageMicroseconds < two.totalMicroseconds)
        #expect(two.stageMicroseconds > two.totalMicroseconds / 2)
        #expect(one.stageMicroseconds == one.totalMicroseconds)
    }

    /// NVFP4 (the AG2 point): the FFN GEMMs run at B200's FP4 peak on 0.5625-byte weights;
    /// attention keeps FP8.
    @Test func nvfp4FFNsUseTheFP4PeakAndBlockScaledBytes() throws {
        let fp4 = try AggregatedFixtures.files(hardware: "b200", precision: "nvfp4")
        let fp8 = try AggregatedFixtures.files(hardware: "b200", precision: "fp8-w8a8")
        #expect(fp4.model.precision.ffnWeightBytesPerElement == 0.5625)
        #expect(fp4.hardware.die.fp4PeakOpsPerSecond == 9000e12)
        let o4 = TransformerOperators(model: fp4.model, hardware: fp4.hardware)
        let o8 = TransformerOperators(model: fp8.model, hardware: fp8.hardware)
        // Compute-bound: the same work at twice the peak.
        let big4 = o4.ffnLinear("gate_up", m: 4096, n: 4096, k: 7168, groups: 8, share: .wholeDie)
        let big8 = o8.ffnLinear("gate_up", m: 4096, n: 4096, k: 7168, groups: 8, share: .wholeDie)
        #expect(big4.flops == big8.flops && big4.bound == .compute)
        #expect(abs(big4.microseconds / big8.microseconds - 0.5) < 1e-12)
        // Memory-bound: the weights' bytes with their block scales.
        let small4 = o4.ffnLinear("down", m: 1, n: 7168, k: 2048, groups: 8, share: .wholeDie)
        let small8 = o8.ffnLinear("down", m: 1, n: 7168, k: 2048, groups: 8, share: .wholeDie)
        #expect(small4.bound == .memory)
        let weights: Double = 7168 * 2048 * 0.5625, input: Double = 2048 * 0.5625, output: Double = 7168 * 2
        #expect(small4.bytes == 8 * (weights + input + output))
        #expect(small4.microseconds < 0.6 * small8.microseconds)
        // Attention is not quantized to FP4.
        #expect(o4.decodeMLAProlog(tokens: 64, share: .wholeDie) == o8.decodeMLAProlog(tokens: 64, share: .wholeDie))
    }

    // MARK: the fast path

    /// xorshift64*: a seeded generator for reproducible random loads.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    static func randomLoad(_ g: inout Generator, maxTokens: Int) -> RankLoad {
        var r = RankLoad()
        switch Int.random(in: 0..<8, using: &g) {
        case 0: return r  // idle
        default: break
        }
        if Bool.random(using: &g) || maxTokens < 2 {
            let n = Int.random(in: 1...min(256, maxTokens), using: &g)
            r.decodeRequests = n
            r.decodeContextTokens = (0..<n).reduce(0) { s, _ in s + Int.random(in: 1...16384, using: &g) }
        }
        for _ in 0..<Int.random(in: 0...3, using: &g) {
            let c = Int.random(in: 1...maxTokens, using: &g)
            r.addChunk(tokens: c, context: Bool.random(using: &g) ? 0 : Int.random(in: 1...65536, using: &g), completesPrompt: Bool.random(using: &g))
        }
        return r
    }

    /// The layouts on H200 files, one with pipeline stages, and DP32/EP32 on CloudMatrix's dies
    /// (the measured dispatch/combine table and UB's latencies instead of the GPU link model).
    static let fastPathCases: [(ParallelLayout, String, String, String)] =
        layouts.map { ($0, "h200", "fp8-w8a8", "deepseek-r1") } + [
            (AggregatedFixtures.layout(dp: 8, ep: 8, pp: 2), "h200", "fp8-w8a8", "deepseek-r1"),
            (AggregatedFixtures.layout(dp: 32, ep: 32), "ascend-910c", "int8-w8a8", "deepseek-r1"),
            (AggregatedFixtures.layout(tp: 4, dp: 4, ep: 16), "ascend-910c", "int8-w8a8", "deepseek-r1"),
            // Grouped-query attention: MoE with attention DP, KV heads split (TP 2) and replicated
            // (TP 8 over 4 KV heads); a dense model with TP and with pipeline stages.
            (AggregatedFixtures.layout(dp: 4, ep: 4), "h200", "fp8", "qwen3-235b-a22b"),
            (AggregatedFixtures.layout(tp: 2, dp: 2, ep: 4), "h200", "fp8", "qwen3-235b-a22b"),
            (AggregatedFixtures.layout(tp: 8, dp: 1, ep: 8), "h100-sxm", "fp8", "qwen3-235b-a22b"),
            (AggregatedFixtures.layout(tp: 2), "h200", "fp8", "llama-3.1-70b"),
            (AggregatedFixtures.layout(tp: 4, pp: 2), "ascend-910c", "bf16", "llama-3.1-70b"),
        ]

    @Test(arguments: fastPathCases)
    func fastPathIsTheBreakdownBitForBit(layout: ParallelLayout, hardware: String, precision: String, modelName: String) throws {
        for mtp in [MTPSettings.off, MTPSettings(draftTokens: 2, acceptanceRate: 0.6)] {
            let m = try model(layout, hardware: hardware, precision: precision, mtp: mtp, balance: .default, tokens: 1024, model: modelName)
            let timer = m.timer()
            var g = Generator(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(layout.diesPerReplica * 31 + layout.tensorParallel))
            for i in 0..<1_000 {
                // Some loads beyond the tables (up to 4x the token budget), to check the computed path too.
                let ranks = (0..<layout.attentionDataParallel).map { _ in Self.randomLoad(&g, maxTokens: i % 10 == 0 ? 4096 : 1024) }
                let b = m.breakdown(ranks: ranks)
                #expect(timer.iterationMicroseconds(ranks: ranks) == b.totalMicroseconds, "load \(i): \(ranks)")
                #expect(timer.stageMicroseconds(ranks: ranks) == b.stageMicroseconds, "load \(i): \(ranks)")
            }
            // Many decode-only ranks with the same few request counts (the timer prices only the
            // one with the most context of each count), as a large DP group serving a light load.
            for i in 0..<300 {
                let ranks = (0..<max(layout.attentionDataParallel, 16)).map { _ in Self.lightLoad(&g) }
                let b = m.breakdown(ranks: ranks)
                #expect(timer.iterationMicroseconds(ranks: ranks) == b.totalMicroseconds, "light load \(i): \(ranks)")
                #expect(timer.stageMicroseconds(ranks: ranks) == b.stageMicroseconds, "light load \(i): \(ranks)")
            }
        }
    }

    /// A rank of a lightly loaded engine: idle, a few decode requests, or now and then a chunk too.
    static func lightLoad(_ g: inout Generator) -> RankLoad {
        var r = RankLoad()
        guard Int.random(in: 0..<6, using: &g) > 0 else { return r }
        r.decodeRequests = Int.random(in: 1...3, using: &g)
        r.decodeContextTokens = Int.random(in: r.decodeRequests...(r.decodeRequests * 8192), using: &g)
        if Int.random(in: 0..<5, using: &g) == 0 {
            r.addChunk(tokens: Int.random(in: 1...2048, using: &g), context: Int.random(in: 0...4096, using: &g), completesPrompt: Bool.random(using: &g))
        }
        return r
    }

    /// One timer shared by concurrent replays (it is an immutable value) gives every task the
    /// same answers as the breakdown.
    @Test func aTimerIsSharedAcrossTasks() async throws {
        let m = try model(AggregatedFixtures.layout(dp: 8, ep: 8))
        let timer = m.timer()
        var g = Generator(state: 7)
        let loads = (0..<200).map { _ in (0..<8).map { _ in Self.randomLoad(&g, maxTokens: 2048) } }
        let expected = loads.map { m.breakdown(ranks: $0).totalMicroseconds }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    (0..<loads.count).filter { ($0 + task) % 2 == 0 }.filter { timer.iterationMicroseconds(ranks: loads[$0]) != expected[$0] }.count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
