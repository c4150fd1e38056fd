import DiscreteEvent
import Testing

@Suite struct SimDurationParsingTests {
    @Test(arguments: [
        ("50ms", 50_000_000), ("2s", 2_000_000_000), ("1.5s", 1_500_000_000), ("250us", 250_000),
        ("800ns", 800), (" 20ms ", 20_000_000), ("0ms", 0),
    ] as [(String, Int64)])
    func parsesDurationsWithUnits(text: String, nanoseconds: Int64) {
        #expect(SimDuration(parsing: text) == SimDuration(nanoseconds: nanoseconds))
    }

    @Test(arguments: ["50", "ms", "-5ms", "5 minutes", "abc", "infs", ""])
    func refusesAnythingElse(text: String) {
        #expect(SimDuration(parsing: text) == nil)
    }

    @Test func aDurationTooLongToHoldSaturatesForTheCallerToRefuse() {
        #expect(SimDuration(parsing: "1e30s") == SimDuration(nanoseconds: .max))
        #expect(SimDuration(parsing: "9000000000000ms")! > .limit)
        #expect(SimDuration(parsing: "4611686018427387904ns") == .limit)
    }
}
