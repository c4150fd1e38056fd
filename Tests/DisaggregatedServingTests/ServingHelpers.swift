import CMBenchTestSupport
import DiscreteEvent
import Replay
import ServingMetrics
import Serving
import Testing
import TraceFormats
@testable import DisaggregatedServing
import CostModel
import SystemDescription

/// Building, replaying and summarising `CloudMatrixBackend` runs for the serving tests.
enum ServingHarness {
    static func backend(
        seed: UInt64 = 1, precision: String? = nil, checks: Bool = true,
        _ configure: (inout ServingDeploymentSettings) -> Void = { _ in }
    ) throws -> CloudMatrixBackend {
        var b = try CloudMatrixBackend.make(
            configsDirectory: Fixtures.configs, seed: seed, precision: precision, configure: configure)
        b.checksInvariantsEveryStep = checks
        return b
    }

    /// A `cloudmatrix` backend built through the registry, as `--backend-option`s are.
    static func fromRegistry(_ parameters: [String: String], seed: UInt64 = 3) throws -> CloudMatrixBackend {
        var list = [BackendConfiguration.Parameter("configs", Fixtures.configs)]
        for key in parameters.keys.sorted() { list.append(.init(key, parameters[key]!)) }
        var registry = BackendRegistry.builtIn
        registry.register(CloudMatrixBackend.factory.entry)
        return try #require(try registry.makeBackend(BackendConfiguration(backend: "cloudmatrix", parameters: list, seed: seed)) as? CloudMatrixBackend)
    }

    struct Run {
        var outcomes: [RequestOutcome]
        var gaps: [InterTokenGaps]
        var report: ReplayReport
        var backend: CloudMatrixBackend

        var completed: [RequestOutcome] { outcomes.filter(\.isCompleted) }
        var rejected: [RequestOutcome] { outcomes.filter { !$0.isCompleted } }
        /// Mean over completed requests with ≥ 2 tokens of (finish − first token) / (tokens − 1), seconds.
        var meanTPOT: Double {
            let values = completed.compactMap { RequestLatencies($0).tpotNanoseconds }
            return values.reduce(0, +) / Double(values.count) / 1e9
        }
        var meanTTFT: Double {
            let values = completed.compactMap { RequestLatencies($0).ttftNanoseconds }
            return values.reduce(0, +) / Double(values.count) / 1e9
        }
        /// Output tokens per simulated second, first arrival to last completion.
        var outputThroughput: Double {
            let tokens = completed.reduce(0) { $0 + $1.outputTokens }
            let start = outcomes.map(\.arrival).min()!, end = completed.map(\.finish).max()!
            return Double(tokens) / (end - start).seconds
        }
        var hitRate: Double {
            let input = completed.reduce(0) { $0 + $1.inputTokens }
            return Double(completed.reduce(0) { $0 + $1.cachedPrefixTokens }) / Double(input)
        }
        /// Cached prefix blocks / prefix blocks named, over completed requests.
        var blockHitRate: Double {
            let blocks = completed.reduce(0) { $0 + $1.prefixBlocks }
            return Double(completed.reduce(0) { $0 + $1.cachedPrefixBlocks }) / Double(blocks)
        }
    }

    static func replay<Source: RequestSource>(
        _ backend: CloudMatrixBackend, source: inout Source, options: ReplayOptions = ReplayOptions()
    ) throws(Source.Failure) -> Run {
        var replayer = Replayer(backend: backend, options: options)
        var recorder = InMemoryRecorder()
        let report = try replayer.run(source: &source, recorder: &recorder)
        return Run(outcomes: recorder.outcomes, gaps: recorder.interTokenGaps, report: report, backend: replayer.backend)
    }

    static func replay(_ backend: CloudMatrixBackend, _ requests: [ServingRequest], options: ReplayOptions = ReplayOptions()) -> Run {
        var source = InMemoryRequestSource(requests)
        return replay(backend, source: &source, options: options)
    }

    /// `count` requests of fixed lengths, all recorded at time zero (for closed loops).
    static func fixed(count: Int, input: Int, output: Int) -> [ServingRequest] {
        (0..<count).map {
            ServingRequest(id: $0, arrival: .zero, inputTokens: input, outputTokens: output, origin: InputLocation(file: "fixed", line: $0 + 1))
        }
    }

    /// A reuse-heavy workload: `conversations` sessions of turns whose prompts extend the
    /// previous turn's (Mooncake-style chained block hashes), Poisson arrivals.
    static func conversations(
        count: Int, conversations: Int = 40, blockTokens: Int = 512, meanGap: SimDuration = .milliseconds(400), seed: UInt64 = 3
    ) -> [ServingRequest] {
        var g = SeededGenerator(seed: seed)
        var turns = Array(repeating: 0, count: conversations)
        var clock = SimTime.zero
        return (0..<count).map { id in
            clock = clock + SimDuration(nanoseconds: Int64(g.nextExponential(mean: Double(meanGap.nanoseconds))))
            let c = Int(g.nextInt(below: UInt64(conversations)))
            turns[c] += 1
            let blocks = 2 + 2 * turns[c] + Int(g.nextInt(below: 2))
            let input = blocks * blockTokens - Int(g.nextInt(below: UInt64(blockTokens / 2)))
            // Block j of conversation c has the same hash in every turn: turns share prefixes.
            let hashes = (0..<blocks).map { UInt64(c) << 32 | UInt64($0) }
            return ServingRequest(
                id: id, arrival: clock, inputTokens: input, outputTokens: 16 + Int(g.nextInt(below: 200)),
                prefixBlockHashes: hashes, prefixBlockTokens: blockTokens, sessionID: UInt64(c),
                origin: InputLocation(file: "conversations", line: id + 1))
        }
    }

    /// The Mooncake conversation trace, read whole (12,031 requests).
    static func mooncake() throws -> [ServingRequest] {
        let reader = try TraceReader(path: SharedTraces.mooncakeConversation)
        var requests: [ServingRequest] = []
        while let request = try reader.next() { requests.append(request) }
        return requests
    }

    /// The best any prefix cache could do, in tokens: each request reuses its leading run of
    /// blocks seen in any earlier request (an unbounded pool, visible at once), capped at
    /// input − 1 tokens; over all input tokens.
    static func unboundedLeadingRunReuse(_ requests: [ServingRequest]) -> Double {
        var seen = Set<UInt64>()
        var cached = 0, input = 0
        for r in requests {
            var run = 0
            for h in r.prefixBlockHashes {
                guard seen.contains(h) else { break }
                run += 1
            }
            if r.inputTokens > 1 { cached += min(run * r.prefixBlockTokens, r.inputTokens - 1) }
            input += r.inputTokens
            seen.formUnion(r.prefixBlockHashes)
        }
        return Double(cached) / Double(input)
    }

    /// Every admitted request has exactly one outcome; completed ones produced what they asked;
    /// rejected ones say why; cached tokens stay below input; gaps account for every decode token.
    static func checkConservation(_ run: Run, requests: [ServingRequest], phase: ServingDeploymentSettings.Phase = .full) {
        #expect(run.report.requestsUnfinished == 0)
        #expect(run.outcomes.count == run.report.requestsAdmitted)
        #expect(Set(run.outcomes.map(\.requestID)).count == run.outcomes.count, "a request reported twice")
        let asked = Dictionary(uniqueKeysWithValues: requests.map { ($0.id, $0) })
        var gapCount = 0
        for outcome in run.outcomes {
            let request = asked[outcome.requestID]!
            #expect(outcome.cachedPrefixTokens <= max(outcome.inputTokens - 1, 0))
            #expect(outcome.inputTokens == request.inputTokens)
            if let rejection = outcome.rejection {
                #expect(!rejection.code.isEmpty && !rejection.message.isEmpty)
                continue
            }
            let expected = phase == .prefill ? min(request.outputTokens, 1) : request.outputTokens
            #expect(outcome.outputTokens == expected, "request \(outcome.requestID)")
            gapCount += max(expected - 1, 0)
            if let first = outcome.firstToken { #expect(first >= outcome.arrival && first <= outcome.finish) }
        }
        #expect(run.gaps.reduce(0) { $0 + $1.count } == gapCount)
        #expect(run.backend.statistics.invariantViolations.isEmpty, "\(run.backend.statistics.invariantViolations.prefix(3))")
        #expect(run.backend.statistics.peakKVReservedFraction <= 1)
        #expect(run.backend.statistics.peakRequestsPerDie <= run.backend.settings.decodeBatchPerDie)
        #expect(run.backend.requestsInFlight == 0)
    }
}
