import CMBenchTestSupport
import Testing
@testable import CostModel
import SystemDescription

@Suite struct PrefillCostModelTests {
    let system: SystemConfiguration
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws { system = try Fixtures.system() }
    var model: PrefillCostModel { PrefillCostModel(system: system) }

    func run(prompt: Int = 4096, reused: Int = 0, microbatches: Int = 2, balance: ExpertBalance = .default) -> PrefillBreakdown {
        var o = PrefillOptions(deployment: system.deployment)
        o.microbatches = microbatches
        o.expertBalance = balance
        return model.batchTime(tokensPerNPU: 16384, promptLength: prompt, reusedPrefixTokens: reused, options: o)
    }

    @Test func microbatchingOverlapsCommunication() {
        #expect(run(microbatches: 2).batchMicroseconds < run(microbatches: 1).batchMicroseconds)
    }

    @Test func oneMicrobatchIsTheSumOfStages() {
        let r = run(microbatches: 1)
        let sum = r.layers.reduce(0) { $0 + $1.sequentialMicroseconds * Double($1.count) }
        #expect(abs(r.pipelinedMicroseconds - sum) < 1e-6 * sum)
    }

    @Test func reusedPrefixSavesCompute() {
        #expect(run(reused: 2048).batchMicroseconds < run(reused: 0).batchMicroseconds)
    }

    /// A cached prefix is not free: attention without absorption needs per-head keys and values
    /// of every context token, so the prefix's latent KV goes through kv_b again, in
    /// proportion to the cached tokens (and there is no such stage without a cache hit).
    @Test func cachedPrefixIsUpProjectedInProportionToItsLength() throws {
        func cachedUpFlops(_ reused: Int) throws -> Double {
            let moe = try #require(run(reused: reused, microbatches: 1).layers.first { $0.kind == .moe })
            return moe.stages.filter { $0.operation.name == "Attn-PreFA cached up" }.reduce(0) { $0 + $1.operation.flops }
        }
        #expect(try cachedUpFlops(0) == 0)
        let half = try cachedUpFlops(1024), full = try cachedUpFlops(2048)
        #expect(half > 0)
        #expect(abs(full / half - 2) < 1e-9)
    }

    @Test func perfectBalanceIsFaster() {
        #expect(run(balance: .perfect).tokensPerSecondPerNPU > run(balance: .default).tokensPerSecondPerNPU)
    }

    @Test func longerPromptsCostMoreAttention() {
        #expect(run(prompt: 8192).batchMicroseconds > run(prompt: 1024).batchMicroseconds)
    }

    @Test func stagesUseThePaperResources() throws {
        let moe = try #require(run().layers.first { $0.kind == .moe })
        #expect(moe.busyMicroseconds(.cube) > 0)
        #expect(moe.busyMicroseconds(.dma) > 0)
        #expect(moe.busyMicroseconds(.vector) > 0)
        // Only dispatch and combine run on the copy engine beside the other microbatch's compute;
        // the SP-TP-SP collectives block the attention block on the compute timeline (Fig. 18b).
        #expect(moe.stages.filter { $0.resource == .dma }.map(\.operation.name) == ["Dispatch", "Combine"])
        let collectives = moe.stages.filter { $0.operation.bound == .communication && $0.resource == .cube }
        #expect(collectives.map(\.operation.name) == ["AllGather", "AllToAll"])
    }
}
