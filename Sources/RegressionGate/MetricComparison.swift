/// The gate's judgement of one metric present in both the baseline and the current run.
public struct MetricComparison: Sendable, Hashable {
    /// What the change amounts to, after polarity and tolerance.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Worse than baseline by more than the allowed change (or, for `match`, moved at all
        /// beyond it; or became NaN).
        case regression
        /// Better than baseline by more than the allowed change: update the baseline on purpose.
        case improvement
        /// Within tolerance.
        case unchanged
        /// A side has no number (NaN, or `null` in a result file), so there is no change to judge.
        /// Listed by name; it fails the gate when only one side has a number (the metric gained
        /// or lost its value), not when neither has.
        case uncomparable
    }

    public var name: String
    public var baseline: Double
    public var current: Double
    public var polarity: Polarity
    public var tolerance: Tolerance
    public var unit: String
    public var outcome: Outcome

    /// Whether this metric fails the gate: a regression, or a number on one side only.
    public var failsGate: Bool {
        outcome == .regression || (outcome == .uncomparable && current.isNaN != baseline.isNaN)
    }

    /// `current − baseline`, in the metric's unit.
    public var delta: Double { current - baseline }

    /// The change in percent of |baseline|; `nil` when the baseline is zero or not finite.
    public var deltaPercent: Double? {
        guard baseline != 0, baseline.isFinite, current.isFinite else { return nil }
        return delta / abs(baseline) * 100
    }

    /// The largest change still judged unchanged: `max(relative × |baseline|, absolute)`.
    public var allowedChange: Double { tolerance.allowedChange(baseline: baseline) }

    /// Judges one metric; the whole rule of the gate lives here.
    ///
    /// Equal values (including two infinities) are unchanged. A NaN on either side is
    /// uncomparable: the gate cannot tell better from worse, and says so rather than passing
    /// silently (``GateVerdict/decision`` fails on a NaN on one side only).
    public init(name: String, baseline: Double, current: Double, polarity: Polarity, tolerance: Tolerance, unit: String) {
        self.name = name
        self.baseline = baseline
        self.current = current
        self.polarity = polarity
        self.tolerance = tolerance
        self.unit = unit
        self.outcome = Self.judge(baseline: baseline, current: current, polarity: polarity, tolerance: tolerance)
    }

    private static func judge(baseline: Double, current: Double, polarity: Polarity, tolerance: Tolerance) -> Outcome {
        if current.isNaN || baseline.isNaN { return .uncomparable }
        if current == baseline { return .unchanged }
        let allowed = tolerance.allowedChange(baseline: baseline)
        let delta = current - baseline
        // "worse" is the change in the bad direction; for `match` both directions are bad.
        switch polarity {
        case .lowerIsBetter:
            if delta > allowed { return .regression }
            if -delta > allowed { return .improvement }
        case .higherIsBetter:
            if -delta > allowed { return .regression }
            if delta > allowed { return .improvement }
        case .matchBaseline:
            if abs(delta) > allowed { return .regression }
        }
        return .unchanged
    }
}
