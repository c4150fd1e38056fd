/// How far a metric may move in the bad direction before the gate calls it a regression.
///
/// The rule: a change is significant when it exceeds `max(relativePercent / 100 × |baseline|, absolute)`.
/// It must therefore beat **both** tolerances. The relative part scales with the metric; the
/// absolute part is a floor, so a metric near zero (a 0.3 ms queueing delay) does not fail on a
/// change that is large in percent but meaningless in size. package-benchmark checks the two
/// separately and flags a change beyond *either*; cmbench chose the floor deliberately, because
/// with "either" an absolute tolerance can only make the gate stricter, never quieter.
///
/// Simulated metrics are deterministic for a fixed trace, configuration and seed, so their
/// tolerances can be tight (0.1 % absorbs floating-point summation order, nothing else).
/// Live or noisy measurements (wall time, a real server's latency) need wider ones, typically
/// 5–10 % relative plus an absolute floor of a few milliseconds.
public struct Tolerance: Sendable, Hashable, Codable {
    /// Allowed change in percent of |baseline|; `2` means 2 %.
    public var relativePercent: Double
    /// Allowed change in the metric's own unit.
    public var absolute: Double

    public init(relativePercent: Double, absolute: Double = 0) {
        precondition(relativePercent >= 0 && relativePercent.isFinite, "relativePercent \(relativePercent) must be ≥ 0")
        precondition(absolute >= 0 && absolute.isFinite, "absolute \(absolute) must be ≥ 0")
        self.relativePercent = relativePercent
        self.absolute = absolute
    }

    /// The built-in default for deterministic simulated metrics: 0.1 % relative, no absolute floor.
    public static let deterministic = Tolerance(relativePercent: 0.1, absolute: 0)

    /// The largest change (in the metric's unit, ≥ 0) that is still "unchanged" against `baseline`.
    public func allowedChange(baseline: Double) -> Double {
        let relative = baseline.isFinite ? relativePercent / 100 * abs(baseline) : 0
        return max(relative, absolute)
    }

    enum CodingKeys: String, CodingKey {
        case relativePercent = "relative_pct"
        case absolute
    }
}
