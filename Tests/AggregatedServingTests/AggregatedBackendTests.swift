import CostModel
import DiscreteEvent
import Replay
import Serving
import Testing
@testable import AggregatedServing
@testable import SystemDescription

@Suite struct AggregatedLimitTests {
    typealias Settings = AggregatedHarness.Settings

    /// One request alone: its TTFT is one pass over its whole prompt, then each decode step is
    /// one pass of one request whose context grows by a token.
    @Test(arguments: [SchedulingPolicy.decodeFirst, .prefillFirst])
    func aRequestAloneTakesThePrefillThenOneStepPerToken(policy: SchedulingPolicy) throws {
        var settings = Settings()
        settings.policy = policy
        let timing = AggregatedHarness.timing(settings)
        let input = 1_500, output = 40
        let request = ServingRequest(id: 0, arrival: .zero, inputTokens: input, outputTokens: output, origin: InputLocation(file: "t", line: 1))
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings, timing: timing), [request])
        AggregatedHarness.checkConservation(run, requests: [request])
        let outcome = try #require(run.completed.first)
        let prefill = timing.duration([RankLoad(prefillTokens: input, prefillAttentionPairs: 0, prefillsCompleting: 1)])
        #expect(outcome.firstToken == SimTime.zero + prefill)
        #expect(outcome.serviceStart == .zero)
        var finish = SimTime.zero + prefill
        for step in 0..<(output - 1) {
            finish = finish + timing.duration([RankLoad(decodeRequests: 1, decodeContextTokens: input + step)])
        }
        #expect(outcome.finish == finish)
        #expect(run.gaps.count == 1 && run.gaps[0].count == output - 1)
        #expect(run.backend.statistics.iterations == output)
        #expect(run.backend.statistics.mixedIterations == 0)
    }

    /// Pipeline stages do not speed up one request: it is in one pass at a time, so its TTFT and
    /// gaps are those of the whole pass, as with one stage.
    @Test func pipelineStagesDoNotShortenOneRequest() throws {
        let request = ServingRequest(id: 0, arrival: .zero, inputTokens: 900, outputTokens: 30, origin: InputLocation(file: "t", line: 1))
        var staged = Settings()
        staged.pipelineParallel = 4
        let one = AggregatedHarness.replay(try AggregatedHarness.backend(Settings()), [request])
        let four = AggregatedHarness.replay(try AggregatedHarness.backend(staged), [request])
        AggregatedHarness.checkConservation(four, requests: [request])
        #expect(four.outcomes == one.outcomes)
        #expect(four.gaps == one.gaps)
    }

    /// With no context term every decode step takes the same time: every gap is that step.
    @Test func gapsOfARequestAloneAreTheDecodeStep() throws {
        var timing = LinearTiming()
        timing.perContextTokenMicroseconds = 0
        let request = ServingRequest(id: 0, arrival: .zero, inputTokens: 300, outputTokens: 25, origin: InputLocation(file: "t", line: 1))
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(timing: timing), [request])
        let step = timing.duration([RankLoad(decodeRequests: 1)])
        #expect(run.gaps == [InterTokenGaps(gap: step, count: 24)])
    }

    /// A prompt longer than the budget is cut into budget-sized chunks, each a pass.
    @Test func chunkedPrefillSplitsALongPromptToTheBudget() throws {
        var settings = Settings()
        settings.budget = 512
        let timing = AggregatedHarness.timing(settings)
        let request = ServingRequest(id: 0, arrival: .zero, inputTokens: 1_300, outputTokens: 1, origin: InputLocation(file: "t", line: 1))
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings, timing: timing), [request])
        AggregatedHarness.checkConservation(run, requests: [request])
        var expected = SimTime.zero
        for (tokens, context) in [(512, 0), (512, 512), (276, 1_024)] {
            var load = RankLoad()
            load.addChunk(tokens: tokens, context: context, completesPrompt: tokens == 276)
            expected = expected + timing.duration([load])
        }
        #expect(run.completed.first?.firstToken == expected)
        #expect(run.backend.statistics.prefillChunks == 3)
        #expect(run.backend.statistics.budgetLimitedIterations == 2)
    }

    /// Without chunked prefill and with a budget above every prompt, prompts are computed whole:
    /// one chunk per request. Prefill-first never mixes them with decode steps; decode-first
    /// admits them beside the running requests' steps (vLLM), so some passes mix.
    @Test(arguments: [SchedulingPolicy.decodeFirst, .prefillFirst])
    func withoutChunkingAndAHugeBudgetPromptsRunWhole(policy: SchedulingPolicy) throws {
        var settings = Settings()
        settings.chunked = false
        settings.budget = 1 << 20
        settings.policy = policy
        let requests = AggregatedHarness.random(count: 300)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        let statistics = run.backend.statistics
        #expect(statistics.prefillChunks == requests.count)
        #expect(statistics.preemptions == 0)
        #expect(statistics.prefillTokensComputed == requests.reduce(0) { $0 + $1.inputTokens })
        if policy == .prefillFirst {
            #expect(statistics.mixedIterations == 0)
        } else {
            #expect(statistics.mixedIterations > 0)
        }
    }

    @Test func withoutChunkingARequestLongerThanTheBudgetIsRejected() throws {
        var settings = Settings()
        settings.chunked = false
        settings.budget = 1_000
        let requests = [
            ServingRequest(id: 0, arrival: .zero, inputTokens: 900, outputTokens: 50, origin: InputLocation(file: "t", line: 1)),
            ServingRequest(id: 1, arrival: .zero, inputTokens: 990, outputTokens: 50, origin: InputLocation(file: "t", line: 2)),
        ]
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.completed.map(\.requestID) == [0])
        #expect(run.rejected.first?.rejection?.code == "context-exceeds-token-budget")
    }

    /// Guaranteed no-evict (TensorRT-LLM) computes a prompt in one iteration but never recomputes
    /// one: prompt + output may exceed the budget, the prompt alone may not.
    @Test func withoutChunkingNoEvictRefusesOnlyPromptsLongerThanTheBudget() throws {
        var settings = Settings()
        settings.chunked = false
        settings.budget = 1_000
        settings.preemption = .guaranteedNoEvict
        let requests = [
            ServingRequest(id: 0, arrival: .zero, inputTokens: 990, outputTokens: 500, origin: InputLocation(file: "t", line: 1)),
            ServingRequest(id: 1, arrival: .zero, inputTokens: 1_001, outputTokens: 5, origin: InputLocation(file: "t", line: 2)),
        ]
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.completed.map(\.requestID) == [0])
        #expect(run.rejected.first?.rejection?.code == "prompt-exceeds-token-budget")
    }

    /// 100 blocks of 16 tokens hold 1,600 tokens: a 1,500-token prompt may ask for 101 tokens
    /// (its last step writes positions up to 1,600), not 102.
    @Test func aRequestThatCouldNeverFitTheBlocksIsRejected() throws {
        var settings = Settings()
        settings.kvBlocks = 100
        settings.blockTokens = 16
        let requests = [
            ServingRequest(id: 0, arrival: .zero, inputTokens: 1_500, outputTokens: 101, origin: InputLocation(file: "t", line: 1)),
            ServingRequest(id: 1, arrival: .zero, inputTokens: 1_500, outputTokens: 102, origin: InputLocation(file: "t", line: 2)),
        ]
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.completed.map(\.requestID) == [0])
        #expect(run.rejected.first?.rejection?.code == "kv-exceeds-rank-blocks")
    }

    @Test func settingsItCannotRunWithAreErrors() {
        var settings = Settings()
        settings.kvBlocks = 0
        #expect(throws: AggregatedBackend.ConfigurationError.self) { try AggregatedHarness.backend(settings) }
        settings = Settings()
        settings.mtp = MTPSettings(draftTokens: 3, acceptanceRate: 0.7)
        settings.budget = 3
        #expect(throws: AggregatedBackend.ConfigurationError.self) { try AggregatedHarness.backend(settings) }
    }
}

@Suite struct AggregatedConservationTests {
    typealias Settings = AggregatedHarness.Settings

    static let variants: [Settings] = {
        var list: [Settings] = []
        for policy in [SchedulingPolicy.decodeFirst, .prefillFirst] {
            for chunked in [true, false] {
                var s = Settings()
                s.policy = policy
                s.chunked = chunked
                s.budget = chunked ? 1_024 : 4_096
                list.append(s)
            }
            var tight = Settings()
            tight.policy = policy
            tight.kvBlocks = 700
            tight.maxBatch = 32
            list.append(tight)
            var mtp = Settings()
            mtp.policy = policy
            mtp.mtp = MTPSettings(draftTokens: 2, acceptanceRate: 0.6)
            mtp.sampling = .sampled
            mtp.kvBlocks = 900
            list.append(mtp)
            var wide = Settings()
            wide.policy = policy
            wide.replicas = 2
            wide.attentionDataParallel = 3
            wide.router = .roundRobin
            wide.maxBatch = 8
            wide.budget = 512
            list.append(wide)
            var pipeline = Settings()
            pipeline.policy = policy
            pipeline.pipelineParallel = 3
            pipeline.kvBlocks = 800
            pipeline.mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)
            list.append(pipeline)
        }
        return list
    }()

    /// Under a bounded load every variant completes every request once, with what it asked,
    /// and the per-pass invariants hold throughout.
    @Test(arguments: variants)
    func everyRequestCompletesOnceWithItsTokens(settings: Settings) throws {
        let requests = AggregatedHarness.random(count: 400)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.rejected.isEmpty)
        let statistics = run.backend.statistics
        #expect(statistics.iterations > 0 && statistics.meanBatch >= 1)
        if settings.kvBlocks <= 900 { #expect(statistics.preemptions > 0, "\(settings)") }
    }

    /// A pass visits only the ranks listed as having work and ends only those listed in it, a
    /// bit per rank in 64-bit words: with more than 64 ranks per replica (three words here),
    /// pipelined passes and a cache small enough to preempt, every request still completes once
    /// and the invariant check finds no rank with work unlisted, no stale load and no rank still
    /// counting requests in an ended pass.
    @Test(arguments: [1, 2])
    func ranksBeyondOneWordAreAllScheduled(pipelineParallel: Int) throws {
        var settings = Settings()
        settings.replicas = 2
        settings.attentionDataParallel = 130
        settings.pipelineParallel = pipelineParallel
        settings.maxBatch = 4
        settings.budget = 512
        settings.kvBlocks = 260
        let requests = AggregatedHarness.random(count: 3_000, seed: 11, meanGap: .microseconds(300), maxInput: 3_000, maxOutput: 200)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.rejected.isEmpty)
        #expect(run.backend.statistics.preemptions > 0)
        // Ranks in every word took requests.
        let served = Set(run.backend.slots.map { Int($0.rank) % 130 / 64 })
        #expect(served == [0, 1, 2])
    }

    /// A tiny KV cache: preemptions happen and are counted, yet every request completes once,
    /// and a preempted request recomputes its prompt and output so far.
    @Test func aTinyCachePreemptsAndStillCompletesEveryone() throws {
        var settings = Settings()
        settings.kvBlocks = 400
        let requests = AggregatedHarness.fixed(count: 60, input: 1_000, output: 200)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        let statistics = run.backend.statistics
        #expect(statistics.preemptions > 0)
        #expect(statistics.prefillTokensComputed > 60 * 1_000)
        #expect(statistics.peakBlocksInUse <= 400)
    }

    /// The same tiny cache under guaranteed no-evict: a request is admitted only when the blocks
    /// of its whole sequence are free (1,000 + 200 tokens reach 1,199 positions: 75 blocks of 16),
    /// so at most five run at once, nothing is preempted and no prompt is computed twice.
    @Test func noEvictAdmitsWholeSequencesAndNeverPreempts() throws {
        var settings = Settings()
        settings.kvBlocks = 400
        settings.preemption = .guaranteedNoEvict
        let requests = AggregatedHarness.fixed(count: 60, input: 1_000, output: 200)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        let statistics = run.backend.statistics
        #expect(run.completed.count == 60)
        #expect(statistics.preemptions == 0)
        #expect(statistics.prefillTokensComputed == 60 * 1_000)
        #expect(statistics.peakBlocksInUse == 5 * 75)
        // Running at once, from the service intervals (a finish at t frees before a start at t).
        var edges: [(time: Int64, step: Int)] = []
        for outcome in run.completed {
            edges.append((outcome.serviceStart!.nanoseconds, 1))
            edges.append((outcome.finish.nanoseconds, -1))
        }
        edges.sort { a, b in a.time != b.time ? a.time < b.time : a.step < b.step }
        var running = 0, most = 0
        for (_, step) in edges {
            running += step
            most = max(most, running)
        }
        #expect(most == 5)
    }

    /// Closed loop (the offline harnesses' shape) and a burst of 10,000 requests at one instant.
    @Test func aBurstAtOneInstantIsServed() throws {
        var settings = Settings()
        settings.attentionDataParallel = 4
        settings.maxBatch = 256
        settings.budget = 8_192
        let requests = AggregatedHarness.fixed(count: 10_000, input: 200, output: 8)
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings, checks: false), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        let closed = AggregatedHarness.replay(
            try AggregatedHarness.backend(settings), Array(requests.prefix(2_000)), options: ReplayOptions(timing: .closedLoop(concurrency: 64)))
        AggregatedHarness.checkConservation(closed, requests: Array(requests.prefix(2_000)))
    }

    @Test func sameSeedSameOutputs() throws {
        var settings = Settings()
        settings.mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)
        settings.sampling = .sampled
        settings.kvBlocks = 800
        let requests = AggregatedHarness.random(count: 300)
        let first = AggregatedHarness.replay(try AggregatedHarness.backend(settings, seed: 11), requests)
        let second = AggregatedHarness.replay(try AggregatedHarness.backend(settings, seed: 11), requests)
        #expect(first.outcomes == second.outcomes)
        #expect(first.gaps == second.gaps)
        #expect(first.backend.statistics == second.backend.statistics)
        let other = AggregatedHarness.replay(try AggregatedHarness.backend(settings, seed: 12), requests)
        #expect(other.outcomes != first.outcomes)
    }

    /// Pipeline parallelism keeps several passes in flight: the same load finishes sooner than
    /// with one stage taking the whole pass.
    @Test func pipelineStagesOverlapPasses() throws {
        let requests = AggregatedHarness.fixed(count: 64, input: 500, output: 50)
        var one = Settings()
        one.attentionDataParallel = 2
        var four = one
        four.pipelineParallel = 4
        let serial = AggregatedHarness.replay(try AggregatedHarness.backend(one), requests)
        let piped = AggregatedHarness.replay(try AggregatedHarness.backend(four), requests)
        AggregatedHarness.checkConservation(piped, requests: requests)
        #expect(piped.makespan < serial.makespan)
    }
}

@Suite struct AggregatedPrefixCacheTests {
    typealias Settings = AggregatedHarness.Settings

    /// Shared hashes: fewer prompt tokens computed with caching than without, hits reported.
    @Test func cachingComputesFewerTokensOnSharedPrefixes() throws {
        let requests = AggregatedHarness.conversations(count: 400)
        var on = Settings()
        on.caching = true
        on.kvBlocks = 4_000
        var off = on
        off.caching = false
        let cached = AggregatedHarness.replay(try AggregatedHarness.backend(on), requests)
        let plain = AggregatedHarness.replay(try AggregatedHarness.backend(off), requests)
        AggregatedHarness.checkConservation(cached, requests: requests)
        AggregatedHarness.checkConservation(plain, requests: requests)
        #expect(cached.backend.statistics.prefillTokensComputed < plain.backend.statistics.prefillTokensComputed)
        #expect(cached.backend.statistics.prefixHitBlocks > 0)
        #expect(cached.completed.reduce(0) { $0 + $1.cachedPrefixTokens } > 0)
        #expect(plain.completed.allSatisfy { $0.cachedPrefixTokens == 0 })
        let hits = cached.completed.reduce(0) { $0 + $1.cachedPrefixBlocks }
        #expect(hits <= cached.completed.reduce(0) { $0 + $1.prefixBlocks })
    }

    static let pressured: [AggregatedHarness.Settings] = {
        var list: [AggregatedHarness.Settings] = []
        for policy in [SchedulingPolicy.decodeFirst, .prefillFirst] {
            for pipeline in [1, 2] {
                var s = AggregatedHarness.Settings()
                s.caching = true
                s.kvBlocks = 700
                s.maxBatch = 24
                s.budget = 1_024
                s.policy = policy
                s.pipelineParallel = pipeline
                s.attentionDataParallel = 2
                s.router = .prefixAware
                s.mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)
                list.append(s)
            }
        }
        return list
    }()

    /// Shared prefixes, a cache too small for them and preemptions together: the books balance
    /// at every pass, and every request completes once with what it asked.
    @Test(arguments: pressured)
    func cachingUnderPreemptionKeepsItsBooks(settings: AggregatedHarness.Settings) throws {
        let requests = AggregatedHarness.conversations(count: 300, conversations: 30).map {
            var r = $0
            r.arrival = SimTime(nanoseconds: r.arrival.nanoseconds / 8)
            return r
        }
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.rejected.isEmpty)
        #expect(run.backend.statistics.preemptions > 0, "\(settings)")
        #expect(run.backend.statistics.prefixHitBlocks > 0)
    }

    /// A small cache under pressure evicts, stays within capacity and keeps its books.
    @Test func aSmallCacheEvictsAndKeepsItsBooks() throws {
        let requests = AggregatedHarness.conversations(count: 400, conversations: 60)
        var settings = Settings()
        settings.caching = true
        settings.kvBlocks = 1_200
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        #expect(run.backend.statistics.prefixEvictions > 0)
    }

    /// Without hashes, caching on and off are the same run.
    @Test func withoutHashesCachingChangesNothing() throws {
        let requests = AggregatedHarness.random(count: 300)
        var on = Settings()
        on.caching = true
        on.kvBlocks = 800
        var off = on
        off.caching = false
        let a = AggregatedHarness.replay(try AggregatedHarness.backend(on), requests)
        let b = AggregatedHarness.replay(try AggregatedHarness.backend(off), requests)
        #expect(a.outcomes == b.outcomes)
        #expect(a.gaps == b.gaps)
    }

    /// The prefix-aware router sends a conversation's turns to the rank holding its prefix, so
    /// it hits more than least-loaded routing over the same ranks.
    @Test func prefixAwareRoutingFindsThePrefix() throws {
        let requests = AggregatedHarness.conversations(count: 400)
        var aware = Settings()
        aware.caching = true
        aware.replicas = 2
        aware.attentionDataParallel = 2
        aware.kvBlocks = 4_000
        aware.router = .prefixAware
        var balanced = aware
        balanced.router = .roundRobin
        let a = AggregatedHarness.replay(try AggregatedHarness.backend(aware), requests)
        let b = AggregatedHarness.replay(try AggregatedHarness.backend(balanced), requests)
        AggregatedHarness.checkConservation(a, requests: requests)
        #expect(a.backend.statistics.prefixHitTokens > b.backend.statistics.prefixHitTokens)
    }
}

@Suite struct KVBlockPoolTests {
    /// Runs a mutating call of the pool outside `#expect`, which cannot take one.
    func mutate(_ pool: inout KVBlockPool, _ call: (inout KVBlockPool) -> Bool) -> Bool { call(&pool) }

    @Test func unreferencedEntriesAreEvictedOldestFirst() {
        var pool = KVBlockPool(capacity: 10)
        #expect(mutate(&pool) { $0.allocate(6) })
        #expect(mutate(&pool) { $0.insert(1, weight: 2) })
        #expect(mutate(&pool) { $0.insert(2, weight: 2) })
        #expect(pool.privateBlocks == 2 && pool.entryBlocks == 4)
        pool.releasePrivate(2)
        pool.release(2)
        pool.release(1)  // released last: the newest, evicted last
        #expect(pool.evictableBlocks == 4 && pool.available == 10)
        #expect(mutate(&pool) { $0.allocate(8) })
        #expect(pool.evictions == 1)
        #expect(pool.leadingRunLength([1], limit: 1) == 1)
        #expect(pool.leadingRunLength([2], limit: 1) == 0)
        #expect(!mutate(&pool) { $0.allocate(3) })
    }

    @Test func referencedEntriesStayAndDuplicatesShareOneEntry() {
        var pool = KVBlockPool(capacity: 8)
        #expect(mutate(&pool) { $0.allocate(4) })
        #expect(mutate(&pool) { $0.insert(7, weight: 4) })
        #expect(mutate(&pool) { $0.allocate(4) })
        #expect(!mutate(&pool) { $0.insert(7, weight: 4) })  // already cached: referenced again, the copy is the caller's to free
        pool.releasePrivate(4)
        #expect(pool.inUse == 4 && pool.evictableBlocks == 0)
        #expect(!mutate(&pool) { $0.allocate(5) })
        pool.release(7)
        #expect(pool.evictableBlocks == 0)
        pool.release(7)
        #expect(pool.evictableBlocks == 4)
        let run = pool.leadingRun([7, 8], limit: 2)
        #expect(run.entries == 1 && run.evictableBlocks == 4)
        pool.reference(7)
        #expect(pool.evictableBlocks == 0)
        let recount = pool.recount()
        #expect(recount.entryBlocks == 4 && recount.evictableBlocks == 0 && recount.listed == 0)
    }
}

/// Random settings and workloads, seeded: conservation and the per-pass invariants hold for
/// every one (the settings are printed with any failure).
@Suite struct AggregatedRandomizedTests {
    static func settings(seed: UInt64) -> AggregatedHarness.Settings {
        var g = SeededGenerator(seed: seed)
        func pick<T>(_ values: [T]) -> T { values[Int(g.nextInt(below: UInt64(values.count)))] }
        var s = AggregatedHarness.Settings()
        s.replicas = pick([1, 1, 2, 3])
        s.attentionDataParallel = pick([1, 2, 4])
        s.pipelineParallel = pick([1, 1, 2, 3])
        s.maxBatch = pick([1, 2, 8, 32])
        s.chunked = pick([true, true, false])
        s.blockTokens = pick([1, 16, 64, 100, 512])
        s.caching = pick([true, false])
        s.policy = pick([.decodeFirst, .prefillFirst])
        s.router = pick([.roundRobin, .leastLoaded, .prefixAware])
        s.mtp = pick([.off, MTPSettings(draftTokens: 1, acceptanceRate: 0.7), MTPSettings(draftTokens: 3, acceptanceRate: 0.5)])
        s.sampling = pick([.expected, .sampled])
        s.budget = max(pick([64, 512, 4_096]), 1 + s.mtp.draftTokens)
        // From a little more than the largest request needs (preemptions) to plenty.
        let minimum = (3_000 + 300 + 4 + s.blockTokens - 1) / s.blockTokens
        s.kvBlocks = minimum * pick([1, 2, 5, 50])
        s.preemption = pick([.recompute, .guaranteedNoEvict])
        return s
    }

    @Test(arguments: 0..<40)
    func conservesUnderRandomSettings(seed: Int) throws {
        let settings = Self.settings(seed: UInt64(seed))
        let requests: [ServingRequest]
        if seed % 2 == 0 {
            requests = AggregatedHarness.random(count: 150, seed: UInt64(seed), meanGap: .milliseconds(5), maxInput: 3_000, maxOutput: 300)
        } else {
            requests = AggregatedHarness.conversations(count: 150, conversations: 12, blockTokens: 256, seed: UInt64(seed)).map {
                var r = $0
                r.arrival = SimTime(nanoseconds: r.arrival.nanoseconds / 20)
                r.inputTokens = min(r.inputTokens, 3_000)
                r.outputTokens = min(r.outputTokens, 300)
                return r
            }
        }
        let run = AggregatedHarness.replay(try AggregatedHarness.backend(settings, seed: UInt64(seed)), requests)
        AggregatedHarness.checkConservation(run, requests: requests)
        if settings.chunked {
            #expect(run.rejected.isEmpty, "seed \(seed): \(settings)")
        }
    }
}
