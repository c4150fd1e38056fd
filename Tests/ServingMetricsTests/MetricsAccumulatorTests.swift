import DiscreteEvent
import ServingMetrics
import Serving
import Testing

@Suite struct MetricsAccumulatorTests {
    /// Four requests, computed by hand (times in ms):
    ///  id arrival start first finish out  TTFT TPOT          E2E queue
    ///  0     0     0     100   300   11    100  200/10 = 20   300   0
    ///  1   100   150     300   500   21    200  200/20 = 10   400  50
    ///  2   200   200     250   250    1     50  (excluded)     50   0
    ///  3   300    —       —     300   —    rejected
    /// Duration = 0 → 500 ms. Completed 3 → 6 req/s. Output 33 tokens → 66 tok/s.
    func fourRequests() -> [RequestOutcome] {
        [
            completed(id: 0, arrival: 0, start: 0, firstToken: 100, finish: 300, input: 100, output: 11, cached: 50, blocks: 4, cachedBlocks: 2),
            completed(id: 1, arrival: 100, start: 150, firstToken: 300, finish: 500, input: 200, output: 21, cached: 0, blocks: 4),
            completed(id: 2, arrival: 200, start: 200, firstToken: 250, finish: 250, input: 100, output: 1, cached: 100, blocks: 2, cachedBlocks: 2),
            rejected(id: 3, arrival: 300),
        ]
    }

    func summary(_ outcomes: [RequestOutcome], slo: String = "", backend: BackendDescriptor? = nil) throws -> RunSummary {
        var metrics = MetricsAccumulator(objectives: try ServiceLevelObjectives(parsing: slo), backend: backend)
        for outcome in outcomes { metrics.record(outcome) }
        return metrics.summary()
    }

    @Test func latenciesAndThroughputByHand() throws {
        let s = try summary(fourRequests())
        #expect(s.totalRequests == 4 && s.completedRequests == 3 && s.rejectedRequests == 1)
        #expect(s.durationSeconds == 0.5)
        #expect(s.requestThroughput == 6)
        #expect(s.outputTokensPerSecond == 66)
        #expect(s.inputTokensPerSecond == 800)
        #expect(s.totalTokensPerSecond == 866)
        #expect(s.ttft == LatencyStatistics(count: 3, mean: 350.0 / 3, p50: 100, p90: 180, p95: 190, p99: 198, p99_9: 199.8))
        // TPOT over the two multi-token requests: 10 and 20.
        #expect(s.tpot?.count == 2)
        #expect(s.tpot?.mean == 15)
        #expect(s.tpot?.p50 == 15)
        #expect(abs(s.tpot!.p99 - 19.9) < 1e-9)
        #expect(s.e2e?.p50 == 300)
        #expect(s.e2e?.mean == 250)
        #expect(abs(s.queueing!.mean - 50.0 / 3) < 1e-12)
        // 150 of 400 input tokens were cached; 4 of the 10 prefix blocks the trace names.
        #expect(s.prefixCacheTokenHitRate == 0.375)
        #expect(s.prefixCacheHitRate == 0.4)
        #expect(s.goodput == nil && s.sloAttainment == nil)
        #expect(s.outputTokensPerSecondPerAccelerator == nil)
        #expect(s.percentilesExact)
    }

    /// ttft ≤ 150 ms: requests 0 and 2. tpot ≤ 15 ms: 1 and 2 (2 has no TPOT, so passes).
    /// Both: only 2. Attainment over all 4 requests (the rejected one fails).
    @Test func goodputAndAttainmentByHand() throws {
        let s = try summary(fourRequests(), slo: "ttft=150ms,tpot=15ms")
        #expect(s.sloAttainment == PerSLO(ttft: 0.5, tpot: 0.5, overall: 0.25))
        #expect(s.goodput == 2)  // 1 request / 0.5 s
        #expect(s.sloLimitsMilliseconds == PerSLO(ttft: 150, tpot: 15))
        let e2e = try summary(fourRequests(), slo: "e2e=0.4s")
        #expect(e2e.sloAttainment?.e2e == 0.75)
        #expect(e2e.goodput == 6)
    }

    @Test func itlComesFromTheAggregatedGaps() throws {
        var metrics = MetricsAccumulator()
        metrics.record(InterTokenGaps(gap: .milliseconds(10), count: 3))
        metrics.record(InterTokenGaps(gap: .milliseconds(40), count: 1))
        let itl = try #require(metrics.summary().itl)
        // Sorted gaps 10 10 10 40: mean 17.5, p50 10, p90 at h = 2.7 → 10 + 0.7·30 = 31.
        #expect(itl.count == 4)
        #expect(itl.mean == 17.5)
        #expect(itl.p50 == 10)
        #expect(abs(itl.p90 - 31) < 1e-9)
    }

    @Test func perAcceleratorRatesUseTheBackendsCounts() throws {
        let backend = BackendDescriptor(name: "x", acceleratorKind: "NPU", acceleratorCount: 4, dieCount: 8)
        let s = try summary(fourRequests(), backend: backend)
        #expect(s.outputTokensPerSecondPerAccelerator == 16.5)
        #expect(s.outputTokensPerSecondPerDie == 8.25)
        #expect(s.accelerators == 4 && s.dies == 8)
    }

    @Test func rejectionsAreCountedByCodeWithFirstExamples() throws {
        let outcomes = (0..<5).map { rejected(id: $0, arrival: Double($0), code: "full") }
            + [rejected(id: 9, arrival: 9, code: "prompt-too-long", message: "prompt of 9000 tokens")]
        let s = try summary(outcomes)
        #expect(s.rejections.map(\.code) == ["full", "prompt-too-long"])
        #expect(s.rejections.map(\.count) == [5, 1])
        #expect(s.rejections[0].examples.map(\.requestID) == [0, 1, 2])
        #expect(s.rejections[1].examples.first?.origin == "t.csv:11")
        #expect(s.requestThroughput == nil)
        #expect(s.durationSeconds == 0)
    }
}
