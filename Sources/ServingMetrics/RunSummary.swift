/// The headline results of one run, with stable key names for JSON, stores and the gate.
///
/// Definitions (in `MetricsAccumulator`'s words):
/// * latency statistics cover completed requests; TPOT only those with ≥ 2 output tokens;
///   ITL is every inter-token gap the backend reported;
/// * `duration_s` runs from the earliest arrival of any recorded request to the latest
///   completion of a completed request; every rate divides by it;
/// * token rates count completed requests' tokens; per-accelerator and per-die rates divide
///   output tokens/s by the backend's counts and are null when the backend has none;
/// * `prefix_cache_hit_rate` = cached prefix tokens / input tokens, over completed requests
///   (a ratio of tokens, not of requests);
/// * `goodput_rps` = completed requests meeting every SLO / duration; `slo_attainment` gives,
///   per SLO and overall, the fraction of all recorded requests (rejected ones failing) that
///   meet it. Both null without SLOs.
///
/// Fields that may be unknown encode as JSON `null`, never as a made-up 0.
public struct RunSummary: Sendable, Hashable, Codable {
    public var totalRequests: Int
    public var completedRequests: Int
    public var rejectedRequests: Int
    public var rejections: [RejectionSummary]
    public var durationSeconds: Double
    public var requestThroughput: Double?
    public var inputTokensPerSecond: Double?
    public var outputTokensPerSecond: Double?
    public var totalTokensPerSecond: Double?
    public var accelerators: Int?
    public var dies: Int?
    public var outputTokensPerSecondPerAccelerator: Double?
    public var outputTokensPerSecondPerDie: Double?
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    public var cachedPrefixTokens: Int
    /// Cached prefix blocks / prefix blocks named by the trace (comparable with a trace's block
    /// reuse); nil when the trace names no blocks.
    public var prefixCacheHitRate: Double?
    /// Cached prefix tokens / input tokens.
    public var prefixCacheTokenHitRate: Double?
    public var goodput: Double?
    public var sloLimitsMilliseconds: PerSLO<Double>?
    public var sloAttainment: PerSLO<Double>?
    public var ttft: LatencyStatistics?
    public var tpot: LatencyStatistics?
    public var itl: LatencyStatistics?
    public var e2e: LatencyStatistics?
    public var queueing: LatencyStatistics?
    /// Whether every percentile is exact; when false, each is within
    /// `percentileRelativeErrorBound` of the exact value (see `QuantileSketch`).
    public var percentilesExact: Bool
    public var percentileRelativeErrorBound: Double

    enum CodingKeys: String, CodingKey {
        case totalRequests = "total_requests"
        case completedRequests = "completed_requests"
        case rejectedRequests = "rejected_requests"
        case rejections
        case durationSeconds = "duration_s"
        case requestThroughput = "request_throughput_rps"
        case inputTokensPerSecond = "input_tokens_per_s"
        case outputTokensPerSecond = "output_tokens_per_s"
        case totalTokensPerSecond = "total_tokens_per_s"
        case accelerators, dies
        case outputTokensPerSecondPerAccelerator = "output_tokens_per_s_per_accelerator"
        case outputTokensPerSecondPerDie = "output_tokens_per_s_per_die"
        case totalInputTokens = "total_input_tokens"
        case totalOutputTokens = "total_output_tokens"
        case cachedPrefixTokens = "cached_prefix_tokens"
        case prefixCacheHitRate = "prefix_cache_hit_rate"
        case prefixCacheTokenHitRate = "prefix_cache_token_hit_rate"
        case goodput = "goodput_rps"
        case sloLimitsMilliseconds = "slo_limits_ms"
        case sloAttainment = "slo_attainment"
        case ttft = "ttft_ms"
        case tpot = "tpot_ms"
        case itl = "itl_ms"
        case e2e = "e2e_ms"
        case queueing = "queueing_ms"
        case percentilesExact = "percentiles_exact"
        case percentileRelativeErrorBound = "percentile_relative_error_bound"
    }

    /// Writes every key, unknown values as `null` (the synthesised encoder would omit them).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(totalRequests, forKey: .totalRequests)
        try c.encode(completedRequests, forKey: .completedRequests)
        try c.encode(rejectedRequests, forKey: .rejectedRequests)
        try c.encode(rejections, forKey: .rejections)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(requestThroughput, forKey: .requestThroughput)
        try c.encode(inputTokensPerSecond, forKey: .inputTokensPerSecond)
        try c.encode(outputTokensPerSecond, forKey: .outputTokensPerSecond)
        try c.encode(totalTokensPerSecond, forKey: .totalTokensPerSecond)
        try c.encode(accelerators, forKey: .accelerators)
        try c.encode(dies, forKey: .dies)
        try c.encode(outputTokensPerSecondPerAccelerator, forKey: .outputTokensPerSecondPerAccelerator)
        try c.encode(outputTokensPerSecondPerDie, forKey: .outputTokensPerSecondPerDie)
        try c.encode(totalInputTokens, forKey: .totalInputTokens)
        try c.encode(totalOutputTokens, forKey: .totalOutputTokens)
        try c.encode(cachedPrefixTokens, forKey: .cachedPrefixTokens)
        try c.encode(prefixCacheHitRate, forKey: .prefixCacheHitRate)
        try c.encode(prefixCacheTokenHitRate, forKey: .prefixCacheTokenHitRate)
        try c.encode(goodput, forKey: .goodput)
        try c.encode(sloLimitsMilliseconds, forKey: .sloLimitsMilliseconds)
        try c.encode(sloAttainment, forKey: .sloAttainment)
        try c.encode(ttft, forKey: .ttft)
        try c.encode(tpot, forKey: .tpot)
        try c.encode(itl, forKey: .itl)
        try c.encode(e2e, forKey: .e2e)
        try c.encode(queueing, forKey: .queueing)
        try c.encode(percentilesExact, forKey: .percentilesExact)
        try c.encode(percentileRelativeErrorBound, forKey: .percentileRelativeErrorBound)
    }
}

/// One value per SLO metric given, plus `overall` where it applies; absent metrics are omitted.
public struct PerSLO<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    public var ttft: Value?
    public var tpot: Value?
    public var itl: Value?
    public var e2e: Value?
    public var overall: Value?

    public init(ttft: Value? = nil, tpot: Value? = nil, itl: Value? = nil, e2e: Value? = nil, overall: Value? = nil) {
        self.ttft = ttft
        self.tpot = tpot
        self.itl = itl
        self.e2e = e2e
        self.overall = overall
    }

    public subscript(metric: ServiceLevelObjectives.Metric) -> Value? {
        get {
            switch metric {
            case .ttft: ttft
            case .tpot: tpot
            case .itl: itl
            case .e2e: e2e
            }
        }
        set {
            switch metric {
            case .ttft: ttft = newValue
            case .tpot: tpot = newValue
            case .itl: itl = newValue
            case .e2e: e2e = newValue
            }
        }
    }
}
