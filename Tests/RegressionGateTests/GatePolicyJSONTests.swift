import Foundation
import Testing

@testable import RegressionGate

@Suite struct GatePolicyJSONTests {
    func parse(_ text: String) throws(GatePolicyError) -> GatePolicy {
        try GatePolicy(json: Data(text.utf8))
    }

    @Test func fullDocument() throws {
        let policy = try parse(
            """
            {
              "$comment": "thresholds for the shipped traces",
              "default": {"relative_pct": 1, "absolute": 0.5},
              "missing_metric": "report",
              "suffixes": {"_usd": "lower", "_tokens": "higher"},
              "metrics": {
                "ttft_p99_ms": {"relative_pct": 2, "absolute": 5, "polarity": "lower", "unit": "ms"},
                "requests_completed": {"polarity": "match", "relative_pct": 0},
                "tpot_p50_ms": {"absolute": 1}
              }
            }
            """)
        #expect(policy.defaultTolerance == Tolerance(relativePercent: 1, absolute: 0.5))
        #expect(policy.failOnMissingMetric == false)
        #expect(policy.tolerance(for: "ttft_p99_ms") == Tolerance(relativePercent: 2, absolute: 5))
        #expect(policy.tolerance(for: "requests_completed") == Tolerance(relativePercent: 0, absolute: 0.5))
        #expect(policy.tolerance(for: "tpot_p50_ms") == Tolerance(relativePercent: 1, absolute: 1))
        #expect(policy.tolerance(for: "unlisted_ms") == policy.defaultTolerance)
        #expect(policy.polarity(for: "requests_completed") == .matchBaseline)
        #expect(policy.polarity(for: "prefill_tokens") == .higherIsBetter)
        #expect(policy.unit(for: "ttft_p99_ms") == "ms")
    }

    @Test func emptyObjectIsTheBuiltInPolicy() throws {
        #expect(try parse("{}") == GatePolicy.deterministic)
    }

    @Test(arguments: [
        ("{\"default\": {\"relative_percent\": 1}}", "default.relative_percent"),
        ("{\"metrics\": {\"a_ms\": {\"relative_pct\": -1}}}", "metrics.a_ms.relative_pct"),
        ("{\"metrics\": {\"a_ms\": {\"absolute\": true}}}", "metrics.a_ms.absolute"),
        ("{\"metrics\": {\"a_ms\": {\"polarity\": \"smaller\"}}}", "metrics.a_ms.polarity"),
        ("{\"metrics\": {\"a_ms\": {\"unit\": 3}}}", "metrics.a_ms.unit"),
        ("{\"metrics\": {\"a_ms\": 3}}", "metrics.a_ms"),
        ("{\"missing_metric\": \"ignore\"}", "missing_metric"),
        ("{\"thresholds\": {}}", "thresholds"),
        ("[1, 2]", ""),
    ])
    func badDocumentsNameThePath(text: String, path: String) {
        #expect(throws: GatePolicyError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.path == path, "\(error)")
        }
    }

    @Test func invalidJSONSaysSo() {
        do {
            _ = try parse("{\"default\": ")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("invalid JSON"))
        }
    }

    @Test func shippedExampleParses() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("results/thresholds/example.json")
        let policy = try GatePolicy(json: Data(contentsOf: url))
        #expect(policy.polarity(for: "output_tokens_per_s_per_accelerator") == .higherIsBetter)
    }
}
