import Testing

@testable import RegressionGate

@Suite struct CompareTests {
    let policy = GatePolicy(defaultTolerance: Tolerance(relativePercent: 2, absolute: 5))

    func outcome(_ name: String, baseline: Double, current: Double, policy: GatePolicy? = nil)
        -> MetricComparison.Outcome?
    {
        compare(current: [name: current], baseline: [name: baseline], policy: policy ?? self.policy)
            .comparisons.first?.outcome
    }

    @Test func allowedChangeIsTheLargerOfRelativeAndAbsolute() {
        let tolerance = Tolerance(relativePercent: 2, absolute: 5)
        #expect(tolerance.allowedChange(baseline: 100) == 5)  // 2 % of 100 = 2 < 5
        #expect(tolerance.allowedChange(baseline: 1000) == 20)  // 2 % of 1000 = 20 > 5
        #expect(tolerance.allowedChange(baseline: -1000) == 20)
        #expect(Tolerance(relativePercent: 0).allowedChange(baseline: 7) == 0)
    }

    @Test func lowerIsBetterLatency() {
        #expect(outcome("ttft_p99_ms", baseline: 1000, current: 1020) == .unchanged)  // exactly at the edge
        #expect(outcome("ttft_p99_ms", baseline: 1000, current: 1020.001) == .regression)
        #expect(outcome("ttft_p99_ms", baseline: 1000, current: 979) == .improvement)
        // A small metric: +50 % but only +3 ms, under the 5 ms floor.
        #expect(outcome("queue_p50_ms", baseline: 6, current: 9) == .unchanged)
        #expect(outcome("queue_p50_ms", baseline: 6, current: 11.5) == .regression)
    }

    @Test func higherIsBetterThroughputFlipsTheSign() {
        #expect(outcome("decode_tokens_per_s", baseline: 1000, current: 970) == .regression)
        #expect(outcome("decode_tokens_per_s", baseline: 1000, current: 1030) == .improvement)
        #expect(outcome("decode_tokens_per_s", baseline: 1000, current: 990) == .unchanged)
    }

    @Test func matchPolarityFailsBothWays() {
        #expect(outcome("requests_completed", baseline: 1000, current: 1030) == .regression)
        #expect(outcome("requests_completed", baseline: 1000, current: 970) == .regression)
        #expect(outcome("requests_completed", baseline: 1000, current: 1010) == .unchanged)
    }

    @Test func zeroToleranceMakesAnyChangeCount() {
        let strict = GatePolicy(defaultTolerance: Tolerance(relativePercent: 0))
        #expect(outcome("ttft_p99_ms", baseline: 100, current: 100.000001, policy: strict) == .regression)
        #expect(outcome("ttft_p99_ms", baseline: 100, current: 100, policy: strict) == .unchanged)
        #expect(outcome("ttft_p99_ms", baseline: 0, current: 0, policy: strict) == .unchanged)
    }

    @Test func nonFiniteValues() {
        #expect(outcome("ttft_p99_ms", baseline: .nan, current: .nan) == .uncomparable)
        #expect(outcome("ttft_p99_ms", baseline: 10, current: .nan) == .uncomparable)
        #expect(outcome("goodput_rps", baseline: .nan, current: 10) == .uncomparable)
        #expect(outcome("ttft_p99_ms", baseline: 10, current: .infinity) == .regression)
        #expect(outcome("ttft_p99_ms", baseline: .infinity, current: .infinity) == .unchanged)
        #expect(outcome("ttft_p99_ms", baseline: .infinity, current: 10) == .improvement)
    }

    @Test func deltasAreReported() throws {
        let row = try #require(
            compare(current: ["ttft_p99_ms": 131], baseline: ["ttft_p99_ms": 120], policy: policy).comparisons.first)
        #expect(row.delta == 11)
        #expect(abs(row.deltaPercent! - 9.1666666) < 1e-6)
        #expect(row.allowedChange == 5)
        #expect(row.unit == "ms")
        let zeroBaseline = MetricComparison(
            name: "x", baseline: 0, current: 1, polarity: .lowerIsBetter, tolerance: .deterministic, unit: "")
        #expect(zeroBaseline.deltaPercent == nil)
    }

    @Test func missingMetricsAreReportedAndFailByDefault() {
        let verdict = compare(
            current: ["ttft_p99_ms": 100, "new_metric_ms": 1],
            baseline: ["ttft_p99_ms": 100, "goodput_rps": 10], policy: policy)
        #expect(verdict.missingInCurrent == ["goodput_rps"])
        #expect(verdict.missingInBaseline == ["new_metric_ms"])
        #expect(verdict.decision == .regression)
        #expect(verdict.exitStatus == 2)

        var lenient = policy
        lenient.failOnMissingMetric = false
        let relaxed = compare(current: ["ttft_p99_ms": 100], baseline: ["ttft_p99_ms": 100, "goodput_rps": 10], policy: lenient)
        #expect(relaxed.decision == .unchanged)
        #expect(relaxed.exitStatus == 0)
    }

    @Test func decisionAndExitStatus() {
        let baseline: [String: Double] = ["ttft_p99_ms": 100, "goodput_rps": 10, "tpot_p50_ms": 50]
        let same = compare(current: baseline, baseline: baseline, policy: policy)
        #expect(same.decision == .unchanged && same.exitStatus == 0)
        #expect(same.unchanged.count == 3)

        let better = compare(current: ["ttft_p99_ms": 100, "goodput_rps": 20, "tpot_p50_ms": 50], baseline: baseline, policy: policy)
        #expect(better.decision == .improved && better.exitStatus == 0)

        let mixed = compare(current: ["ttft_p99_ms": 200, "goodput_rps": 20, "tpot_p50_ms": 50], baseline: baseline, policy: policy)
        #expect(mixed.decision == .regression && mixed.exitStatus == 2)
        #expect(mixed.regressions.map(\.name) == ["ttft_p99_ms"])
        #expect(mixed.improvements.map(\.name) == ["goodput_rps"])
        #expect(mixed.comparisons.map(\.name) == ["goodput_rps", "tpot_p50_ms", "ttft_p99_ms"])  // sorted
    }

    /// A metric without a number is listed, never dropped or passed: with a number on one side
    /// only it fails the gate; with none on either side it is reported and not gated.
    @Test func uncomparableMetricsAreCountedAndFailWhenOneSided() {
        let oneSided = compare(current: ["ttft_p99_ms": 100, "goodput_rps": 10], baseline: ["ttft_p99_ms": 100, "goodput_rps": .nan], policy: policy)
        #expect(oneSided.uncomparable.map(\.name) == ["goodput_rps"])
        #expect(oneSided.regressions.isEmpty)
        #expect(oneSided.decision == .regression && oneSided.exitStatus == 2)
        #expect(oneSided.nothingComparedReason == nil)

        let neither = compare(current: ["ttft_p99_ms": 100, "goodput_rps": .nan], baseline: ["ttft_p99_ms": 100, "goodput_rps": .nan], policy: policy)
        #expect(neither.uncomparable.map(\.name) == ["goodput_rps"])
        #expect(neither.decision == .unchanged)
    }

    @Test(arguments: [
        ([:], [:], "neither the current run nor the baseline has any metric"),
        (["a_ms": 1], [:], "the baseline has no metrics"),
        ([:], ["a_ms": 1], "the current run has no metrics"),
        (["a_ms": 1], ["b_ms": 1], "no metric is in both runs (baseline: b_ms; current: a_ms)"),
        (["a_ms": .nan], ["a_ms": 1], "no metric in both runs has a number on both sides (a_ms)"),
    ] as [([String: Double], [String: Double], String)])
    func nothingComparedIsNotAPass(current: [String: Double], baseline: [String: Double], reason: String) {
        #expect(compare(current: current, baseline: baseline, policy: policy).nothingComparedReason == reason)
    }

    @Test func thresholdsForMetricsInNeitherRunAreReported() {
        var named = policy
        named.metrics = ["ttft_p99_ms": MetricPolicy(polarity: .lowerIsBetter), "ttft_p99_msec": MetricPolicy(polarity: .lowerIsBetter)]
        let verdict = compare(current: ["ttft_p99_ms": 1], baseline: ["ttft_p99_ms": 1], policy: named)
        #expect(verdict.unusedThresholds == ["ttft_p99_msec"])
    }
}
