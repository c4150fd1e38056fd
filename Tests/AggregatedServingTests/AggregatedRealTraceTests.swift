import CMBenchTestSupport
import CostModel
import DiscreteEvent
import Foundation
import Replay
import Serving
import Testing
import TraceFormats
@testable import AggregatedServing
@testable import SystemDescription

/// The real conversation traces end to end through the replayer and the aggregated backend,
/// timed by the linear test timing (the cost model's `IterationTiming` is built separately).
@Suite(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)))
struct AggregatedRealTraceTests {
    /// Two replicas of eight attention ranks, vLLM-like limits, 64-token blocks.
    static var azureSettings: AggregatedHarness.Settings {
        var s = AggregatedHarness.Settings()
        s.replicas = 2
        s.attentionDataParallel = 8
        s.maxBatch = 128
        s.budget = 8_192
        s.blockTokens = 64
        s.kvBlocks = 1_000
        s.mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)
        return s
    }

    static func read(_ path: String) throws -> [ServingRequest] {
        let reader = try TraceReader(path: path)
        var requests: [ServingRequest] = []
        while let request = try reader.next() { requests.append(request) }
        return requests
    }

    @Test func azureConversationHourConserves() throws {
        let requests = try Self.read(SharedTraces.azureConversation)
        #expect(requests.count == 19_366)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(Self.azureSettings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.completed.count + run.rejected.count == requests.count)
        #expect(run.completed.allSatisfy { $0.cachedPrefixTokens == 0 })  // no hashes in the Azure trace
    }

    /// Mooncake's chained hashes: the block hit rate is positive and at most the trace's own block
    /// reuse (0.366, what `cmbench inspect` reports), and prefix-aware routing finds more than
    /// least-loaded routing. HBM alone holds far less than the reuse distance needs (8,192 blocks
    /// of 64 tokens a rank, about what an H200 keeps for DeepSeek-R1's MLA cache), so the rate
    /// stays well below the bound, unlike the `cloudmatrix` backend's DRAM pool.
    @Test func mooncakeHitsItsPrefixesWithinTheTracesReuse() throws {
        let requests = Array(try Self.read(SharedTraces.mooncakeConversation).prefix(4_000))
        var s = AggregatedHarness.Settings()
        s.replicas = 4
        s.attentionDataParallel = 2
        s.maxBatch = 64
        s.budget = 8_192
        s.blockTokens = 64
        s.kvBlocks = 8_192
        s.caching = true
        s.router = .prefixAware
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(s), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        s.router = .leastLoaded
        let balanced = AggregatedHarness.replay(try AggregatedHarness.backend(s, checks: false), requests)
        var statistics = TraceStatistics()
        for request in requests { statistics.add(request) }
        let bound = try #require(statistics.summary.prefixReuseRatio)
        func rate(_ run: AggregatedHarness.Run) -> Double {
            Double(run.completed.reduce(0) { $0 + $1.cachedPrefixBlocks }) / Double(run.completed.reduce(0) { $0 + $1.prefixBlocks })
        }
        #expect(rate(run) > 0.05 && rate(run) <= bound + 1e-12, "block hit rate \(rate(run)), trace reuse \(bound)")
        #expect(rate(run) > rate(balanced))
        #expect(run.backend.statistics.prefixEvictions > 0)
    }
}

/// Speed of the Azure hour through this backend; opt-in and meaningful only in release:
/// `swift build -c release --build-tests && CMBENCH_MEASURE=1 swift test -c release --skip-build --filter AggregatedSpeed`.
@Suite struct AggregatedSpeedTests {
    @Test(.enabled(if: getenv("CMBENCH_MEASURE") != nil && SharedTraces.available, "set CMBENCH_MEASURE=1 to measure"))
    func azureHourWallTime() throws {
        let backend = try AggregatedHarness.backend(AggregatedRealTraceTests.azureSettings, checks: false)
        var best = Double.infinity
        var iterations = 0
        for _ in 0..<3 {
            var source = try TraceReader(path: SharedTraces.azureConversation)
            let start = Date()
            let run = try AggregatedHarness.replay(backend, source: &source)
            best = min(best, Date().timeIntervalSince(start))
            iterations = run.backend.statistics.iterations
            #expect(run.outcomes.count == 19_366)
        }
        print("Azure conversation hour through aggregated (linear test timing): \(best) s (best of 3, trace parsing included), \(iterations) iterations")
        #expect(best < 0.3)
    }

    /// The cost of a decode token at scale, the week's unit of work: 200,000 requests of 1,000 +
    /// 250 tokens in a closed loop of 2,048 over 4 replicas of 8 ranks (batches of 64).
    @Test(.enabled(if: getenv("CMBENCH_MEASURE") != nil, "set CMBENCH_MEASURE=1 to measure"))
    func decodeTokensAtScale() throws {
        var s = AggregatedHarness.Settings()
        s.replicas = 4
        s.attentionDataParallel = 8
        s.maxBatch = 64
        s.budget = 8_192
        s.blockTokens = 64
        s.kvBlocks = 2_000
        let requests = AggregatedHarness.fixed(count: 200_000, input: 1_000, output: 250)
        let start = Date()
        let run = AggregatedHarness.replay(
            try AggregatedHarness.backend(s, checks: false), requests, options: ReplayOptions(timing: .closedLoop(concurrency: 2_048)))
        let seconds = Date().timeIntervalSince(start)
        let steps = run.backend.statistics.decodeTokensComputed
        print("closed loop of 2,048 over 4x8 ranks: \(seconds) s for \(steps) decode steps and \(run.backend.statistics.iterations) passes: \(seconds / Double(steps) * 1e9) ns per decode step")
        #expect(run.completed.count == requests.count)
    }
}

/// The limit known exactly, through the shipped files and the real cost model: one request alone
/// on TensorRT-LLM's H200 recipe waits for nothing, so its first token comes after one iteration
/// of its whole prompt on one rank (the seven others idle) and each further token after one
/// decode iteration of that request at its context, as `IterationCostModel.breakdown` prices them.
@Suite struct AggregatedCostModelLimitTests {
    @Test func aRequestAloneTakesTheCostModelsPrefillThenItsDecodeSteps() throws {
        let deployment = "trtllm-h200-dp8ep8"
        let backend = try AggregatedBackend.make(configsDirectory: Fixtures.configs, deployment: deployment, seed: 1)
        let system = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: deployment, precision: nil)
        let model = IterationCostModel(hardware: system.hardware, model: system.model, deployment: system.deployment)
        let ranks = system.deployment.layout.attentionDataParallel
        func pass(_ load: RankLoad) -> SimDuration {
            var loads = Array(repeating: RankLoad(), count: ranks)
            loads[0] = load
            return SimDuration(roundingNanoseconds: model.breakdown(ranks: loads).totalMicroseconds * 1_000)
        }
        let input = 1_000, output = 12
        let request = ServingRequest(id: 0, arrival: .zero, inputTokens: input, outputTokens: output, origin: InputLocation(file: "t", line: 1))
        let run = AggregatedHarness.replay(backend, [request])
        let outcome = try #require(run.completed.first)
        var prompt = RankLoad()
        prompt.addChunk(tokens: input, context: 0, completesPrompt: true)
        var finish = SimTime.zero + pass(prompt)
        #expect(outcome.firstToken == finish)
        for step in 0..<(output - 1) {
            finish = finish + pass(RankLoad(decodeRequests: 1, decodeContextTokens: input + step))
        }
        #expect(outcome.finish == finish)
        #expect(run.backend.statistics.iterations == output)
    }
}
