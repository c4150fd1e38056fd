import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving
import Testing

@Suite struct ClosedLoopTests {
    /// With concurrency N, TTFT t, TPOT p and k output tokens, each request takes
    /// t + (k − 1)p, so throughput is N / (t + (k − 1)p) requests per second.
    @Test(arguments: [1, 4, 32])
    func closedLoopThroughputFollowsFromTheBackendParameters(concurrency: Int) {
        let (t, p, k) = (40.0, 5.0, 21)
        let requests = SyntheticRequests.at(Array(repeating: 0, count: 10 * concurrency), outputTokens: k)
        let result = replay(
            requests, through: fixed(ttft: t, tpot: p), options: ReplayOptions(timing: .closedLoop(concurrency: concurrency)))
        let serviceTime = (t + Double(k - 1) * p) / 1e3
        let finish = result.outcomes.map(\.finish).max()!
        #expect(finish == ms(10 * (t + Double(k - 1) * p)))
        let throughput = Double(result.outcomes.count) / finish.seconds
        #expect(abs(throughput - Double(concurrency) / serviceTime) < 1e-9)
    }

    @Test func exactlyNRequestsAreInFlightUntilTheSourceRunsOut() {
        let n = 5
        // Varied lengths, so finishes interleave.
        let requests = SyntheticRequests.make(count: 200, seed: 4)
        let result = replay(requests, through: fixed(ttft: 7, tpot: 1), options: ReplayOptions(timing: .closedLoop(concurrency: n)))
        #expect(result.outcomes.count == 200)
        // Each request's (re-timed) arrival is the instant an earlier one finished, or zero.
        let finishes = Set(result.outcomes.map(\.finish))
        #expect(result.outcomes.filter { $0.arrival == .zero }.count == n)
        #expect(result.outcomes.allSatisfy { $0.arrival == .zero || finishes.contains($0.arrival) })
        // Until the last admission, in-flight count right after each instant is exactly n.
        let lastAdmission = result.outcomes.map(\.arrival).max()!
        let instants = Set(result.outcomes.map(\.arrival)).filter { $0 <= lastAdmission }
        for instant in instants {
            let inFlight = result.outcomes.filter { $0.arrival <= instant && $0.finish > instant }.count
            #expect(inFlight == n, "at \(instant): \(inFlight) in flight")
        }
    }

    @Test func rejectionsMakeRoomForTheNextRequest() {
        var requests = SyntheticRequests.at(Array(repeating: 0, count: 6), outputTokens: 2)
        requests[1].inputTokens = 10_000
        requests[2].inputTokens = 10_000
        let backend = fixed(ttft: 10, tpot: 10, maxInputTokens: 1000)
        let result = replay(requests, through: backend, options: ReplayOptions(timing: .closedLoop(concurrency: 2)))
        #expect(result.report.requestsRejected == 2)
        #expect(result.report.requestsCompleted == 4)
        // Requests 0 and 3 start at 0 (1 and 2 were rejected at once); 4 and 5 at 20 ms.
        #expect(result.outcome(3)?.arrival == .zero)
        #expect(result.outcome(4)?.arrival == ms(20))
        #expect(result.outcome(5)?.arrival == ms(20))
        #expect(result.outcome(1)?.rejection?.code == "prompt-too-long")
    }
}

@Suite struct OfflineTimingTests {
    /// Offline: every request arrives at time zero whatever its recorded time, so with a backend
    /// of concurrency c, n requests of service time s finish in ⌈n / c⌉ waves: the makespan is
    /// ⌈n / c⌉ · s and throughput n / makespan.
    @Test func everyRequestArrivesAtZeroAndTheMakespanIsTheWaves() {
        let (t, p, k, c) = (40.0, 5.0, 21, 4)
        let requests = SyntheticRequests.at((0..<10).map { Int64($0) * 1_000_000_000 }, outputTokens: k)
        let result = replay(requests, through: fixed(ttft: t, tpot: p, maxConcurrency: c), options: ReplayOptions(timing: .offline))
        #expect(result.outcomes.count == 10)
        #expect(result.outcomes.allSatisfy { $0.arrival == .zero })
        let service = t + Double(k - 1) * p
        #expect(result.outcomes.map(\.finish).max() == ms(3 * service))
        // The recorded arrivals (0 s … 9 s) would have left the last request alone at 9 s.
        let recorded = replay(requests, through: fixed(ttft: t, tpot: p, maxConcurrency: c))
        #expect(recorded.outcomes.map(\.finish).max() == ms(9_000 + service))
    }
}
