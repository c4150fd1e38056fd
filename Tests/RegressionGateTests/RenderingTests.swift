import Foundation
import Testing

@testable import RegressionGate

@Suite struct RenderingTests {
    let verdict = compare(
        current: ["ttft_p99_ms": 131, "goodput_rps": 10.5, "tpot_p50_ms": 50, "new_ms": 1],
        baseline: ["ttft_p99_ms": 120, "goodput_rps": 10, "tpot_p50_ms": 50, "gone_rps": 3],
        policy: GatePolicy(defaultTolerance: Tolerance(relativePercent: 2, absolute: 0)))

    @Test func markdownPutsRegressionsFirst() {
        let text = GateReport.markdown(verdict, title: "replay a|b")
        #expect(text.hasPrefix("### replay a\\|b: ❌ regression\n"))
        #expect(text.contains("1 regression, 1 improvement, 1 unchanged, 1 missing (fails the gate), 1 new."))
        let regression = text.range(of: "`ttft_p99_ms`")!
        let improvement = text.range(of: "`goodput_rps`")!
        #expect(regression.lowerBound < improvement.lowerBound)
        #expect(text.contains("| ❌ regression | `ttft_p99_ms` (lower is better) | 120 ms | 131 ms | +11 | +9.17 % | ±2.4 (2 %, ≥ 0) |"))
        #expect(text.contains("Missing from the current run (fails the gate): `gone_rps`"))
        #expect(text.contains("New in the current run (not in the baseline, not gated): `new_ms`"))
        #expect(!text.contains("tpot_p50_ms"))  // unchanged metrics are only counted
        #expect(GateReport.markdown(verdict, includeUnchanged: true).contains("`tpot_p50_ms`"))
    }

    @Test func uncomparableAndUnusedThresholdsAreListed() {
        var policy = GatePolicy.deterministic
        policy.metrics["typo_ms"] = MetricPolicy(polarity: .lowerIsBetter)
        let verdict = compare(
            current: ["a_ms": 1, "b_ms": .nan, "c_ms": 2], baseline: ["a_ms": 1, "b_ms": .nan, "c_ms": .nan], policy: policy)
        let text = GateReport.markdown(verdict)
        #expect(text.hasPrefix("### cmbench gate: ❌ regression\n"))
        #expect(text.contains("0 regressions, 0 improvements, 1 unchanged, 2 uncomparable (1 with a number on one side only: fails the gate)."))
        #expect(text.contains("| ❌ uncomparable | `c_ms` (lower is better) | NaN ms | 2 ms |"))
        #expect(text.contains("No number in either run (nothing to compare, not gated): `b_ms`"))
        #expect(text.contains("Thresholds for metrics in neither run (no effect; check the names): `typo_ms`"))
    }

    @Test func passingMarkdown() {
        let same = compare(current: ["a_ms": 1], baseline: ["a_ms": 1], policy: .deterministic)
        #expect(GateReport.markdown(same) == "### cmbench gate: ✅ passed\n\n0 regressions, 0 improvements, 1 unchanged.\n")
    }

    @Test(arguments: [
        (131.0, "131"), (0.0125, "0.0125"), (98234.56789, "98234.6"), (1.0 / 3.0, "0.333333"),
        (-2.5, "-2.5"), (0, "0"), (1e-7, "1e-07"), (3e14, "3e+14"),
    ])
    func numbers(value: Double, text: String) {
        #expect(NumberText.format(value) == text)
    }

    @Test func githubActionBenchmarkFiles() throws {
        let metrics: [String: Double] = [
            "ttft_p99_ms": 131, "goodput_rps": 10.5, "requests_completed": 100, "tpot_p50_ms": .nan,
        ]
        let smaller = GitHubActionBenchmark.entries(metrics, policy: .deterministic, tool: .customSmallerIsBetter, namePrefix: "azure/")
        let bigger = GitHubActionBenchmark.entries(metrics, policy: .deterministic, tool: .customBiggerIsBetter)
        #expect(smaller == [.init(name: "azure/ttft_p99_ms", unit: "ms", value: 131)])
        #expect(bigger == [.init(name: "goodput_rps", unit: "rps", value: 10.5)])
        let text = GitHubActionBenchmark.json(smaller)
        #expect(text == "[\n  {\n    \"name\" : \"azure/ttft_p99_ms\",\n    \"unit\" : \"ms\",\n    \"value\" : 131\n  }\n]\n")
        // What the action parses: an array of objects with name, unit and a numeric value.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["value"] as? Double == 131)
    }
}
