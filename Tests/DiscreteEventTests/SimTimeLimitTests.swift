import DiscreteEvent
import Testing

/// Time arithmetic saturates instead of trapping, so no input can crash the kernel (issue 14).
@Suite struct SimTimeLimitTests {
    @Test func theLimitIsTwoToTheSixtySecondNanoseconds() {
        #expect(SimTime.limit.nanoseconds == 4_611_686_018_427_387_904)
        #expect(SimDuration.limit.nanoseconds == SimTime.limit.nanoseconds)
        // Any time plus any duration, both within the limit, fits without saturating.
        #expect((SimTime.limit + .limit).nanoseconds == .max)  // 2^63 saturates by one
        #expect((SimTime.limit + SimDuration(nanoseconds: SimDuration.limit.nanoseconds - 1)).nanoseconds == .max)
    }

    @Test func additionAndMultiplicationSaturate() {
        let late = SimTime(nanoseconds: .max - 5)
        #expect((late + SimDuration(nanoseconds: 10)).nanoseconds == .max)
        #expect((SimTime(nanoseconds: .min + 5) + SimDuration(nanoseconds: -10)).nanoseconds == .min)
        #expect((SimDuration(nanoseconds: .max) + SimDuration(nanoseconds: 1)).nanoseconds == .max)
        #expect((SimDuration.limit * 3).nanoseconds == .max)
        #expect((SimDuration(nanoseconds: 5) * -(Int64.max / 2)).nanoseconds == .min)
        #expect((SimDuration(nanoseconds: 20_000_000) * 9).nanoseconds == 180_000_000)
        #expect((SimTime(nanoseconds: .max) - SimTime(nanoseconds: -1)).nanoseconds == .max)
        #expect((SimTime(nanoseconds: .min) - SimTime(nanoseconds: 1)).nanoseconds == .min)
    }

    @Test(arguments: [1e10, 1e12, 1e300, Double.infinity])
    func hugeSecondsSaturate(seconds: Double) {
        #expect(SimDuration(roundingNanoseconds: seconds * 1e9).nanoseconds == .max)
        if seconds.isFinite { #expect(SimDuration(seconds: seconds).nanoseconds == .max) }
    }

    @Test func roundingIsUnchangedInRange() {
        #expect(SimDuration(seconds: 1.5).nanoseconds == 1_500_000_000)
        #expect(SimDuration(roundingNanoseconds: 2.5).nanoseconds == 3)
        #expect(SimDuration(roundingNanoseconds: 9.2e18).nanoseconds == 9_200_000_000_000_000_000)
    }

    @Test func aContextRemembersTheFirstTimeScheduledPastTheLimit() {
        var context = SimulationContext<Int>()
        context.schedule(0, at: SimTime(nanoseconds: 5))
        #expect(context.timeBeyondLimit == nil)
        context.schedule(1, after: SimDuration(nanoseconds: .max))
        context.schedule(2, at: SimTime.limit + SimDuration(nanoseconds: 7))
        #expect(context.timeBeyondLimit == SimTime(nanoseconds: .max))
        var handled: [Int] = []
        while let event = context.takeNextEvent() { handled.append(event) }
        #expect(handled == [0, 2, 1])  // the kernel itself runs on, in time order; drivers decide
    }

    @Test func arrivalProcessesThatCannotDrawGapsSayWhy() {
        #expect(ArrivalProcess.poisson(ratePerSecond: 1).problem == nil)
        #expect(ArrivalProcess.poisson(ratePerSecond: 1e-320).problem?.contains("too small") == true)
        #expect(ArrivalProcess.gamma(ratePerSecond: 1, coefficientOfVariation: 1e-200).problem?.contains("too small") == true)
        #expect(ArrivalProcess.gamma(ratePerSecond: 1e300, coefficientOfVariation: 1e-150).problem != nil)
        var generator = SeededGenerator(seed: 1)
        #expect(ArrivalProcess.poisson(ratePerSecond: 1e-300).nextGap(using: &generator) == .max)
    }

}
