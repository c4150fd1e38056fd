import Testing

@testable import DisaggregatedServing

@Suite struct PrefillPoolTests {
    /// Queues `prompts` (slot i has prompts[i] tokens) on a one-instance pool and drains it batch
    /// by batch: the slots of each batch.
    static func batches(_ prompts: [Int], budget: Int) -> [[Int32]] {
        var pool = PrefillPool(instances: 1, tokenBudget: budget, cache: nil)
        for (slot, tokens) in prompts.enumerated() { _ = pool.enqueue(Int32(slot), tokens: tokens) }
        var result: [[Int32]] = []
        while pool.startBatch(0) {
            result.append(Self.batch(pool, 0))
            pool.endBatch(0)
        }
        return result
    }

    /// The running batch of `instance`.
    static func batch(_ pool: PrefillPool, _ instance: Int) -> [Int32] {
        (0..<pool.batchCount(of: instance)).map { pool.batchSlot($0, of: instance) }
    }

    @Test func batchesTakePromptsInQueueOrderWithinTheBudget() {
        let batches = Self.batches([300, 500, 200, 400, 100, 600], budget: 1000)
        // 300 + 500 + 200 = 1000 fits; 400 + 100 fits and 600 would not; 600 alone.
        #expect(batches == [[0, 1, 2], [3, 4], [5]])
    }

    @Test func aPromptThatFitsNothingElseRunsAlone() {
        // A prompt of the whole budget runs alone; a later short one does not jump ahead of it.
        #expect(Self.batches([100, 1000, 50], budget: 1000) == [[0], [1], [2]])
        #expect(Self.batches([1000], budget: 1000) == [[0]])
    }

    @Test func promptsGoToTheInstanceWithTheFewestOutstandingTokens() {
        var pool = PrefillPool(instances: 3, tokenBudget: 1000, cache: nil)
        // Ties go to the lowest index; an idle instance with no start scheduled asks for one.
        var starts: [Int?] = []
        starts.append(pool.enqueue(0, tokens: 500))
        starts.append(pool.enqueue(1, tokens: 200))
        starts.append(pool.enqueue(2, tokens: 300))
        // Instance 1 (200) is least loaded; its start is already scheduled, so no new one.
        starts.append(pool.enqueue(3, tokens: 200))
        #expect(starts == [0, 1, 2, nil])
        #expect(pool.instances.map(\.outstandingTokens) == [500, 400, 300])
        // Starting a batch keeps its tokens outstanding until it ends.
        let started = pool.startBatch(1)
        #expect(started && Self.batch(pool, 1) == [1, 3])
        #expect(pool.instances[1].outstandingTokens == 400)
        let startedWhileBusy = pool.startBatch(1)
        #expect(!startedWhileBusy, "a busy instance starts nothing")
        pool.endBatch(1)
        #expect(pool.instances[1].outstandingTokens == 0 && !pool.instances[1].busy)
        #expect(pool.batchCount(of: 1) == 0)
        let startedEmpty = pool.startBatch(1)
        #expect(!startedEmpty, "nothing queued")
        // Idle with no start scheduled (startBatch cleared it): the next prompt asks for one.
        let next = pool.enqueue(4, tokens: 10)
        #expect(next == 1)
    }

    @Test func lookupsLoadTheLeadingRunAndComputeAtLeastTheLastToken() {
        let cache = PrefixCachePool(capacityBytes: 1e9, bytesPerToken: 1)
        var pool = PrefillPool(instances: 1, tokenBudget: 10_000, cache: cache)
        func lookUp(_ hashes: [UInt64], _ prompt: Int) -> [Int]? {
            pool.lookUpPrefix(hashes, blockTokens: 100, promptTokens: prompt).map { [$0.blocks, $0.tokens] }
        }
        #expect(lookUp([1, 2, 3], 300) == [0, 0])
        pool.storePrefix([1, 2, 3], blockTokens: 100, promptTokens: 300)
        // Blocks 1 and 2 lead; 9 breaks the run, so 3 is not reused.
        #expect(lookUp([1, 2, 9, 3], 400) == [2, 200])
        // The whole prompt cached: all but its last token is loaded.
        #expect(lookUp([1, 2, 3], 300) == [3, 299])
        // No lookup: no hashes, or a one-token prompt.
        #expect(lookUp([], 300) == nil)
        #expect(lookUp([1], 1) == nil)
        var none = PrefillPool(instances: 1, tokenBudget: 10_000, cache: nil)
        none.storePrefix([1], blockTokens: 100, promptTokens: 100)
        let missing = none.lookUpPrefix([1], blockTokens: 100, promptTokens: 100)
        #expect(missing == nil)
    }
}
