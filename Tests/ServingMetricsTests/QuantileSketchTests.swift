import DiscreteEvent
@testable import ServingMetrics
import Testing

@Suite struct QuantileSketchTests {
    /// 1…10: h = q·9, so p50 = 5.5, p90 = 9.1, p99 = 9.91 (NumPy's linear interpolation).
    @Test func exactPercentilesByHand() throws {
        var sketch = QuantileSketch()
        for value in [7.0, 1, 10, 3, 5, 2, 9, 4, 8, 6] { sketch.add(value) }
        let q = try #require(sketch.quantiles([0, 0.5, 0.9, 0.99, 1]))
        #expect(q[0] == 1)
        #expect(q[1] == 5.5)
        #expect(abs(q[2] - 9.1) < 1e-12)
        #expect(abs(q[3] - 9.91) < 1e-12)
        #expect(q[4] == 10)
        #expect(sketch.mean == 5.5)
        #expect(sketch.isExact)
    }

    @Test func weightedAddsEqualRepeatedAdds() {
        var weighted = QuantileSketch()
        var repeated = QuantileSketch()
        for (value, count) in [(3.0, 4), (1.0, 1), (10.0, 2), (2.0, 3)] as [(Double, UInt64)] {
            weighted.add(value, count: count)
            for _ in 0..<count { repeated.add(value) }
        }
        let qs = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1]
        #expect(weighted.quantiles(qs) == repeated.quantiles(qs))
        #expect(weighted.mean == repeated.mean)
        #expect(weighted.count == 10)
        // Sorted: 1 2 2 2 3 3 3 3 10 10; p50 at h = 4.5 → 3.
        #expect(weighted.quantile(0.5) == 3)
    }

    /// Weights past 32 bits (kept aside from the 32-bit weights) rank as they should, exactly
    /// and after the switch to the histogram.
    @Test(arguments: [16, 3])
    func weightsBeyond32BitsCount(capacity: Int) {
        var sketch = QuantileSketch(exactCapacity: capacity)
        let huge = UInt64(UInt32.max) + 10
        for (value, count) in [(5.0, 3), (1.0, huge), (9.0, 2), (2.0, UInt64(UInt32.max)), (7.0, 1)] as [(Double, UInt64)] {
            sketch.add(value, count: count)
        }
        #expect(sketch.isExact == (capacity == 16))
        #expect(sketch.count == huge + UInt64(UInt32.max) + 6)
        // Ranks: 1.0 × huge, then 2.0 × (2³² − 1), then 5, 7, 9.
        let bound = sketch.isExact ? 0 : QuantileSketch.relativeErrorBound
        for (q, expected) in [(0, 1.0), (0.45, 1), (0.55, 2), (1, 9)] as [(Double, Double)] {
            #expect(abs(sketch.quantile(q)! - expected) <= expected * bound, "q \(q)")
        }
    }

    @Test func emptySketchHasNoQuantiles() {
        #expect(QuantileSketch().quantile(0.5) == nil)
        #expect(QuantileSketch().mean == nil)
    }

    /// Past its exact capacity the sketch stays within its stated relative error of the exact
    /// percentiles, on a heavy-tailed set spanning six orders of magnitude.
    @Test(arguments: [1 as UInt64, 2, 3])
    func histogramPhaseMeetsItsErrorBound(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var sketch = QuantileSketch(exactCapacity: 1000)
        var all: [Double] = []
        for _ in 0..<200_000 {
            let value = generator.nextLogNormal(mu: 16, sigma: 2)  // nanoseconds: ~9 ms median
            sketch.add(value)
            all.append(value)
        }
        #expect(!sketch.isExact)
        all.sort()
        let qs = [0.0, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1]
        let estimates = try #require(sketch.quantiles(qs))
        for (q, estimate) in zip(qs, estimates) {
            let h = q * Double(all.count - 1)
            let lower = Int(h.rounded(.down))
            let exact = all[lower] + (h - Double(lower)) * (all[min(lower + 1, all.count - 1)] - all[lower])
            let error = abs(estimate - exact) / exact
            #expect(error <= QuantileSketch.relativeErrorBound, "seed \(seed), q \(q): \(estimate) vs \(exact)")
        }
        let exactMean = all.reduce(0, +) / Double(all.count)
        #expect(abs(sketch.mean! - exactMean) / exactMean < 1e-9)
    }

    @Test func theSwitchKeepsWeightedValues() {
        var sketch = QuantileSketch(exactCapacity: 2)
        sketch.add(100, count: 1000)
        sketch.add(200, count: 1)
        sketch.add(300, count: 1)
        #expect(!sketch.isExact)
        #expect(sketch.count == 1002)
        let median = sketch.quantile(0.5)!
        #expect(abs(median - 100) / 100 <= QuantileSketch.relativeErrorBound)
        #expect(sketch.quantile(1) == 300)
    }
}

@Suite struct RadixSortTests {
    /// Oracle: the comparison sort it replaces, on values with many ties; -0.0 is refused.
    @Test(arguments: [0, 1, 2, 17, 5000])
    func ordersAsTheComparisonSortDoes(count: Int) {
        for seed in UInt64(1)...20 {
            var generator = SeededGenerator(seed: seed)
            var values = ContiguousArray((0..<count).map { _ -> Double in
                switch generator.nextInt(below: 4) {
                case 0: return Double(generator.nextInt(below: 5))
                case 1: return 0
                case 2: return generator.nextUnitDouble() * 1e9
                default: return Double(generator.nextInt(below: 1 << 40)) * 1.5
                }
            })
            #expect(RadixSort.sortedAscending(values)?.map(\.bitPattern) == values.sorted().map(\.bitPattern), "seed \(seed)")
            if count > 0 {
                values[Int(generator.nextInt(below: UInt64(count)))] = -0.0
                #expect(RadixSort.sortedAscending(values) == nil)
            }
        }
    }
}
