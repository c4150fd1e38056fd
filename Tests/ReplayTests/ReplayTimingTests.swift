import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving
import Testing

@Suite struct ReplayTimingTests {
    @Test func recordedArrivalsAreHonoured() {
        let requests = SyntheticRequests.at([0, 5_000_000, 5_000_000, 90_000_000], outputTokens: 3)
        let result = replay(requests, through: fixed(ttft: 10, tpot: 2))
        #expect(result.report.ending == .sourceExhausted)
        #expect(result.report.requestsCompleted == 4)
        for request in requests {
            let outcome = result.outcome(request.id)
            #expect(outcome?.arrival == request.arrival)
            #expect(outcome?.firstToken == request.arrival + .milliseconds(10))
            #expect(outcome?.finish == request.arrival + .milliseconds(14))
        }
        #expect(result.gaps == Array(repeating: InterTokenGaps(gap: .milliseconds(2), count: 2), count: 4))
        // One arrival event per distinct instant, one finish per request.
        #expect(result.report.eventsProcessed == 3 + 4)
    }

    @Test func speedDividesRecordedTimes() {
        let requests = SyntheticRequests.at([0, 1_000_000_000, 3_000_000_001])
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: ReplayOptions(timing: .speed(4)))
        #expect(result.outcomes.map(\.arrival.nanoseconds).sorted() == [0, 250_000_000, 750_000_000])
    }

    @Test func rateModeKeepsLengthsAndRedrawsArrivalsAtTheRequestedRate() {
        let requests = SyntheticRequests.make(count: 4000, seed: 9)
        let options = ReplayOptions(timing: .rate(.poisson(ratePerSecond: 40)), seed: 11)
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: options)
        let arrivals = result.outcomes.map(\.arrival).sorted()
        let observedRate = Double(arrivals.count) / arrivals.last!.seconds
        #expect(abs(observedRate - 40) < 40 * 0.05, "observed \(observedRate) requests/s")
        let byID = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.requestID, $0) })
        for request in requests.prefix(50) {
            #expect(byID[request.id]?.inputTokens == request.inputTokens)
            #expect(byID[request.id]?.outputTokens == request.outputTokens)
        }
    }

    @Test func gammaRateModeHasTheRequestedMeanRate() {
        let requests = SyntheticRequests.make(count: 4000, seed: 9)
        let options = ReplayOptions(timing: .rate(.gamma(ratePerSecond: 25, coefficientOfVariation: 2)), seed: 5)
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: options)
        let last = result.outcomes.map(\.arrival).max()!
        let observedRate = Double(result.outcomes.count) / last.seconds
        #expect(abs(observedRate - 25) < 25 * 0.1, "observed \(observedRate) requests/s")
    }

    @Test func sameSeedGivesIdenticalOutcomesAndAnotherSeedDifferentArrivals() {
        let requests = SyntheticRequests.make(count: 500, seed: 2)
        func run(seed: UInt64) -> [RequestOutcome] {
            let options = ReplayOptions(timing: .rate(.poisson(ratePerSecond: 30)), seed: seed)
            return replay(requests, through: fixed(ttft: 50, tpot: 10, maxConcurrency: 8), options: options).outcomes
        }
        let first = run(seed: 1)
        #expect(first == run(seed: 1))
        let other = run(seed: 2)
        #expect(first.map(\.arrival) != other.map(\.arrival))
    }

    @Test func maxRequestsStopsReading() {
        let requests = SyntheticRequests.at([0, 1, 2, 3, 4, 5])
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: ReplayOptions(maxRequests: 4))
        #expect(result.report.ending == .maxRequestsReached)
        #expect(result.outcomes.map(\.requestID).sorted() == [0, 1, 2, 3])
        #expect(result.report.requestsAdmitted == 4)
    }

    @Test func windowSkipsAndCountsEarlierRequestsAndRebasesTimes() {
        let second: Int64 = 1_000_000_000
        let requests = SyntheticRequests.at([0, 1 * second, 10 * second, 12 * second, 19 * second, 20 * second, 25 * second])
        let options = ReplayOptions(windowStart: SimTime(nanoseconds: 10 * second), windowDuration: SimDuration(seconds: 10))
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: options)
        #expect(result.report.ending == .windowEnded)
        #expect(result.report.requestsSkippedBeforeWindow == 2)
        #expect(result.outcomes.map(\.requestID).sorted() == [2, 3, 4])
        #expect(result.outcomes.map(\.arrival.nanoseconds).sorted() == [0, 2 * second, 9 * second])
    }

    @Test func windowWithSpeedScalesTheRebasedTimes() {
        let requests = SyntheticRequests.at([1_000, 3_000, 5_000])
        let options = ReplayOptions(timing: .speed(2), windowStart: SimTime(nanoseconds: 1_000))
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: options)
        #expect(result.outcomes.map(\.arrival.nanoseconds).sorted() == [0, 1_000, 2_000])
    }

    // The limit of simulated time (issue 14): the replay stops and says where, never traps.

    @Test func aSpeedThatScalesAnArrivalPastTheLimitStopsTheReplayNamingTheRow() {
        let requests = SyntheticRequests.at([0, 1_000_000_000, 2_000_000_000])
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: ReplayOptions(timing: .speed(1e-12)))
        #expect(result.report.ending == .simulatedTimeLimit)
        #expect(result.report.overrun == TimeLimitOverrun(cause: .arrival, origin: requests[1].origin, time: SimTime(nanoseconds: .max)))
        #expect(result.report.requestsAdmitted == 1)
    }

    @Test func aRateWhoseArrivalsPassTheLimitStopsTheReplay() {
        let requests = SyntheticRequests.at(Array(repeating: 0, count: 50))
        let result = replay(requests, through: fixed(ttft: 1, tpot: 1), options: ReplayOptions(timing: .rate(.poisson(ratePerSecond: 1e-9))))
        #expect(result.report.ending == .simulatedTimeLimit)
        #expect(result.report.overrun?.cause == .arrival)
        #expect(result.report.overrun.map { $0.time > .limit } == true)
    }

    @Test(arguments: [nil, 1] as [Int?])
    func aServiceTimePastTheLimitStopsTheReplayNamingTheRequest(maxConcurrency: Int?) {
        let requests = SyntheticRequests.at([0, 5, 9], outputTokens: 10)
        let backend = FixedLatencyBackend(
            .init(timeToFirstToken: .milliseconds(1), timePerOutputToken: SimDuration.limit, maxConcurrency: maxConcurrency))
        let result = replay(requests, through: backend)
        #expect(result.report.ending == .simulatedTimeLimit)
        #expect(result.report.overrun == TimeLimitOverrun(cause: .serving, origin: requests[0].origin, time: SimTime(nanoseconds: .max)))
    }

    @Test func anArrivalAtTheLimitIsHeld() {
        let requests = SyntheticRequests.at([0, SimTime.limit.nanoseconds], outputTokens: 0)
        let result = replay(requests, through: fixed(ttft: 0, tpot: 0))
        #expect(result.report.ending == .sourceExhausted)
        #expect(result.outcome(1)?.finish == .limit)
    }

    @Test func aWindowPastTheLimitIsRefused() {
        #expect(throws: ReplayOptionsError.self) { try ReplayOptions(windowStart: SimTime.limit + SimDuration(nanoseconds: 1)).validate() }
        #expect(throws: ReplayOptionsError.self) {
            try ReplayOptions(windowStart: SimTime(nanoseconds: 1 << 61), windowDuration: SimDuration(nanoseconds: 3 << 60)).validate()
        }
        #expect(throws: ReplayOptionsError.self) { try ReplayOptions(timing: .rate(.poisson(ratePerSecond: 1e-320))).validate() }
    }
}
