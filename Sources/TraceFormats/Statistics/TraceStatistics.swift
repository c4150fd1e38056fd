import DiscreteEvent
import Serving

/// Streaming summary of a workload for `cmbench inspect`: counts, rates, length percentiles, ties
/// and prefix reuse, accumulated one request at a time.
///
/// Memory does not grow with the number of requests, except for two inherent sets: the token
/// length histograms grow with the number of *distinct* lengths (bounded by the longest prompt),
/// and the prefix-reuse set grows with the number of *distinct* block hashes (an infinite cache
/// must remember every block it has seen; ~290 k hashes for the Mooncake conversation trace).
/// Rates are counted per wall-clock bucket on the fly, relying on non-decreasing arrivals.
///
/// **Prefix reuse ratio** = Σ reusable block occurrences / Σ block occurrences, where a request's
/// reusable blocks are the longest leading run of its `prefixBlockHashes` that were all seen in
/// earlier requests — what an infinite prefix cache could serve. On the Mooncake conversation
/// trace this gives 0.366 (105,713 of 288,500 blocks), the published "36.6 % of blocks reusable";
/// counting every previously-seen hash wherever it sits, or keying on (position, hash), gives
/// the same figure there because Mooncake's hashes are chained (a block's hash names its whole
/// prefix), but only the leading-run rule stays right for traces whose ids are not chained.
public struct TraceStatistics: Sendable {
    public private(set) var requests = 0
    private var firstArrival: Int64?
    private var lastArrival: Int64 = 0
    private var ties = 0
    private var secondBucket = Int64.min
    private var secondCount = 0
    private var peakPerSecond = 0
    private var minuteBucket = Int64.min
    private var minuteCount = 0
    private var peakPerMinute = 0
    private var inputLengths = LengthHistogram()
    private var outputLengths = LengthHistogram()
    private var seenBlocks: Set<UInt64> = []
    private var blockOccurrences = 0
    private var reusableBlocks = 0

    public init() {}

    /// Adds one request (arrivals must not decrease).
    /// - Complexity: O(number of prefix blocks of the request), amortised.
    public mutating func add(_ request: ServingRequest) {
        let arrival = request.arrival.nanoseconds
        if requests > 0, arrival == lastArrival { ties += 1 }
        if firstArrival == nil { firstArrival = arrival }
        lastArrival = arrival
        requests += 1
        count(arrival / 1_000_000_000, bucket: &secondBucket, count: &secondCount, peak: &peakPerSecond)
        count(arrival / 60_000_000_000, bucket: &minuteBucket, count: &minuteCount, peak: &peakPerMinute)
        inputLengths.add(request.inputTokens)
        outputLengths.add(request.outputTokens)
        let hashes = request.prefixBlockHashes
        guard !hashes.isEmpty else { return }
        blockOccurrences += hashes.count
        var leading = 0
        while leading < hashes.count, seenBlocks.contains(hashes[leading]) { leading += 1 }
        reusableBlocks += leading
        for hash in hashes[leading...] { seenBlocks.insert(hash) }
    }

    /// Adds every request of a source.
    public mutating func add<Source: RequestSource>(all source: inout Source) throws(Source.Failure) {
        while let request = try source.next() { add(request) }
    }

    private func count(_ key: Int64, bucket: inout Int64, count: inout Int, peak: inout Int) {
        if key == bucket {
            count += 1
        } else {
            bucket = key
            count = 1
        }
        peak = max(peak, count)
    }

    /// The summary so far.
    public var summary: TraceSummary {
        let span = Double(lastArrival - (firstArrival ?? 0)) / 1e9
        return TraceSummary(
            requests: requests, spanSeconds: span,
            meanRatePerSecond: span > 0 ? Double(requests) / span : nil,
            peakRatePerSecond: peakPerSecond, peakRatePerMinute: peakPerMinute, ties: ties,
            inputTokens: inputLengths.summary, outputTokens: outputLengths.summary,
            prefixBlocks: blockOccurrences, distinctPrefixBlocks: seenBlocks.count,
            prefixReuseRatio: blockOccurrences > 0 ? Double(reusableBlocks) / Double(blockOccurrences) : nil)
    }
}

/// Exact counts of token lengths, for exact percentiles in memory bounded by distinct lengths.
struct LengthHistogram: Sendable {
    private var counts: [Int: Int] = [:]
    private var total = 0
    private var sum = 0.0

    mutating func add(_ length: Int) {
        counts[length, default: 0] += 1
        total += 1
        sum += Double(length)
    }

    /// Nearest-rank percentiles (the smallest length with at least ⌈p·n⌉ requests at or below
    /// it); keys are sorted first, so dictionary order never matters.
    var summary: LengthSummary? {
        guard total > 0 else { return nil }
        let sorted = counts.sorted { $0.key < $1.key }
        func percentile(_ percent: Int) -> Int {
            let rank = max(1, (total * percent + 99) / 100)
            var cumulative = 0
            for (length, count) in sorted {
                cumulative += count
                if cumulative >= rank { return length }
            }
            return sorted.last!.key
        }
        return LengthSummary(
            p50: percentile(50), p90: percentile(90), p99: percentile(99), max: sorted.last!.key,
            mean: sum / Double(total))
    }
}

/// Percentiles of a token-length distribution.
public struct LengthSummary: Codable, Sendable, Equatable {
    public var p50: Int
    public var p90: Int
    public var p99: Int
    public var max: Int
    public var mean: Double

    public init(p50: Int, p90: Int, p99: Int, max: Int, mean: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
        self.mean = mean
    }
}

/// What `cmbench inspect` reports, encodable as JSON with snake_case keys (`null` where absent).
public struct TraceSummary: Codable, Sendable, Equatable {
    public var requests: Int
    /// Last arrival minus first, in seconds.
    public var spanSeconds: Double
    /// Requests per second over the span (nil when the span is 0).
    public var meanRatePerSecond: Double?
    /// Most arrivals in one calendar second of trace time (`[k, k+1)` s).
    public var peakRatePerSecond: Int
    /// Most arrivals in one minute of trace time.
    public var peakRatePerMinute: Int
    /// Requests arriving at exactly the same nanosecond as the previous one.
    public var ties: Int
    public var inputTokens: LengthSummary?
    public var outputTokens: LengthSummary?
    /// Prefix block occurrences (sum of `prefixBlockHashes` lengths).
    public var prefixBlocks: Int
    /// Distinct block hashes seen.
    public var distinctPrefixBlocks: Int
    /// Share of block occurrences an infinite prefix cache could reuse; nil without hashes.
    public var prefixReuseRatio: Double?

    enum CodingKeys: String, CodingKey {
        case requests
        case spanSeconds = "span_s"
        case meanRatePerSecond = "mean_rate_per_s"
        case peakRatePerSecond = "peak_rate_per_s"
        case peakRatePerMinute = "peak_rate_per_min"
        case ties
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case prefixBlocks = "prefix_blocks"
        case distinctPrefixBlocks = "distinct_prefix_blocks"
        case prefixReuseRatio = "prefix_reuse_ratio"
    }

    /// Writes every key, with explicit `null`s, so the JSON schema does not change shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requests, forKey: .requests)
        try container.encode(spanSeconds, forKey: .spanSeconds)
        try container.encode(meanRatePerSecond, forKey: .meanRatePerSecond)
        try container.encode(peakRatePerSecond, forKey: .peakRatePerSecond)
        try container.encode(peakRatePerMinute, forKey: .peakRatePerMinute)
        try container.encode(ties, forKey: .ties)
        try container.encode(inputTokens, forKey: .inputTokens)
        try container.encode(outputTokens, forKey: .outputTokens)
        try container.encode(prefixBlocks, forKey: .prefixBlocks)
        try container.encode(distinctPrefixBlocks, forKey: .distinctPrefixBlocks)
        try container.encode(prefixReuseRatio, forKey: .prefixReuseRatio)
    }
}
