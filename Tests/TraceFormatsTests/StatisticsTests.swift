import DiscreteEvent
import Foundation
import Serving
import Testing
import TraceFormats

@Suite("trace statistics")
struct StatisticsTests {
    func request(_ seconds: Double, input: Int, output: Int = 1, hashes: [UInt64] = []) -> ServingRequest {
        ServingRequest(
            id: 0, arrival: SimTime(nanoseconds: ns(seconds)), inputTokens: input, outputTokens: output,
            prefixBlockHashes: hashes, origin: InputLocation(file: "-", line: 1))
    }

    @Test("counts, span, rates, ties and nearest-rank percentiles")
    func basics() {
        var statistics = TraceStatistics()
        // 100 requests with inputs 1…100; arrivals: three at 0 s, the rest one per 0.5 s.
        for index in 0..<100 {
            let time = index < 3 ? 0 : Double(index - 2) * 0.5
            statistics.add(request(time, input: 100 - index, output: index % 10))
        }
        let summary = statistics.summary
        #expect(summary.requests == 100)
        #expect(summary.spanSeconds == 48.5)
        #expect(summary.ties == 2)
        #expect(summary.peakRatePerSecond == 4)  // [0, 1): three at 0 and one at 0.5
        #expect(summary.peakRatePerMinute == 100)
        #expect(abs((summary.meanRatePerSecond ?? 0) - 100 / 48.5) < 1e-9)
        #expect(summary.inputTokens == LengthSummary(p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5))
        #expect(summary.outputTokens?.max == 9)
        #expect(summary.prefixReuseRatio == nil)
    }

    @Test("reuse counts the leading run of blocks seen before")
    func reuse() {
        var statistics = TraceStatistics()
        statistics.add(request(0, input: 1, hashes: [1, 2, 3]))
        statistics.add(request(1, input: 1, hashes: [1, 2, 4]))  // 2 reusable
        statistics.add(request(2, input: 1, hashes: [5, 3]))  // 0: 3 was seen, but not after a shared prefix
        let summary = statistics.summary
        #expect(summary.prefixBlocks == 8)
        #expect(summary.distinctPrefixBlocks == 5)
        #expect(summary.prefixReuseRatio == 2.0 / 8.0)
    }

    @Test("JSON uses the documented keys and writes null where there is no value")
    func json() throws {
        var statistics = TraceStatistics()
        statistics.add(request(0, input: 5))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try #require(
            try JSONSerialization.jsonObject(with: encoder.encode(statistics.summary)) as? [String: Any])
        for key in ["requests", "span_s", "input_tokens", "output_tokens", "prefix_reuse_ratio", "peak_rate_per_s",
            "peak_rate_per_min", "mean_rate_per_s", "ties"]
        {
            #expect(object.keys.contains(key), "missing \(key)")
        }
        #expect(object["prefix_reuse_ratio"] is NSNull)
        let input = try #require(object["input_tokens"] as? [String: Any])
        #expect(Set(input.keys) == ["p50", "p90", "p99", "max", "mean"])
        let decoded = try JSONDecoder().decode(TraceSummary.self, from: encoder.encode(statistics.summary))
        #expect(decoded == statistics.summary)
    }
}
