import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Counts records without keeping them, so the measurement is of the replay itself.
private struct CountingRecorder: OutcomeRecorder {
    var outcomes = 0
    var gapRecords = 0
    mutating func record(_ outcome: RequestOutcome) { outcomes += 1 }
    mutating func record(_ gaps: InterTokenGaps) { gapRecords += 1 }
}

private func measure<Backend: ServingBackend>(
    _ label: String, _ requests: [ServingRequest], _ backend: Backend, _ options: ReplayOptions = ReplayOptions()
) -> ReplayReport {
    var best = Duration.seconds(1000)
    var report: ReplayReport?
    for _ in 0..<5 {
        var replayer = Replayer(backend: backend, options: options)
        var source = InMemoryRequestSource(requests)
        var recorder = CountingRecorder()
        let clock = ContinuousClock()
        let start = clock.now
        report = replayer.run(source: &source, recorder: &recorder)
        best = min(best, clock.now - start)
    }
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
    let result = report!
    print(
        "\(label): \(requests.count) requests, \(result.eventsProcessed) events in \(seconds * 1e3) ms (best of 5): "
            + "\(Int(Double(requests.count) / seconds)) requests/s, \(Int(Double(result.eventsProcessed) / seconds)) events/s")
    return result
}

/// Opens the registry's `any ServingBackend` the way the command line would.
private func measureOpened(_ label: String, _ requests: [ServingRequest], _ backend: some ServingBackend) -> ReplayReport {
    measure(label, requests, backend)
}

/// Speed figures for the report; opt-in (`CMBENCH_MEASURE=1`) and meaningful only in release:
/// `swift build -c release --build-tests && CMBENCH_MEASURE=1 swift test -c release --skip-build --filter ReplaySpeed`.
@Suite struct ReplaySpeedTests {
    @Test(.enabled(if: getenv("CMBENCH_MEASURE") != nil, "set CMBENCH_MEASURE=1 to measure replay speed"))
    func measureReplaySpeed() throws {
        // The Azure conversation hour's size: 19,366 requests over an hour.
        let hour = SyntheticRequests.make(count: 19_366, seed: 1)
        let specialised = measure("fixed, unlimited, specialised", hour, FixedLatencyBackend())
        #expect(specialised.requestsCompleted == 19_366)
        _ = measure("fixed, max_concurrency 64", hour, FixedLatencyBackend(.init(maxConcurrency: 64)))
        let backend = try BackendRegistry.builtIn.makeBackend(BackendConfiguration(backend: "fixed"))
        _ = measureOpened("fixed via registry (existential opened)", hour, backend)
        let big = SyntheticRequests.make(count: 1_000_000, seed: 2, meanGap: .milliseconds(2))
        _ = measure("1 M requests, fixed, max_concurrency 256", big, FixedLatencyBackend(.init(maxConcurrency: 256)))
        _ = measure("1 M requests, closed loop 64", big, FixedLatencyBackend(), ReplayOptions(timing: .closedLoop(concurrency: 64)))
    }
}
