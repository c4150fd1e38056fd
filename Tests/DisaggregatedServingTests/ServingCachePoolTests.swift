import Testing
@testable import DisaggregatedServing
import CostModel
import SystemDescription

@Suite struct ServingCachePoolTests {
    /// One byte per token, so capacities read as tokens.
    func pool(capacityTokens: Double, page: Int? = nil) -> PrefixCachePool {
        PrefixCachePool(capacityBytes: capacityTokens, pageTokens: page, bytesPerToken: 1)
    }

    @Test func reusesOnlyTheLeadingRun() {
        var p = pool(capacityTokens: 10_000)
        p.store([1, 2, 3], promptTokens: 300, blockTokens: 100)
        #expect(p.lookupLeadingRun([1, 2, 3, 4]) == 3)
        #expect(p.lookupLeadingRun([1, 9, 3]) == 1)
        #expect(p.lookupLeadingRun([2, 3]) == 2)
        #expect(p.lookupLeadingRun([9, 1, 2]) == 0)
    }

    @Test func evictsTheLeastRecentlyUsedFirst() {
        var p = pool(capacityTokens: 300)
        p.store([1], promptTokens: 100, blockTokens: 100)
        p.store([2], promptTokens: 100, blockTokens: 100)
        p.store([3], promptTokens: 100, blockTokens: 100)
        #expect(p.lookupLeadingRun([1]) == 1)  // 1 is now the most recent; 2 the least
        p.store([4], promptTokens: 100, blockTokens: 100)
        #expect(p.peekLeadingRun([2]) == 0)
        #expect(p.peekLeadingRun([1]) == 1 && p.peekLeadingRun([3]) == 1 && p.peekLeadingRun([4]) == 1)
        #expect(p.usedBytes <= p.capacityBytes && p.evictedBlocks == 1)
    }

    @Test func partialBlocksTakeWholePages() {
        var p = pool(capacityTokens: 1_000, page: 64)
        p.store([1, 2], promptTokens: 130, blockTokens: 100)  // 100 → 128, 30 → 64
        #expect(p.usedBytes == 192)
        var q = pool(capacityTokens: 1_000)
        q.store([1, 2], promptTokens: 130, blockTokens: 100)  // one page per block of the block size
        #expect(q.usedBytes == 200)
    }

    @Test func neverHoldsMoreThanItsCapacity() {
        var p = pool(capacityTokens: 5_000)
        var hash: UInt64 = 0
        for i in 0..<2_000 {
            let blocks = 1 + i % 7
            p.store((0..<blocks).map { _ in hash &+= 1; return hash % 300 }, promptTokens: blocks * 100 - 17, blockTokens: 100)
            #expect(p.usedBytes <= p.capacityBytes)
        }
        #expect(p.blockCount <= 50 && p.evictedBlocks > 0)
    }

    @Test func biggerPoolsHitAtLeastAsOften() {
        // LRU is a stack algorithm: on the same sequence, a larger pool holds a superset.
        func hits(capacity: Double) -> Int {
            var p = pool(capacityTokens: capacity)
            var total = 0
            for i in 0..<3_000 {
                let key = UInt64((i * 7919) % 97 + (i % 5 == 0 ? 1000 : 0))
                let blocks: [UInt64] = [key, key + 5000]
                total += p.lookupLeadingRun(blocks)
                p.store(blocks, promptTokens: 200, blockTokens: 100)
            }
            return total
        }
        let counts = [500.0, 2_000, 8_000, 40_000].map(hits)
        #expect(counts == counts.sorted())
        #expect(counts.first! < counts.last!)
    }
}
