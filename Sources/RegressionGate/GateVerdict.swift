/// The result of gating a current run against a baseline: every metric judged, and a decision.
///
/// A value, printed and tested separately from exiting (package-benchmark's
/// `ThresholdDeviations`): the CLI turns ``exitStatus`` into the process status.
public struct GateVerdict: Sendable, Hashable {
    /// Every metric present on both sides, sorted by name.
    public var comparisons: [MetricComparison]
    /// Baseline metrics absent from the current run, sorted.
    public var missingInCurrent: [String]
    /// Current metrics absent from the baseline (new metrics), sorted; never a failure.
    public var missingInBaseline: [String]
    /// Whether ``missingInCurrent`` fails the gate (from the policy's `missing_metric`).
    public var missingMetricsFail: Bool
    /// Metrics the thresholds file sets that neither run has, sorted: most likely a typo, since
    /// their thresholds took no effect.
    public var unusedThresholds: [String]

    public init(
        comparisons: [MetricComparison], missingInCurrent: [String], missingInBaseline: [String],
        missingMetricsFail: Bool, unusedThresholds: [String] = []
    ) {
        self.comparisons = comparisons
        self.missingInCurrent = missingInCurrent
        self.missingInBaseline = missingInBaseline
        self.missingMetricsFail = missingMetricsFail
        self.unusedThresholds = unusedThresholds
    }

    public var regressions: [MetricComparison] { comparisons.filter { $0.outcome == .regression } }
    public var improvements: [MetricComparison] { comparisons.filter { $0.outcome == .improvement } }
    public var unchanged: [MetricComparison] { comparisons.filter { $0.outcome == .unchanged } }
    /// Metrics in both runs with no number on at least one side (see ``MetricComparison/Outcome/uncomparable``).
    public var uncomparable: [MetricComparison] { comparisons.filter { $0.outcome == .uncomparable } }

    /// Why no metric was judged, or `nil` when at least one was: a gate that compared nothing
    /// has not passed, and the CLI refuses its input (exit 65) with this reason.
    public var nothingComparedReason: String? {
        guard comparisons.allSatisfy({ $0.outcome == .uncomparable }) else { return nil }
        let baselineCount = comparisons.count + missingInCurrent.count
        let currentCount = comparisons.count + missingInBaseline.count
        if baselineCount == 0 && currentCount == 0 { return "neither the current run nor the baseline has any metric" }
        if baselineCount == 0 { return "the baseline has no metrics" }
        if currentCount == 0 { return "the current run has no metrics" }
        if comparisons.isEmpty {
            return "no metric is in both runs (baseline: \(Self.sample(missingInCurrent)); current: \(Self.sample(missingInBaseline)))"
        }
        return "no metric in both runs has a number on both sides (\(Self.sample(comparisons.map(\.name))))"
    }

    /// The first few names and how many there are: `a, b, c … (120)`.
    private static func sample(_ names: [String]) -> String {
        let shown = names.prefix(3).joined(separator: ", ")
        return names.count > 3 ? "\(shown) … (\(names.count))" : shown
    }

    /// The overall decision.
    public enum Decision: String, Sendable, Hashable {
        /// At least one regression, a metric with a number on one side only, or a baseline
        /// metric that disappeared under `missing_metric: fail`.
        case regression
        /// No regression, but something improved beyond tolerance: the baseline should be updated.
        case improved
        /// Everything within tolerance.
        case unchanged
    }

    public var decision: Decision {
        if comparisons.contains(where: \.failsGate) || (missingMetricsFail && !missingInCurrent.isEmpty) { return .regression }
        if !improvements.isEmpty { return .improved }
        return .unchanged
    }

    /// The process exit status the CLI should use: 2 on regression (package-benchmark's
    /// `thresholdRegression`), otherwise 0. Improvements pass; they are reported for a
    /// deliberate baseline update.
    public var exitStatus: Int32 { decision == .regression ? 2 : 0 }
}

/// Compares the current run's metrics with the baseline's under a policy.
///
/// Pure: no I/O, no clock. Metric names are free-form strings, so any summary (a replay,
/// a sweep point, a cost estimate) can be gated.
///
/// ```swift
/// let verdict = compare(
///     current: ["ttft_p99_ms": 131, "goodput_rps": 9.8],
///     baseline: ["ttft_p99_ms": 120, "goodput_rps": 10.0],
///     policy: try GatePolicy(json: thresholdsData))
/// print(GateReport.markdown(verdict))   // in the CLI
/// exitStatus = verdict.exitStatus       // 2: ttft_p99_ms regressed
/// ```
public func compare(current: [String: Double], baseline: [String: Double], policy: GatePolicy) -> GateVerdict {
    let shared = Set(current.keys).intersection(baseline.keys).sorted()
    let comparisons = shared.map { name in
        MetricComparison(
            name: name, baseline: baseline[name]!, current: current[name]!,
            polarity: policy.polarity(for: name), tolerance: policy.tolerance(for: name), unit: policy.unit(for: name))
    }
    return GateVerdict(
        comparisons: comparisons,
        missingInCurrent: Set(baseline.keys).subtracting(current.keys).sorted(),
        missingInBaseline: Set(current.keys).subtracting(baseline.keys).sorted(),
        missingMetricsFail: policy.failOnMissingMetric,
        unusedThresholds: policy.metrics.keys.filter { current[$0] == nil && baseline[$0] == nil }.sorted())
}
