import Testing

@testable import RegressionGate

@Suite struct PolarityTests {
    @Test(arguments: [
        ("ttft_p99_ms", Polarity.lowerIsBetter),
        ("tpot_p50_ms", .lowerIsBetter),
        ("e2e_latency_p90_s", .lowerIsBetter),
        ("wall_time_seconds", .lowerIsBetter),
        ("cost_per_million_tokens_usd", .lowerIsBetter),
        ("output_tokens_per_s_per_accelerator", .higherIsBetter),
        ("decode_tokens_per_s", .higherIsBetter),
        ("goodput_rps", .higherIsBetter),
        ("request_goodput", .higherIsBetter),
        ("slo_attainment", .higherIsBetter),
        ("ttft_slo_attainment_pct", .higherIsBetter),
        ("prefix_hit_rate", .higherIsBetter),
        ("prefill_throughput_per_npu", .higherIsBetter),
    ])
    func nameRule(name: String, expected: Polarity) {
        #expect(Polarity.inferred(fromName: name) == expected)
    }

    @Test(arguments: ["requests_completed", "peak_queue_depth", "msgs"])
    func namesThatSayNothingHaveNoPolarity(name: String) {
        #expect(Polarity.inferred(fromName: name) == nil)
    }

    @Test func policyResolutionOrder() {
        let policy = GatePolicy(
            metrics: ["odd_ms": MetricPolicy(polarity: .higherIsBetter)],
            suffixPolarities: ["_tokens": .higherIsBetter, "_cached_tokens": .lowerIsBetter])
        #expect(policy.polarity(for: "odd_ms") == .higherIsBetter)  // explicit beats the name rule
        #expect(policy.polarity(for: "prefill_tokens") == .higherIsBetter)
        #expect(policy.polarity(for: "evicted_cached_tokens") == .lowerIsBetter)  // longest suffix wins
        #expect(policy.polarity(for: "ttft_p99_ms") == .lowerIsBetter)
        #expect(policy.polarity(for: "requests_completed") == .matchBaseline)
    }

    @Test func unitsFromNames() {
        let policy = GatePolicy(metrics: ["x_per_npu": MetricPolicy(unit: "tokens/s")])
        #expect(policy.unit(for: "ttft_p99_ms") == "ms")
        #expect(policy.unit(for: "goodput_rps") == "rps")
        #expect(policy.unit(for: "decode_tokens_per_s_per_npu") == "1/s")
        #expect(policy.unit(for: "x_per_npu") == "tokens/s")
        #expect(policy.unit(for: "requests_completed") == "")
    }
}
