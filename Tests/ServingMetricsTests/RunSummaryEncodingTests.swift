import Foundation
import ServingMetrics
import Testing

@Suite struct RunSummaryEncodingTests {
    @Test func encodesStableKeysWithNullsForUnknowns() throws {
        var metrics = MetricsAccumulator()
        metrics.record(completed(arrival: 0, start: 0, firstToken: 10, finish: 30, output: 3))
        let data = try JSONEncoder().encode(metrics.summary())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "completed_requests", "rejected_requests", "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms", "queueing_ms",
            "request_throughput_rps", "input_tokens_per_s", "output_tokens_per_s", "output_tokens_per_s_per_accelerator",
            "output_tokens_per_s_per_die", "goodput_rps", "slo_attainment", "prefix_cache_hit_rate", "prefix_cache_token_hit_rate", "duration_s",
        ] {
            #expect(object.keys.contains(key), "missing \(key)")
        }
        #expect(object["output_tokens_per_s_per_die"] is NSNull)
        #expect(object["goodput_rps"] is NSNull)
        #expect(object["prefix_cache_hit_rate"] is NSNull)  // no prefix blocks named: no block hit rate
        let ttft = try #require(object["ttft_ms"] as? [String: Any])
        #expect(Set(ttft.keys) == ["count", "mean", "p50", "p90", "p95", "p99", "p99_9"])
        let decoded = try JSONDecoder().decode(RunSummary.self, from: data)
        #expect(decoded == metrics.summary())
    }

    @Test func requestRowsQuoteWhatNeedsQuoting() {
        let row = RequestRow(rejected(id: 4, arrival: 1500, code: "full", message: "queue \"A\", full"))
        #expect(RequestRow.header.count == row.fields.count)
        #expect(row.csvLine == "4,1.5,,,,,100,0,0,rejected,\"full: queue \"\"A\"\", full\",t.csv:6")
        let done = RequestRow(completed(id: 1, arrival: 0, start: 5, firstToken: 10, finish: 30, output: 3))
        #expect(done.fields == ["1", "0.0", "10.0", "10.0", "30.0", "5.0", "100", "3", "0", "completed", "", "t.csv:3"])
    }
}
