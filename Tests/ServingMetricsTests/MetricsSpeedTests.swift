import DiscreteEvent
import ServingMetrics
import Serving
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Speed of recording and summarising; opt-in (`CMBENCH_MEASURE=1`), meaningful in release.
@Suite struct MetricsSpeedTests {
    @Test(.enabled(if: getenv("CMBENCH_MEASURE") != nil, "set CMBENCH_MEASURE=1 to measure metrics speed"))
    func measureRecordingAndSummary() throws {
        var generator = SeededGenerator(seed: 1)
        let outcomes = (0..<1_000_000).map { id in
            let arrival = Double(id) * 2
            let ttft = 50 + generator.nextUnitDouble() * 500
            let output = 1 + Int(generator.nextInt(below: 400))
            return completed(
                id: id, arrival: arrival, start: arrival, firstToken: arrival + ttft,
                finish: arrival + ttft + Double(output - 1) * 20, output: output)
        }
        let clock = ContinuousClock()
        var metrics = MetricsAccumulator(objectives: try ServiceLevelObjectives(parsing: "ttft=300ms,tpot=25ms"))
        let start = clock.now
        for outcome in outcomes { metrics.record(outcome) }
        let recorded = clock.now
        let summary = metrics.summary()
        let done = clock.now
        #expect(summary.completedRequests == 1_000_000)
        print("metrics: record 1 M outcomes \(recorded - start), summary (5 sorts) \(done - recorded)")
    }
}
