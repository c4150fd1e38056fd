import DiscreteEvent
import Testing

@testable import DisaggregatedServing
import CostModel
import SystemDescription

/// The replay's fast paths against the plain code they replace: same answers, bit for bit.
@Suite struct HotPathOracleTests {
    /// The scalar scan `BusiestDie` replaces: first die with a strictly larger KV, busy dies only.
    static func scan(active: [Int32], offset: [Double], range: Range<Int>, growth: Double) -> (Int, Int32, Double) {
        var maxBatch: Int32 = 0
        var maxKV = 0.0
        var pace = range.lowerBound
        for r in range where active[r] > 0 {
            maxBatch = max(maxBatch, active[r])
            let kv = offset[r] + Double(active[r]) * growth
            if kv > maxKV {
                maxKV = kv
                pace = r
            }
        }
        return (pace, maxBatch, maxKV)
    }

    @Test(arguments: [1, 3, 4, 7, 320])
    func busiestDieAgreesWithTheScan(dies: Int) {
        for seed in UInt64(1)...200 {
            var generator = SeededGenerator(seed: seed)
            let padding = Int(generator.nextInt(below: 5))
            var active = [Int32](repeating: 0, count: padding + dies)
            var offset = [Double](repeating: 0, count: padding + dies)
            for r in padding..<(padding + dies) where generator.nextInt(below: 4) != 0 {
                // Few distinct values, so ties in batch and KV are common.
                active[r] = Int32(1 + generator.nextInt(below: 3))
                offset[r] = Double(generator.nextInt(below: 4)) * 1024 + Double(active[r]) * 0.5
            }
            if !active.contains(where: { $0 > 0 }) { active[padding] = 1; offset[padding] = 1 }
            let growth = 1.7 * Double(generator.nextInt(below: 10_000))
            let range = padding..<(padding + dies)
            let expected = Self.scan(active: active, offset: offset, range: range, growth: growth)
            let actual = active.withUnsafeBufferPointer { a in
                offset.withUnsafeBufferPointer { o in BusiestDie.find(active: a, offset: o, range: range, growth: growth) }
            }
            #expect(actual.rank == expected.0, "seed \(seed)")
            #expect(actual.batch == expected.1, "seed \(seed)")
            #expect(actual.kv.bitPattern == expected.2.bitPattern, "seed \(seed)")
        }
    }

    @Test func cachedGridAnswersAsTheGrid() {
        let grids = [
            InterpolationGrid(linearStep: 256, linearCount: 16, perOctave: 16, roundsToIntegers: false),
            InterpolationGrid(linearStep: 16, linearCount: 4, perOctave: 2, roundsToIntegers: true),
        ]
        var generator = SeededGenerator(seed: 7)
        for grid in grids {
            var cached = CachedGrid(grid)
            for i in 0..<300 { #expect(cached.value(i).bitPattern == grid.value(i).bitPattern) }
            for _ in 0..<20_000 {
                let x = generator.nextUnitDouble() * pow(2, Double(generator.nextInt(below: 24)))
                #expect(cached.lowerIndex(x) == grid.lowerIndex(x), "x = \(x)")
            }
            for i in 0..<200 { #expect(cached.lowerIndex(grid.value(i)) == grid.lowerIndex(grid.value(i))) }
        }
    }

    /// `DecodeStepTable.stepSeconds` keeps each batch size's last grid cell; its answers are
    /// the grid's: interpolation between the cost model at the two points around the KV.
    @Test func decodeStepTableAnswersAsTheGridWithItsCellCache() throws {
        var table = try ServingHarness.backend().decodeTable
        var grid = table.grid
        var generator = SeededGenerator(seed: 11)
        var kvByBatch = [Double](repeating: 0, count: 9)
        for _ in 0..<3_000 {
            let batch = 1 + Int(generator.nextInt(below: 8))
            // Mostly small steps forward (the same cell), sometimes a jump or a step back.
            switch generator.nextInt(below: 10) {
            case 0: kvByBatch[batch] = generator.nextUnitDouble() * pow(2, Double(generator.nextInt(below: 20)))
            case 1: kvByBatch[batch] = max(0, kvByBatch[batch] - 300 * generator.nextUnitDouble())
            default: kvByBatch[batch] += 1.7 * Double(batch)
            }
            let kv = kvByBatch[batch]
            let i = grid.lowerIndex(kv)
            let x0 = grid.value(i), x1 = grid.value(i + 1)
            let y0 = table.exactStep(batch: batch, kvTokens: x0).stepMicroseconds * 1e-6
            let y1 = table.exactStep(batch: batch, kvTokens: x1).stepMicroseconds * 1e-6
            let expected = y0 + (y1 - y0) * (kv - x0) / (x1 - x0)
            #expect(table.stepSeconds(batch: batch, kvTokens: kv).bitPattern == expected.bitPattern, "batch \(batch), kv \(kv)")
        }
    }

    @Test func denseMemoRemembersWhatItStored() {
        var memo = DenseMemo()
        #expect(memo.value(3, 5) == nil)
        memo.store(1.5, 3, 5)
        memo.store(2.5, 0, 40)
        #expect(memo.value(3, 5) == 1.5)
        #expect(memo.value(0, 40) == 2.5)
        #expect(memo.value(3, 4) == nil)
        #expect(memo.value(2, 0) == nil)
        #expect(memo.value(9, 9) == nil)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
