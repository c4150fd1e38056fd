import Foundation

/// What the gate needs to know about one metric beyond its value: polarity, tolerance, unit.
public struct MetricPolicy: Sendable, Hashable {
    public var polarity: Polarity?
    public var tolerance: Tolerance?
    /// The unit shown in reports and in github-action-benchmark files (`ms`, `tokens/s`).
    public var unit: String?

    public init(polarity: Polarity? = nil, tolerance: Tolerance? = nil, unit: String? = nil) {
        self.polarity = polarity
        self.tolerance = tolerance
        self.unit = unit
    }
}

/// Thresholds and polarities for the gate: defaults, per-suffix and per-metric overrides.
///
/// Users check this in as JSON (`results/thresholds/*.json`). The schema, every key optional:
///
/// ```json
/// {
///   "$comment": "keys starting with $ are ignored",
///   "default": { "relative_pct": 0.1, "absolute": 0 },
///   "missing_metric": "fail",
///   "suffixes": { "_usd": "lower", "_tokens": "higher" },
///   "metrics": {
///     "ttft_p99_ms": { "relative_pct": 2, "absolute": 5, "polarity": "lower", "unit": "ms" },
///     "requests_completed": { "polarity": "match", "relative_pct": 0 }
///   }
/// }
/// ```
///
/// - `default`: the ``Tolerance`` for metrics not listed (built-in: 0.1 % relative, 0 absolute).
///   A metric entry that gives only one of `relative_pct`/`absolute` takes the other from here.
/// - `polarity`: `"lower"`, `"higher"` or `"match"` (any change beyond tolerance fails).
///   Resolution order: `metrics.<name>.polarity`, then the longest matching key of `suffixes`,
///   then ``Polarity/inferred(fromName:)``, then `match`.
/// - `missing_metric`: `"fail"` (default) makes a baseline metric absent from the current run a
///   failure, so a metric cannot silently disappear; `"report"` only lists it. Metrics new in the
///   current run are always listed and never fail.
/// Unknown keys are errors, so a typo (`relative_percent`) cannot silently fall back to defaults.
public struct GatePolicy: Sendable, Hashable {
    public var defaultTolerance: Tolerance
    public var metrics: [String: MetricPolicy]
    /// Name suffix → polarity, checked before the built-in name rule.
    public var suffixPolarities: [String: Polarity]
    /// Whether a baseline metric missing from the current run fails the gate.
    public var failOnMissingMetric: Bool

    public init(
        defaultTolerance: Tolerance = .deterministic,
        metrics: [String: MetricPolicy] = [:],
        suffixPolarities: [String: Polarity] = [:],
        failOnMissingMetric: Bool = true
    ) {
        self.defaultTolerance = defaultTolerance
        self.metrics = metrics
        self.suffixPolarities = suffixPolarities
        self.failOnMissingMetric = failOnMissingMetric
    }

    /// The built-in policy: 0.1 % relative tolerance everywhere, polarity from names.
    public static let deterministic = GatePolicy()

    /// The polarity of `name`: the metric's own entry, then suffixes, then the name rule, then `match`.
    public func polarity(for name: String) -> Polarity {
        if let explicit = metrics[name]?.polarity { return explicit }
        let suffix = suffixPolarities.keys
            .filter { name.hasSuffix($0) }
            .max { ($0.count, $1) < ($1.count, $0) }  // longest wins; ties broken by name for determinism
        if let suffix, let polarity = suffixPolarities[suffix] { return polarity }
        return Polarity.inferred(fromName: name) ?? .matchBaseline
    }

    /// The tolerance of `name`: its own entry or the default.
    public func tolerance(for name: String) -> Tolerance {
        metrics[name]?.tolerance ?? defaultTolerance
    }

    /// The unit of `name`: its own entry, else the last `_` word when it is a known unit, else "".
    public func unit(for name: String) -> String {
        if let unit = metrics[name]?.unit { return unit }
        let last = name.split(separator: "_").last.map(String.init) ?? ""
        let knownUnits: Set<String> = ["ns", "us", "ms", "s", "pct", "usd", "bytes", "kb", "mb", "gb", "rps", "tps", "qps"]
        if knownUnits.contains(last) { return last }
        if name.contains("_per_s") { return "1/s" }
        return ""
    }
}
