import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving
import Testing

/// Logs arrivals and schedules a zero-delay batch event per arrival; a batch completes
/// everything waiting.
private struct BatchProbe: ServingBackend {
    enum Event { case formBatch }
    var log: [String] = []
    var waiting: [ServingRequest] = []
    var descriptor: BackendDescriptor { BackendDescriptor(name: "probe") }

    mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>) {
        log.append("arrive \(request.id)")
        waiting.append(request)
        context.schedule(.formBatch, after: .zero)
    }

    mutating func handle(_ event: Event, in context: inout ServingContext<Event>) {
        log.append("batch of \(waiting.count)")
        for request in waiting {
            context.report(
                RequestOutcome(
                    requestID: request.id, disposition: .completed, arrival: request.arrival, serviceStart: context.now,
                    firstToken: context.now, finish: context.now, inputTokens: request.inputTokens,
                    outputTokens: 1, cachedPrefixTokens: 0, origin: request.origin))
        }
        waiting = []
    }
}

private struct TraceError: Error, Equatable {
    var line: Int
}

/// Yields its requests, then throws at `failAt`.
private struct FailingSource: RequestSource {
    var requests: [ServingRequest]
    var failAt: Int
    var position = 0

    mutating func next() throws(TraceError) -> ServingRequest? {
        if position == failAt { throw TraceError(line: failAt + 1) }
        defer { position += 1 }
        return position < requests.count ? requests[position] : nil
    }
}

@Suite struct ReplayContractTests {
    @Test func sameInstantArrivalsAreAllDeliveredBeforeZeroDelayBackendEvents() {
        let requests = SyntheticRequests.at([0, 0, 0, 5, 5])
        var replayer = Replayer(backend: BatchProbe())
        var source = InMemoryRequestSource(requests)
        var recorder = InMemoryRecorder()
        _ = replayer.run(source: &source, recorder: &recorder)
        #expect(
            replayer.backend.log == [
                "arrive 0", "arrive 1", "arrive 2", "batch of 3", "batch of 0", "batch of 0",
                "arrive 3", "arrive 4", "batch of 2", "batch of 0",
            ])
    }

    @Test func sourceErrorsReachTheCallerUnchanged() {
        let requests = SyntheticRequests.at([0, 10, 20, 30])
        var replayer = Replayer(backend: fixed(ttft: 1, tpot: 1))
        var source = FailingSource(requests: requests, failAt: 2)
        var recorder = InMemoryRecorder()
        #expect(throws: TraceError(line: 3)) {
            _ = try replayer.run(source: &source, recorder: &recorder)
        }
    }

    @Test func queueingDelayUnderAConcurrencyLimitIsFIFO() {
        // Three requests at 0 with one slot: service 10 + 2·5 = 20 ms each.
        let requests = SyntheticRequests.at([0, 0, 0], outputTokens: 3)
        let result = replay(requests, through: fixed(ttft: 10, tpot: 5, maxConcurrency: 1))
        #expect(result.outcomes.map(\.requestID) == [0, 1, 2])
        #expect(result.outcomes.map(\.serviceStart) == [ms(0), ms(20), ms(40)])
        #expect(result.outcomes.map(\.firstToken) == [ms(10), ms(30), ms(50)])
        #expect(result.outcomes.map(\.finish) == [ms(20), ms(40), ms(60)])
    }

    @Test func progressIsReportedAndStopEndsTheRunEarly() {
        let requests = SyntheticRequests.make(count: 1000, seed: 3)
        var replayer = Replayer(backend: fixed(ttft: 10, tpot: 1), options: ReplayOptions(progressInterval: 100))
        var source = InMemoryRequestSource(requests)
        var recorder = InMemoryRecorder()
        var snapshots: [ReplayProgress] = []
        let report = replayer.run(source: &source, recorder: &recorder) { progress in
            snapshots.append(progress)
            return snapshots.count == 3 ? .stop : .continue
        }
        #expect(report.ending == .stopped)
        #expect(snapshots.map(\.eventsProcessed) == [100, 200, 300])
        #expect(report.eventsProcessed == 300)
        #expect(snapshots.last!.requestsFinished == recorder.outcomes.count)
        #expect(report.requestsCompleted < 1000)
    }

    @Test func twoReplayersInOneProcessAreIndependent() {
        let requests = SyntheticRequests.make(count: 300, seed: 8)
        let alone = replay(requests, through: fixed(ttft: 20, tpot: 3, maxConcurrency: 4)).outcomes
        // Interleave two runs of the same workload step by step through the progress hook.
        var first = Replayer(backend: fixed(ttft: 20, tpot: 3, maxConcurrency: 4), options: ReplayOptions(progressInterval: 1))
        var sourceA = InMemoryRequestSource(requests)
        var recorderA = InMemoryRecorder()
        _ = first.run(source: &sourceA, recorder: &recorderA) { _ in
            // A whole second replay inside the first one's progress calls must not disturb it.
            _ = replay(Array(requests.prefix(3)), through: fixed(ttft: 1, tpot: 1))
            return .continue
        }
        #expect(recorderA.outcomes == alone)
    }
}
