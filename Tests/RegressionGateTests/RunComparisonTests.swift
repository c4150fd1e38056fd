import Testing

@testable import RegressionGate

@Suite struct RunComparisonTests {
    func run(_ source: String, sha: String? = "abc", requests: Double? = 100) -> RunComparison.Run {
        RunComparison.Run(source: source, command: "replay", backend: "fixed", trace: "t.csv", traceSHA256: sha, totalRequests: requests)
    }

    @Test func everyMetricOfEitherRunIsARowWithItsDifferenceAndRelativeError() {
        let comparison = RunComparison(
            a: run("a"), metricsA: ["ttft_ms.p50": 200, "tpot_ms.p50": 20, "only.a": 1],
            b: run("b"), metricsB: ["ttft_ms.p50": 250, "tpot_ms.p50": 15, "only.b": 2])
        #expect(comparison.rows.map(\.name) == ["only.a", "only.b", "tpot_ms.p50", "ttft_ms.p50"])
        let ttft = comparison.rows[3]
        #expect(ttft.presence == .both && ttft.difference == 50 && ttft.relativeErrorPercent == 25)
        #expect(comparison.rows[2].relativeErrorPercent == -25)
        #expect(comparison.rows[0].presence == .onlyA && comparison.rows[0].difference == nil && comparison.rows[0].relativeErrorPercent == nil)
        #expect(comparison.rows[1].presence == .onlyB && comparison.rows[1].a == nil && comparison.rows[1].b == 2)
        #expect(comparison.common.map(\.name) == ["tpot_ms.p50", "ttft_ms.p50"])
    }

    /// No relative error from a zero reference or a side without a number; the difference of a
    /// zero reference still shows.
    @Test func relativeErrorIsUndefinedForAZeroOrMissingNumber() {
        #expect(RunComparison.Row(name: "x", a: 0, b: 3).relativeErrorPercent == nil)
        #expect(RunComparison.Row(name: "x", a: 0, b: 3).difference == 3)
        #expect(RunComparison.Row(name: "x", a: .nan, b: 3).relativeErrorPercent == nil)
        #expect(RunComparison.Row(name: "x", a: 4, b: .infinity).relativeErrorPercent == nil)
        #expect(RunComparison.Row(name: "x", a: -4, b: -2).relativeErrorPercent == 50)
        #expect(RunComparison.formatPercent(RunComparison.Row(name: "x", a: 0, b: 3).relativeErrorPercent) == "n/a")
        #expect(RunComparison.format(nil) == "—" && RunComparison.formatSigned(-0.5) == "-0.5")
    }

    @Test func differentTraceDigestOrRequestCountIsAMismatch() {
        let same = RunComparison(a: run("a"), metricsA: [:], b: run("b"), metricsB: [:])
        #expect(same.traceMismatches.isEmpty && same.traceWarning == nil)

        let digest = RunComparison(a: run("a", sha: "1111111111111111"), metricsA: [:], b: run("b", sha: "2222"), metricsB: [:])
        #expect(digest.traceMismatches == ["trace sha256 differs (A 111111111111… t.csv, B 2222 t.csv)"])

        let count = RunComparison(a: run("a", requests: 100), metricsA: [:], b: run("b", requests: 50), metricsB: [:])
        #expect(count.traceMismatches == ["total_requests differs (A 100, B 50)"])
        #expect(count.traceWarning?.hasPrefix("the two runs did not replay the same trace: total_requests differs") == true)
    }

    /// A fact only one run records is not a difference: a flat {"metrics": …} has no provenance.
    @Test func unrecordedFactsAreNotMismatches() {
        let comparison = RunComparison(a: run("a", sha: nil, requests: nil), metricsA: [:], b: run("b"), metricsB: [:])
        #expect(comparison.traceMismatches.isEmpty)
    }
}
