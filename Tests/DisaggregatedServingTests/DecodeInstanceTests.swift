import DiscreteEvent
import Testing

@testable import DisaggregatedServing
import SystemDescription

@Suite struct DecodeInstanceTests {
    /// One draft token accepted 70 % of the time: τ = 1.7 tokens per request per step.
    static let mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)

    static func instance(ranks: Int) -> DecodeInstance {
        DecodeInstance(ranks: ranks, mtp: mtp, sampling: .expected)
    }

    /// Runs one step (begin, end) and returns its pace and the slots it finished.
    static func step(_ instance: inout DecodeInstance, _ generator: inout SeededGenerator) -> (DecodeInstance.Pace?, [Int32]) {
        let pace = instance.beginStep(generator: &generator)
        guard pace != nil else { return (nil, []) }
        instance.endStep()
        var finished: [Int32] = []
        while let slot = instance.popFinished() { finished.append(slot) }
        instance.stop()
        return (pace, finished)
    }

    /// Queues requests given as (slot, rank, KV tokens at join, tokens to produce).
    static func join(_ instance: inout DecodeInstance, _ requests: [(Int32, Int32, Int, Int)]) {
        for (slot, rank, kv, tokens) in requests { instance.join(.init(slot: slot, rank: rank, kvTokens: kv, tokens: tokens)) }
    }

    @Test func theStepFollowsTheBusiestRank() {
        var generator = SeededGenerator(seed: 1)
        var decode = Self.instance(ranks: 4)
        // Rank 1: two requests with little KV; rank 2: one request with a lot.
        Self.join(&decode, [(0, 1, 100, 1000), (1, 1, 100, 1000), (2, 2, 5000, 1000)])
        let (first, _) = Self.step(&decode, &generator)
        // The largest batch (rank 1's 2) and the largest KV (rank 2's 5000), even from two ranks.
        #expect(first == DecodeInstance.Pace(batch: 2, kvTokens: 5000))
        // Each step adds τ tokens per request: rank 2 stays the largest KV for a while.
        let (second, _) = Self.step(&decode, &generator)
        #expect(second == DecodeInstance.Pace(batch: 2, kvTokens: 5000 + 1.7))
        #expect(decode.kvTokens(rank: 1) == 200 + 2 * 1.7 * 2)
        #expect(decode.rankActive == [0, 2, 1, 0])
        // A joining request makes rank 3 the busiest in batch and KV.
        Self.join(&decode, [(3, 3, 3000, 1000), (4, 3, 3000, 1000), (5, 3, 3000, 1000)])
        let (third, _) = Self.step(&decode, &generator)
        #expect(third?.batch == 3)
        #expect(abs(third!.kvTokens - 9000) < 1e-9)
    }

    @Test func requestsLeaveAtTheStepTheirTokensNeedInJoinOrder() {
        var generator = SeededGenerator(seed: 1)
        var decode = Self.instance(ranks: 2)
        // ⌈tokens / 1.7⌉ steps: 3 tokens → 2 steps, 1 token → 1 step, 4 tokens → 3 steps.
        Self.join(&decode, [(10, 0, 10, 3), (11, 1, 10, 1), (12, 1, 10, 3), (13, 0, 10, 4)])
        var finishedBy: [[Int32]] = []
        while true {
            let (pace, finished) = Self.step(&decode, &generator)
            guard pace != nil else { break }
            finishedBy.append(finished)
        }
        #expect(finishedBy == [[11], [10, 12], [13]])
        // The last call found nothing decoding: the instance stays idle at step 3.
        #expect(decode.step == 3 && decode.active == 0 && !decode.running)
        // Every rank is empty again, with no KV left over.
        #expect(decode.rankActive == [0, 0] && decode.rankKVOffset == [0, 0])
    }

    @Test func aBeginIsClaimedOnceAndOnlyWithWork() {
        var generator = SeededGenerator(seed: 1)
        var decode = Self.instance(ranks: 1)
        var claims: [Bool] = []
        claims.append(decode.claimBegin())  // no work
        Self.join(&decode, [(0, 0, 1, 100)])
        claims.append(decode.claimBegin())
        claims.append(decode.claimBegin())  // already scheduled
        _ = decode.beginStep(generator: &generator)
        Self.join(&decode, [(1, 0, 1, 100)])
        claims.append(decode.claimBegin())  // a step is running
        decode.endStep()
        decode.stop()
        claims.append(decode.claimBegin())
        #expect(claims == [false, true, false, false, true])
    }

    /// Oracle: per-rank KV and the pace against requests tracked one by one.
    @Test func countsAndKVSumsMatchRequestsTrackedOneByOne() {
        for seed in UInt64(1)...10 {
            var generator = SeededGenerator(seed: seed)
            var mtpDraws = SeededGenerator(seed: seed + 100)
            var decode = DecodeInstance(ranks: 5, mtp: Self.mtp, sampling: .sampled)
            var live: [Int32: (rank: Int, kv: Double)] = [:]
            var next: Int32 = 0
            for _ in 0..<200 {
                var joining: [(Int32, Int, Double)] = []
                for _ in 0..<generator.nextInt(below: 3) {
                    let rank = Int(generator.nextInt(below: 5))
                    let kv = Int(1 + generator.nextInt(below: 4000))
                    decode.join(.init(slot: next, rank: Int32(rank), kvTokens: kv, tokens: Int(1 + generator.nextInt(below: 40))))
                    joining.append((next, rank, Double(kv)))
                    next += 1
                }
                for (slot, rank, kv) in joining { live[slot] = (rank, kv) }
                let (pace, finished) = Self.step(&decode, &mtpDraws)
                if live.isEmpty {
                    #expect(pace == nil)
                    continue
                }
                let batches = (0..<5).map { r in live.values.filter { $0.rank == r }.count }
                let kvs = (0..<5).map { r in live.values.filter { $0.rank == r }.reduce(0) { $0 + $1.kv } }
                #expect(pace.map { Int($0.batch) } == batches.max(), "seed \(seed)")
                #expect(abs(pace!.kvTokens - kvs.max()!) < 1e-6 * kvs.max()!, "seed \(seed)")
                for slot in finished { live[slot] = nil }
                for key in live.keys { live[key]!.kv += 1.7 }
                for r in 0..<5 {
                    #expect(Int(decode.rankActive[r]) == live.values.filter { $0.rank == r }.count, "seed \(seed)")
                    let expected = live.values.filter { $0.rank == r }.reduce(0) { $0 + $1.kv }
                    #expect(abs(decode.kvTokens(rank: r) - expected) <= 1e-6 * max(expected, 1), "seed \(seed)")
                }
            }
        }
    }
}
