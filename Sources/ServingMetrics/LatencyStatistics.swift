/// Mean and percentiles of one latency metric, in milliseconds, with the number of values.
///
/// Keys are stable (`mean`, `p50`, `p90`, `p95`, `p99`, `p99_9`, `count`): reports, stored
/// baselines and the regression gate read them.
public struct LatencyStatistics: Sendable, Hashable, Codable {
    public var count: Int
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p99_9: Double

    public init(count: Int, mean: Double, p50: Double, p90: Double, p95: Double, p99: Double, p99_9: Double) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p99_9 = p99_9
    }

    /// The statistics of a sketch of nanosecond values, in milliseconds; nil when it is empty.
    public init?(nanoseconds sketch: QuantileSketch) {
        guard let mean = sketch.mean, let q = sketch.quantiles([0.5, 0.9, 0.95, 0.99, 0.999]) else { return nil }
        self.init(
            count: Int(sketch.count), mean: mean / 1e6, p50: q[0] / 1e6, p90: q[1] / 1e6, p95: q[2] / 1e6,
            p99: q[3] / 1e6, p99_9: q[4] / 1e6)
    }
}
