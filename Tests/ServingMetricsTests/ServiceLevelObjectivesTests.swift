import DiscreteEvent
import ServingMetrics
import Testing

@Suite struct ServiceLevelObjectivesTests {
    @Test func parsesMetricsAndUnitsInOrder() throws {
        let slo = try ServiceLevelObjectives(parsing: "tpot=50ms, ttft=2s,e2e=1500000us,itl=20000000ns")
        #expect(
            slo.objectives == [
                .init(.tpot, .milliseconds(50)), .init(.ttft, .milliseconds(2000)), .init(.e2e, .milliseconds(1500)),
                .init(.itl, .milliseconds(20)),
            ])
        #expect(try ServiceLevelObjectives(parsing: "").isEmpty)
    }

    @Test(arguments: [
        ("ttft=2000", "'2000' is not a duration"), ("latency=5ms", "unknown metric 'latency'"),
        ("ttft", "expected key=value"), ("ttft=1s,ttft=2s", "given twice"),
    ])
    func errorsNameTheItemAndTheFix(text: String, fragment: String) {
        #expect {
            _ = try ServiceLevelObjectives(parsing: text)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }
}
