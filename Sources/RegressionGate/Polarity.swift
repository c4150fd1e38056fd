/// Which direction of change is good for a metric.
///
/// The gate flips the sign of a change by polarity, as package-benchmark's
/// `BenchmarkMetric.Polarity` does, so one tolerance rule serves latencies and throughputs.
public enum Polarity: String, Sendable, Hashable, CaseIterable, Codable {
    /// Smaller values are better: latencies, costs, memory (`ttft_p99_ms`).
    case lowerIsBetter = "lower"
    /// Larger values are better: throughput, goodput, SLO attainment, cache hit rate.
    case higherIsBetter = "higher"
    /// Neither direction is better: any change beyond tolerance fails (counts such as
    /// `requests_completed`, where a change means the simulation did something different).
    case matchBaseline = "match"

    /// A human phrase for tables: "lower is better".
    public var phrase: String {
        switch self {
        case .lowerIsBetter: "lower is better"
        case .higherIsBetter: "higher is better"
        case .matchBaseline: "must match baseline"
        }
    }

    /// The polarity implied by a metric's name, or `nil` when the name says nothing.
    ///
    /// The built-in rule, checked in this order on the `_`-separated words of the name:
    /// 1. **higher is better** when the name contains `per_s`, `per_sec`, `rps`, `tps`, `qps`,
    ///    `goodput`, `throughput`, `attainment` or `hit_rate`
    ///    (`output_tokens_per_s_per_accelerator`, `goodput_rps`, `prefix_hit_rate`);
    /// 2. **lower is better** when the last word is a time unit (`ns`, `us`, `ms`, `s`, `sec`,
    ///    `seconds`) or a cost (`usd`), or the name contains `latency`, `ttft`, `tpot`, `itl` or `e2e`.
    ///
    /// Rates are tested first because `tokens_per_s` also ends in a time unit.
    /// A thresholds file overrides this rule per metric or per suffix (see ``GatePolicy``).
    public static func inferred(fromName name: String) -> Polarity? {
        let words = name.lowercased().split(separator: "_").map(String.init)
        func containsRun(_ run: [String]) -> Bool {
            guard words.count >= run.count else { return false }
            for start in 0...(words.count - run.count) where Array(words[start..<start + run.count]) == run {
                return true
            }
            return false
        }
        let higherWords: Set<String> = ["rps", "tps", "qps", "goodput", "throughput", "attainment"]
        if containsRun(["per", "s"]) || containsRun(["per", "sec"]) || containsRun(["hit", "rate"])
            || words.contains(where: higherWords.contains)
        {
            return .higherIsBetter
        }
        let lowerLastWords: Set<String> = ["ns", "us", "ms", "s", "sec", "seconds", "usd"]
        let lowerWords: Set<String> = ["latency", "ttft", "tpot", "itl", "e2e"]
        if let last = words.last, lowerLastWords.contains(last) { return .lowerIsBetter }
        if words.contains(where: lowerWords.contains) { return .lowerIsBetter }
        return nil
    }
}
