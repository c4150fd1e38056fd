import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving

/// What a replay produced, kept in memory for assertions.
struct ReplayResult {
    var report: ReplayReport
    var outcomes: [RequestOutcome]
    var gaps: [InterTokenGaps]

    /// Outcomes by request id (ids are 0..<n in the helpers' workloads).
    func outcome(_ id: Int) -> RequestOutcome? { outcomes.first { $0.requestID == id } }
}

/// Replays `requests` through `backend` with `options`, recording everything.
func replay<Backend: ServingBackend>(
    _ requests: [ServingRequest], through backend: Backend, options: ReplayOptions = ReplayOptions()
) -> ReplayResult {
    var replayer = Replayer(backend: backend, options: options)
    var source = InMemoryRequestSource(requests)
    var recorder = InMemoryRecorder()
    let report = replayer.run(source: &source, recorder: &recorder)
    return ReplayResult(report: report, outcomes: recorder.outcomes, gaps: recorder.interTokenGaps)
}

/// A fixed backend with the given latencies in milliseconds.
func fixed(ttft: Double, tpot: Double, maxConcurrency: Int? = nil, maxInputTokens: Int? = nil) -> FixedLatencyBackend {
    FixedLatencyBackend(
        .init(
            timeToFirstToken: .milliseconds(ttft), timePerOutputToken: .milliseconds(tpot),
            maxConcurrency: maxConcurrency, maxInputTokens: maxInputTokens))
}

func ms(_ value: Double) -> SimTime { SimTime(nanoseconds: Int64((value * 1e6).rounded())) }
