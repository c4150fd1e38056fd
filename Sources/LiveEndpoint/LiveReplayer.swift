import DiscreteEvent
import Foundation
import Replay
import Serving
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Replays a trace against a live OpenAI-compatible server on the wall clock.
///
/// The caller's thread is the sender: it pulls each request from the source (through the same
/// `ArrivalFeed` as the simulated replay, so `--speed`, `--rate`, `--max-requests` and the
/// window mean the same), sleeps until the request's arrival on the monotonic clock, builds its
/// synthetic prompt and hands it to the HTTP client, which returns at once: the open-loop
/// sender never waits for a response, and a send that happens after its arrival is counted
/// late, by how much. In closed loop (`.closedLoop(n)`) it waits for one of `n` slots instead.
/// Responses are timed on the HTTP client's threads (``LiveTransport``) and recorded there,
/// under a lock.
///
/// Nothing hangs: each request is cancelled at `settings.requestTimeout`; the run at
/// `settings.deadline`; on `shouldStop` (Ctrl-C) sending stops, in-flight streams get
/// `settings.drain` (default 1.5 s) and are then cancelled.
public final class LiveReplayer: @unchecked Sendable {
    public let settings: LiveEndpointSettings
    public let options: ReplayOptions
    private let apiKey: String?
    private let prompts: SyntheticPrompt

    /// Requests a calibration fit waits for (`tokenizer=calibrate`, or `auto` without an endpoint).
    static let calibrationSample = 8
    /// How long in-flight streams are waited for after a stop, unless `drain=` says otherwise:
    /// under the command line's 3 s grace before it forces an exit.
    static let defaultStopDrain = SimDuration(seconds: 1.5)

    /// - Parameter apiKey: sent as `Authorization: Bearer`; read by the caller from the variable
    ///   `settings.apiKeyEnvironmentVariable` names. It is kept nowhere else.
    public init(settings: LiveEndpointSettings, apiKey: String?, options: ReplayOptions) {
        self.settings = settings
        self.apiKey = apiKey
        self.options = options
        prompts = SyntheticPrompt(seed: settings.seed)
    }

    /// The `X-Request-Id` of trace request `id`: a UUID whose last 48 bits are the id, so a
    /// server's logs name the trace's request. A UUID because servers validate the header:
    /// llama-cpp-python's (starlette-context's `RequestIdPlugin`) answers anything else with 400.
    /// (Not `String(format:)`: its first call loads ICU's locale data, ~10 ms that made the
    /// first sends of a run late.)
    static func requestIdentifier(_ id: Int) -> String {
        let hex = String(UInt64(truncatingIfNeeded: id) & 0xFFFF_FFFF_FFFF, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// A tokenizer endpoint was required (`tokenizer=server`) and the server offers none.
    public struct TokenizerUnavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// State shared between the sender and the response callbacks.
    private struct Shared {
        var inFlight: [Int: (LiveRequest, (any LiveTransfer)?)] = [:]
        var statistics = LiveStatistics()
        var scale = PromptScale.initial
        var calibrationPoints: [(words: Int, tokens: Int)] = []
        var calibrating = false
        var completed = 0
        var rejected = 0
    }

    /// Runs the replay; returns the live report, the replay counts and the recorder.
    ///
    /// - Parameters:
    ///   - shouldStop: polled about every 20 ms (Ctrl-C).
    ///   - progress: called about every second with (sent, finished).
    public func run<Source: RequestSource, Recorder: OutcomeRecorder & Sendable>(
        source: inout Source, recorder: Recorder, shouldStop: () -> Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (live: LiveReport, replay: ReplayReport, recorder: Recorder) {
        let headers = requestHeaders
        var shared = Shared()
        var tokenizerNote: String
        if settings.tokenizer != .calibrate,
            let measured = TokenizerProbe(
                root: settings.serverRoot, model: settings.model, headers: headers, timeout: min(settings.requestTimeout.seconds, 10),
                certificateAuthorities: settings.certificateAuthorities
            ).measure(seed: settings.seed)
        {
            shared.scale = measured.scale
            tokenizerNote = "server \(measured.endpoint)"
        } else if settings.tokenizer == .server {
            throw TokenizerUnavailable(
                description: "tokenizer=server: \(settings.serverRoot.absoluteString) answers neither POST /tokenize nor POST /extras/tokenize; use tokenizer=calibrate")
        } else {
            shared.calibrating = true
            tokenizerNote = "calibrated on the first responses' usage.prompt_tokens"
        }
        let state = Mutex(shared)
        let recorderBox = Mutex(recorder)
        let slots = DispatchSemaphore(value: 0)
        let timeout = settings.requestTimeout
        let calibrationSample = Self.calibrationSample
        // The send path's first-use costs (Swift's type metadata, Dispatch's timer thread) are
        // paid here, before the clock starts, not by the first requests' send times.
        _ = requestBody(prompt: Self.requestIdentifier(0), outputTokens: 1)
        DispatchQueue.global().asyncAfter(deadline: .now()) {}
        if settings.client == .curl { CurlTransport.reserveDescriptors(forConnections: settings.maxConnections) }
        // So is reading the trace's first request (opening it, its first block): ~13 ms that
        // made the first dozen sends late when it ran on the clock.
        var feed = ArrivalFeed(options: options)
        var firstRequest = try feed.next(from: &source)
        let origin = LiveClock.now()
        let onFinish: @Sendable (LiveRequest, Int64, (any Error)?) -> Void = { live, time, error in
            let finished = live.outcome(at: time, error: error, timeout: timeout)
            state.withLock { shared in
                shared.inFlight[live.request.id] = nil
                shared.statistics.add(finished)
                if finished.outcome.isCompleted { shared.completed += 1 } else { shared.rejected += 1 }
                if shared.calibrating, let tokens = finished.actualPromptTokens {
                    shared.calibrationPoints.append((finished.promptWords, tokens))
                    if shared.calibrationPoints.count >= calibrationSample,
                        let scale = PromptScale.fitted(shared.calibrationPoints)
                    {
                        shared.scale = scale
                        shared.calibrating = false
                    }
                }
            }
            recorderBox.withLock { recorder in
                recorder.record(finished.outcome)
                for gap in finished.gaps { recorder.record(InterTokenGaps(gap: SimDuration(nanoseconds: gap), count: 1)) }
            }
            slots.signal()
        }
        // The client's own timeout is a backstop 5 s after the request's: the replayer cancels first.
        let transport: any LiveTransport =
            switch settings.client {
            case .curl:
                CurlTransport(
                    maxConnections: settings.maxConnections, timeout: timeout.seconds + 5, origin: origin,
                    certificateAuthorities: settings.certificateAuthorities, onFinish: onFinish)
            case .urlsession:
                URLSessionTransport(maxConnections: settings.maxConnections, timeout: timeout.seconds + 5, origin: origin, onFinish: onFinish)
            }

        let closedLoop: Int?
        if case .closedLoop(let concurrency) = options.timing { closedLoop = concurrency } else { closedLoop = nil }
        let deadline = settings.deadline.map { origin + $0.nanoseconds }
        var ending: ReplayReport.Ending = .sourceExhausted
        var sent = 0
        var lastProgress = origin
        func stopReason() -> ReplayReport.Ending? {
            if shouldStop() { return .stopped }
            if let deadline, LiveClock.now() >= deadline { return .stopped }
            return nil
        }
        func reportProgress() {
            let now = LiveClock.now()
            guard now - lastProgress >= 1_000_000_000 else { return }
            lastProgress = now
            let finished = state.withLock { $0.completed + $0.rejected }
            progress(sent, finished)
        }

        sending: while true {
            if let reason = stopReason() {
                ending = reason
                break
            }
            let upcoming = try firstRequest ?? feed.next(from: &source)
            firstRequest = nil
            guard var request = upcoming else {
                ending = feed.cutOff ?? .sourceExhausted
                break
            }
            var lateness: Int64 = 0
            if let limit = closedLoop {
                // A slot: fewer than `limit` in flight.
                while state.withLock({ $0.inFlight.count }) >= limit {
                    if let reason = stopReason() {
                        ending = reason
                        break sending
                    }
                    _ = slots.wait(timeout: .now() + .milliseconds(20))
                    reportProgress()
                }
            } else {
                let target = origin + request.arrival.nanoseconds
                while LiveClock.now() < target {
                    if let reason = stopReason() {
                        ending = reason
                        break sending
                    }
                    LiveClock.sleep(until: target)
                    reportProgress()
                }
                lateness = max(0, LiveClock.now() - target)
            }
            let scale = state.withLock { $0.scale }
            let prompt = prompts.text(for: request, scale: scale)
            let body = requestBody(prompt: prompt.text, outputTokens: request.outputTokens)
            let now = LiveClock.now() - origin
            request.arrival = SimTime(nanoseconds: now)
            let live = LiveRequest(
                request: request, promptWords: prompt.words, sent: now, lateness: lateness, chat: settings.endpoint == .chat)
            var requestHeaders = headers
            requestHeaders["X-Request-Id"] = Self.requestIdentifier(request.id)
            // Registered before it starts, so a fast completion always finds it.
            state.withLock { $0.inFlight[request.id] = (live, nil) }
            let task = transport.start(live, url: settings.requestURL, body: body, headers: requestHeaders)
            state.withLock { shared in
                if shared.inFlight[request.id] != nil { shared.inFlight[request.id] = (live, task) }
            }
            sent += 1
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) {
                if live.cancel(.timeout) { task.cancel() }
            }
            reportProgress()
        }

        // Drain: in-flight streams run to their end (each bounded by its timeout), unless the
        // run was stopped (then `drain`, default 1.5 s) or reaches its deadline.
        let stoppedBySignal = ending == .stopped && shouldStop()
        let drainEnd: Int64? =
            stoppedBySignal
            ? LiveClock.now() + (settings.drain ?? Self.defaultStopDrain).nanoseconds
            : settings.drain.map { LiveClock.now() + $0.nanoseconds }
        let limits = [drainEnd, deadline].compactMap { $0 }
        let cutOffAt = limits.min()
        while state.withLock({ !$0.inFlight.isEmpty }) {
            if let cutOffAt, LiveClock.now() >= cutOffAt { break }
            if !stoppedBySignal, shouldStop() { break }
            _ = slots.wait(timeout: .now() + .milliseconds(20))
            reportProgress()
        }
        let remaining = state.withLock { Array($0.inFlight.values) }
        let reason: CancelReason = stoppedBySignal || shouldStop() ? .stopped : .deadline
        for (live, task) in remaining where live.cancel(reason) { task?.cancel() }
        if !remaining.isEmpty {
            if !stoppedBySignal, ending != .stopped, reason == .deadline { ending = .stopped }
            let waitUntil = LiveClock.now() + 300_000_000
            while state.withLock({ !$0.inFlight.isEmpty }) && LiveClock.now() < waitUntil {
                _ = slots.wait(timeout: .now() + .milliseconds(20))
            }
        }
        transport.close()
        let end = LiveClock.now() - origin

        let final = state.withLock { $0 }
        var statistics = final.statistics
        statistics.cancelledInFlight = remaining.count
        let deadlineReached = deadline.map { origin + end >= $0 } ?? false
        let live = LiveReport(
            statistics: statistics, tokenizer: tokenizerNote, scale: final.scale, wallSeconds: Double(end) / 1e9,
            deadlineReached: deadlineReached && !stoppedBySignal)
        let replay = ReplayReport(
            ending: ending, requestsAdmitted: sent, requestsCompleted: final.completed, requestsRejected: final.rejected,
            requestsSkippedBeforeWindow: feed.skippedBeforeWindow, eventsProcessed: 0, simulatedEnd: SimTime(nanoseconds: end))
        return (live, replay, recorderBox.withLock { $0 })
    }

    private var requestHeaders: [String: String] {
        var headers = ["Content-Type": "application/json", "Accept": "text/event-stream"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        return headers
    }

    /// The streaming request's JSON: the prompt, `max_tokens` = the trace's output tokens with
    /// `ignore_eos`, and usage in the stream.
    func requestBody(prompt: String, outputTokens: Int) -> Data {
        CompletionRequestBody(
            model: settings.model, prompt: prompt, chat: settings.endpoint == .chat, maxTokens: max(1, outputTokens),
            sendsMinTokens: settings.sendsMinTokens
        ).data
    }
}
