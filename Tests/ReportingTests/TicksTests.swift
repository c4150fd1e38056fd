import Testing

@testable import Reporting

@Suite struct TicksTests {
    func labels(_ ticks: [Tick]) -> [String] { ticks.compactMap(\.label) }

    @Test func logOneTwoFiveWithinTwoDecades() {
        let ticks = Ticks.log(in: 10...1000)
        #expect(labels(ticks) == ["10", "20", "50", "100", "200", "500", "1000"])
        #expect(ticks.filter { !$0.isMajor }.map(\.value) == [30, 40, 60, 70, 80, 90, 300, 400, 600, 700, 800, 900])
    }

    @Test func logDecadesWithMinorMarks() {
        let ticks = Ticks.log(in: 0.01...100)
        #expect(labels(ticks) == ["0.01", "0.1", "1", "10", "100"])
        #expect(ticks.count == 4 * 9 + 1)
        #expect(ticks.contains { $0.value == 0.03 && !$0.isMajor })
    }

    @Test func logManyDecadesUseThousandsAndNoMinorMarks() {
        let ticks = Ticks.log(in: 1...1e8)
        #expect(labels(ticks) == ["1", "10", "100", "1000", "10k", "100k", "1M", "10M", "100M"])
        #expect(ticks.allSatisfy { $0.isMajor })
        #expect(labels(Ticks.log(in: 1e-14...1)).count == 8)  // every second decade past twelve
    }

    @Test func logDomainSnapsToOneTwoFiveOrDecades() {
        #expect(Ticks.niceLogDomain(23, 610) == 20...1000)
        #expect(Ticks.niceLogDomain(12, 80) == 10...100)
        #expect(Ticks.niceLogDomain(0.3, 4000) == 0.1...10000)
        #expect(Ticks.niceLogDomain(5, 5) == 2...10)
    }

    @Test func linearNiceSteps() {
        #expect(Ticks.niceStep(span: 2400) == 500)
        #expect(Ticks.niceStep(span: 1) == 0.2)
        #expect(Ticks.niceStep(span: 73) == 10)
        #expect(Ticks.niceLinearDomain(0, 2310) == 0...2500)
        #expect(Ticks.niceLinearDomain(-0.3, 0.9) == -0.4...1.0)
        #expect(Ticks.niceLinearDomain(5, 5) == 4.4...5.6)
    }

    @Test func linearLabels() {
        #expect(labels(Ticks.linear(in: 0...2500)) == ["0", "500", "1000", "1500", "2000", "2500"])
        #expect(labels(Ticks.linear(in: 0...1)) == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(labels(Ticks.linear(in: -0.4...0.4)) == ["-0.4", "-0.2", "0", "0.2", "0.4"])
        #expect(labels(Ticks.linear(in: 0...40000)) == ["0", "10k", "20k", "30k", "40k"])
        #expect(labels(Ticks.linear(in: 0...15000)) == ["0", "2k", "4k", "6k", "8k", "10k", "12k", "14k"])
    }

    @Test func timeUnitLabels() {
        #expect(TimeUnitLabel.label(500, unit: "ms") == "500 ms")
        #expect(TimeUnitLabel.label(2000, unit: "ms") == "2 s")
        #expect(TimeUnitLabel.label(0.05, unit: "s") == "50 ms")
        #expect(TimeUnitLabel.label(1500, unit: "us") == "1.5 ms")
        #expect(TimeUnitLabel.label(5, unit: "tokens") == nil)
        let axis = Axis(label: "TTFT", unit: "ms", scale: .log, unitInTickLabels: true).resolve(values: [120, 9000])
        #expect(labels(axis.ticks) == ["100 ms", "200 ms", "500 ms", "1 s", "2 s", "5 s", "10 s"])
    }
}
