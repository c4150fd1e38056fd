/// Quantiles of a stream of non-negative values in bounded memory: exact up to a capacity,
/// then a log-linear histogram with relative error at most 1/256 (≈ 0.39 %).
///
/// **Exact phase.** Values (with weights, once any weight is not 1) are kept until their number
/// exceeds `exactCapacity`; quantiles are then exact.
///
/// **Histogram phase.** After that, every value (kept ones included) is counted in a bucket:
/// each power-of-two range [2^e, 2^(e+1)) is cut into 128 equal buckets, indexed straight from
/// the float's exponent and top 7 mantissa bits. A bucket [l, u) has u − l ≤ l/128, and it
/// reports its midpoint clamped to the observed [min, max], so any value reported for a rank
/// is within (u − l)/2 ≤ l/256 of the true order statistic: **relative error ≤ 1/256** for
/// values ≥ 1. Values in [0, 1) share one bucket and are within 1 (absolute) — with durations in
/// nanoseconds, within 1 ns. The histogram is a fixed 8,193 counters (64 KiB).
///
/// Everything is deterministic: the same values in the same order give the same answers, and
/// the switch happens at the same point.
///
/// **Quantile definition.** Linear interpolation between order statistics (NumPy's default
/// `np.percentile`, which `vllm bench serve` uses): with `n` values sorted as x₀ ≤ … ≤ xₙ₋₁
/// (a value of weight w counted w times), q ↦ h = q(n − 1), then x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋).
/// In the histogram phase both order statistics carry the bound above, and so does their
/// convex combination.
public struct QuantileSketch: Sendable {
    /// 2²¹ = 2,097,152 values: 16 MiB unweighted; the 19,366-request Azure hour stays exact.
    public static let defaultExactCapacity = 1 << 21
    /// The histogram phase's relative error bound, for values ≥ 1.
    public static let relativeErrorBound = 1.0 / 256

    public let exactCapacity: Int
    private var values: ContiguousArray<Double> = []
    /// Parallel to `values` once `isWeighted`; empty while every weight has been 1. 32 bits
    /// (a replay's weights are a request's token gaps, under 2³²): 8 MiB less at the default
    /// capacity than 64, which is what a replay's peak memory is made of. A weight that does
    /// not fit is kept in `wideWeights` and marked here with 0 (no weight is 0).
    private var weights: ContiguousArray<UInt32> = []
    private var wideWeights: [Int: UInt64] = [:]
    private var isWeighted = false
    /// Empty while exact.
    private var histogram: ContiguousArray<UInt64> = []
    /// Total weight added.
    public private(set) var count: UInt64 = 0
    /// Sum of value × weight, in the order added.
    public private(set) var sum: Double = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    public init(exactCapacity: Int = QuantileSketch.defaultExactCapacity) {
        precondition(exactCapacity >= 0, "exactCapacity must not be negative, got \(exactCapacity)")
        self.exactCapacity = exactCapacity
    }

    /// Whether quantiles are exact (no switch to the histogram has happened).
    public var isExact: Bool { histogram.isEmpty }

    public var mean: Double? { count == 0 ? nil : sum / Double(count) }

    /// Adds `value` with weight `count` (how many times it occurred).
    /// - Complexity: amortised O(1); O(capacity) once, at the switch to the histogram.
    public mutating func add(_ value: Double, count weight: UInt64 = 1) {
        precondition(value.isFinite && value >= 0, "QuantileSketch takes finite non-negative values, got \(value)")
        guard weight > 0 else { return }
        count += weight
        sum += value * Double(weight)
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
        if !histogram.isEmpty {
            histogram[Self.bucket(of: value)] += weight
            return
        }
        if weight != 1 && !isWeighted {
            isWeighted = true
            weights = ContiguousArray(repeating: 1, count: values.count)
        }
        if isWeighted {
            if let narrow = UInt32(exactly: weight) {
                weights.append(narrow)
            } else {
                wideWeights[values.count] = weight
                weights.append(0)
            }
        }
        values.append(value)
        if values.count > exactCapacity { switchToHistogram() }
    }

    /// The weight of kept value `index` (once `isWeighted`).
    private func weight(at index: Int) -> UInt64 {
        let narrow = weights[index]
        return narrow != 0 ? UInt64(narrow) : wideWeights[index]!
    }

    private mutating func switchToHistogram() {
        histogram = ContiguousArray(repeating: 0, count: Self.bucketCount)
        for index in values.indices {
            histogram[Self.bucket(of: values[index])] += isWeighted ? weight(at: index) : 1
        }
        values = []
        weights = []
        wideWeights = [:]
        isWeighted = false
    }

    /// The q-quantile, 0 ≤ q ≤ 1, as defined above; nil when empty.
    public func quantile(_ q: Double) -> Double? { quantiles([q])?.first }

    /// Several quantiles at once (one sort); nil when empty.
    /// - Complexity: O(m) for m ≥ 65,536 unweighted kept values (a radix sort), O(m log m)
    ///   otherwise, or O(buckets) in the histogram phase.
    public func quantiles(_ qs: [Double]) -> [Double]? {
        guard count > 0 else { return nil }
        let ranked = RankedValues(self)
        return qs.map { q in
            precondition(q >= 0 && q <= 1, "quantile needs 0 ≤ q ≤ 1, got \(q)")
            let h = q * Double(count - 1)
            let lower = h.rounded(.down)
            let below = ranked.value(atRank: UInt64(lower))
            let fraction = h - lower
            guard fraction > 0 else { return below }
            let above = ranked.value(atRank: UInt64(lower) + 1)
            return below + fraction * (above - below)
        }
    }

    /// Order statistics by rank over either phase, with cumulative weights for binary search.
    private struct RankedValues {
        var sortedValues: [Double] = []
        /// Cumulative weight up to and including each entry (values, or buckets).
        var cumulative: [UInt64] = []
        var bucketIndices: [Int] = []
        let sketch: QuantileSketch

        init(_ sketch: QuantileSketch) {
            self.sketch = sketch
            if sketch.isExact {
                // The radix sort gives `sorted()`'s result (see `RadixSort`) in fewer
                // instructions on many values; weighted values (ITL) keep the comparison sort.
                if !sketch.isWeighted {
                    sortedValues =
                        (sketch.values.count >= RadixSort.worthwhileCount ? RadixSort.sortedAscending(sketch.values) : nil)
                        ?? sketch.values.sorted()
                } else {
                    let pairs = sketch.values.indices.map { (sketch.values[$0], sketch.weight(at: $0)) }.sorted { $0.0 < $1.0 }
                    sortedValues = pairs.map(\.0)
                    var total: UInt64 = 0
                    cumulative = pairs.map { total += $0.1; return total }
                }
            } else {
                var total: UInt64 = 0
                for (index, bucketCount) in sketch.histogram.enumerated() where bucketCount > 0 {
                    total += bucketCount
                    cumulative.append(total)
                    bucketIndices.append(index)
                }
            }
        }

        func value(atRank rank: UInt64) -> Double {
            if sketch.isExact && cumulative.isEmpty { return sortedValues[Int(rank)] }
            // The first entry whose cumulative weight exceeds `rank`.
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > rank { high = middle } else { low = middle + 1 }
            }
            if sketch.isExact { return sortedValues[low] }
            let representative = QuantileSketch.midpoint(ofBucket: bucketIndices[low])
            return Swift.min(Swift.max(representative, sketch.minimum), sketch.maximum)
        }
    }

    // MARK: Buckets

    /// Bucket 0 holds [0, 1); bucket 1 + k holds the k-th 1/128 slice of a power of two from 1.
    static let subBucketBits = 7
    static let bucketCount = 1 + 64 << subBucketBits
    private static let oneKey = UInt64(1023) << subBucketBits

    static func bucket(of value: Double) -> Int {
        guard value >= 1 else { return 0 }
        let key = (value.bitPattern >> UInt64(52 - subBucketBits)) - oneKey
        return Swift.min(Int(key) + 1, bucketCount - 1)
    }

    static func midpoint(ofBucket index: Int) -> Double {
        guard index > 0 else { return 0.5 }
        let key = UInt64(index - 1) + oneKey
        let lower = Double(bitPattern: key << UInt64(52 - subBucketBits))
        let upper = Double(bitPattern: (key + 1) << UInt64(52 - subBucketBits))
        return (lower + upper) / 2
    }
}
