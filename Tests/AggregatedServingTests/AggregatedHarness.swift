import CMBenchTestSupport
import CostModel
import DiscreteEvent
import Replay
import Serving
import Testing
@testable import AggregatedServing
@testable import SystemDescription

/// A test timing, linear in what the busiest rank computes: `fixed` + `perToken` × tokens
/// (prompt tokens and 1 + draft tokens per decode step) + `perContextToken` × context tokens read
/// (decode contexts and the context before each chunk). A pipeline stage takes 1/`stages` of it.
struct LinearTiming: IterationTiming {
    var fixedMicroseconds = 10_000.0
    var perTokenMicroseconds = 20.0
    var perContextTokenMicroseconds = 0.01
    var decodeStepTokens = 1
    var stages = 1

    func rankMicroseconds(_ load: RankLoad) -> Double {
        let tokens = Double(load.prefillTokens + load.decodeRequests * decodeStepTokens)
        let context = Double(load.decodeContextTokens + load.prefillContextTokens)
        return perTokenMicroseconds * tokens + perContextTokenMicroseconds * context
    }

    func iterationMicroseconds(ranks: [RankLoad]) -> Double {
        fixedMicroseconds + ranks.reduce(0) { max($0, rankMicroseconds($1)) }
    }

    func stageMicroseconds(ranks: [RankLoad]) -> Double { iterationMicroseconds(ranks: ranks) / Double(stages) }

    /// The duration the backend schedules for a pass of these loads (rounded to the nanosecond).
    func duration(_ loads: [RankLoad]) -> SimDuration {
        SimDuration(roundingNanoseconds: iterationMicroseconds(ranks: loads) * 1_000)
    }
}

/// Building, replaying and checking `AggregatedBackend` runs.
enum AggregatedHarness {
    struct Settings: Sendable, CustomStringConvertible {
        var replicas = 1
        var tensorParallel = 1
        var attentionDataParallel = 1
        var pipelineParallel = 1
        var maxBatch = 64
        var budget = 2_048
        var chunked = true
        var blockTokens = 16
        var kvBlocks = 100_000
        var caching = false
        var policy = SchedulingPolicy.decodeFirst
        var preemption = PreemptionMode.recompute
        var router = RouterPolicy.leastLoaded
        var mtp = MTPSettings.off
        var sampling = AggregatedBackend.MTPSampling.expected

        var description: String {
            "replicas=\(replicas) dp=\(attentionDataParallel) pp=\(pipelineParallel) batch=\(maxBatch) budget=\(budget) chunked=\(chunked) blocks=\(kvBlocks)x\(blockTokens) caching=\(caching) \(policy) \(preemption.rawValue) \(router.rawValue) mtp=\(mtp.draftTokens) \(sampling)"
        }
    }

    static func deployment(_ s: Settings) -> AggregatedDeployment {
        AggregatedDeployment(
            name: "test", hardwareName: "test-hw", modelName: "test-model", precisionName: "bf16", replicas: s.replicas,
            layout: ParallelLayout(
                tensorParallel: s.tensorParallel, attentionDataParallel: s.attentionDataParallel, expertParallel: 1,
                pipelineParallel: s.pipelineParallel),
            limits: EngineLimits(
                maxBatchPerRank: s.maxBatch, maxBatchedTokensPerRank: s.budget, chunkedPrefill: s.chunked,
                kvBlockTokens: s.blockTokens, prefixCaching: s.caching, policy: s.policy, preemption: s.preemption),
            router: s.router, mtp: s.mtp, expertBalance: .perfect, redundantExperts: 0,
            memory: KVMemoryShare(usableFraction: 0.9, kvFractionOfFree: false, workspaceBytesPerDie: 0),
            overheads: Overheads(naiveGraphStartupSeconds: 0, graphLaunchOverlapped: true, samplingPassesOverLogits: 0, logitBytes: 0),
            imbalance: ExpertImbalance(systematicSkew: 1), calibration: Calibration(perOperatorOverheadSeconds: 0))
    }

    static func timing(_ s: Settings) -> LinearTiming {
        LinearTiming(decodeStepTokens: 1 + s.mtp.draftTokens, stages: s.pipelineParallel)
    }

    static func backend(_ s: Settings = Settings(), timing: LinearTiming? = nil, seed: UInt64 = 1, checks: Bool = true) throws
        -> AggregatedBackend
    {
        var backend = try AggregatedBackend(
            deployment: deployment(s), kvBlocksPerRank: s.kvBlocks, timing: timing ?? Self.timing(s),
            generator: SeededGenerator(seed: seed).split("aggregated"), mtpSampling: s.sampling)
        backend.checksInvariantsEveryIteration = checks
        return backend
    }

    struct Run {
        var outcomes: [RequestOutcome]
        var gaps: [InterTokenGaps]
        var report: ReplayReport
        var backend: AggregatedBackend

        var completed: [RequestOutcome] { outcomes.filter(\.isCompleted) }
        var rejected: [RequestOutcome] { outcomes.filter { !$0.isCompleted } }
        var makespan: SimDuration { completed.map(\.finish).max()! - outcomes.map(\.arrival).min()! }
        /// Outcomes by request id, for comparing runs.
        var byID: [Int: RequestOutcome] { Dictionary(uniqueKeysWithValues: outcomes.map { ($0.requestID, $0) }) }
    }

    static func replay<Source: RequestSource>(
        _ backend: AggregatedBackend, source: inout Source, options: ReplayOptions = ReplayOptions()
    ) throws(Source.Failure) -> Run {
        var replayer = Replayer(backend: backend, options: options)
        var recorder = InMemoryRecorder()
        let report = try replayer.run(source: &source, recorder: &recorder)
        return Run(outcomes: recorder.outcomes, gaps: recorder.interTokenGaps, report: report, backend: replayer.backend)
    }

    static func replay(_ backend: AggregatedBackend, _ requests: [ServingRequest], options: ReplayOptions = ReplayOptions()) -> Run {
        var source = InMemoryRequestSource(requests)
        return replay(backend, source: &source, options: options)
    }

    /// `count` requests of fixed lengths, all at time zero.
    static func fixed(count: Int, input: Int, output: Int) -> [ServingRequest] {
        (0..<count).map {
            ServingRequest(id: $0, arrival: .zero, inputTokens: input, outputTokens: output, origin: InputLocation(file: "fixed", line: $0 + 1))
        }
    }

    /// Poisson arrivals of mean gap `meanGap`, prompts 1–`maxInput` and outputs 1–`maxOutput` tokens.
    static func random(count: Int, seed: UInt64 = 7, meanGap: SimDuration = .milliseconds(20), maxInput: Int = 3_000, maxOutput: Int = 300)
        -> [ServingRequest]
    {
        var g = SeededGenerator(seed: seed)
        var clock = SimTime.zero
        return (0..<count).map { id in
            clock = clock + SimDuration(nanoseconds: Int64(g.nextExponential(mean: Double(meanGap.nanoseconds))))
            return ServingRequest(
                id: id, arrival: clock, inputTokens: 1 + Int(g.nextInt(below: UInt64(maxInput))),
                outputTokens: 1 + Int(g.nextInt(below: UInt64(maxOutput))), origin: InputLocation(file: "random", line: id + 1))
        }
    }

    /// Conversations whose turns extend the previous turn's prompt (chained block hashes).
    static func conversations(count: Int, conversations: Int = 20, blockTokens: Int = 512, seed: UInt64 = 3) -> [ServingRequest] {
        var g = SeededGenerator(seed: seed)
        var turns = Array(repeating: 0, count: conversations)
        var clock = SimTime.zero
        return (0..<count).map { id in
            clock = clock + SimDuration(nanoseconds: Int64(g.nextExponential(mean: 300e6)))
            let c = Int(g.nextInt(below: UInt64(conversations)))
            turns[c] += 1
            let blocks = 1 + turns[c] + Int(g.nextInt(below: 2))
            let input = blocks * blockTokens - Int(g.nextInt(below: UInt64(blockTokens / 2)))
            let hashes = (0..<blocks).map { UInt64(c) << 32 | UInt64($0) }
            return ServingRequest(
                id: id, arrival: clock, inputTokens: input, outputTokens: 8 + Int(g.nextInt(below: 120)),
                prefixBlockHashes: hashes, prefixBlockTokens: blockTokens, sessionID: UInt64(c),
                origin: InputLocation(file: "conversations", line: id + 1))
        }
    }

    /// Every request reported once; completed ones produced what they asked, with gaps for each
    /// token after the first; rejected ones say why; nothing left in the backend; no invariant
    /// violation; blocks within capacity.
    static func checkConservation(_ run: Run, requests: [ServingRequest], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.report.requestsUnfinished == 0, sourceLocation: sourceLocation)
        #expect(run.outcomes.count == requests.count, sourceLocation: sourceLocation)
        #expect(Set(run.outcomes.map(\.requestID)).count == run.outcomes.count, "a request reported twice", sourceLocation: sourceLocation)
        let asked = Dictionary(uniqueKeysWithValues: requests.map { ($0.id, $0) })
        var gapCount = 0
        for outcome in run.outcomes {
            guard let request = asked[outcome.requestID] else {
                Issue.record("unknown request \(outcome.requestID)", sourceLocation: sourceLocation)
                continue
            }
            #expect(outcome.inputTokens == request.inputTokens, sourceLocation: sourceLocation)
            #expect(outcome.cachedPrefixTokens <= max(request.inputTokens - 1, 0), sourceLocation: sourceLocation)
            if let rejection = outcome.rejection {
                #expect(!rejection.code.isEmpty && !rejection.message.isEmpty, sourceLocation: sourceLocation)
                continue
            }
            #expect(outcome.outputTokens == request.outputTokens, "request \(outcome.requestID)", sourceLocation: sourceLocation)
            gapCount += max(request.outputTokens - 1, 0)
            if let start = outcome.serviceStart { #expect(start >= outcome.arrival, sourceLocation: sourceLocation) }
            if let first = outcome.firstToken {
                #expect(first > outcome.arrival && first <= outcome.finish, sourceLocation: sourceLocation)
            } else {
                #expect(request.outputTokens == 0, sourceLocation: sourceLocation)
            }
        }
        #expect(run.gaps.reduce(0) { $0 + $1.count } == gapCount, sourceLocation: sourceLocation)
        // The gaps tile each request's time from first token to finish (means rounded down to
        // the nanosecond, so at most a nanosecond a gap short).
        let tiled = run.gaps.reduce(Int64(0)) { $0 + $1.gap.nanoseconds * Int64($1.count) }
        let spans = run.completed.reduce(Int64(0)) { total, outcome in
            total + (outcome.firstToken.map { (outcome.finish - $0).nanoseconds } ?? 0)
        }
        #expect(tiled <= spans && tiled >= spans - Int64(gapCount), "gaps \(tiled) ns, spans \(spans) ns", sourceLocation: sourceLocation)
        let statistics = run.backend.statistics
        #expect(statistics.invariantViolations.isEmpty, "\(statistics.invariantViolations.prefix(3))", sourceLocation: sourceLocation)
        #expect(statistics.peakBlocksInUse <= statistics.blocksPerRank, sourceLocation: sourceLocation)
        #expect(statistics.requestsCompleted + statistics.requestsRejected == requests.count, sourceLocation: sourceLocation)
        #expect(run.backend.requestsInFlight == 0, sourceLocation: sourceLocation)
    }
}
