import DiscreteEvent
import Serving

/// Replays a stream of requests through a serving backend on a simulated clock.
///
/// The replayer owns the clock, the event queue and the arrivals; the backend owns everything
/// after arrival (see `ServingBackend`). Requests are pulled from the source only when the
/// clock reaches the previous arrival, so memory is constant in the trace's length. Outcomes
/// and inter-token gaps are streamed to the recorder in runs of up to `recordRun` (one array
/// each, `OutcomeRecorder.record(outcomes:gaps:)`), and all of them before each progress call;
/// in closed loop after every event, since each finished request admits the next.
///
/// **Event order.** Events run in `(time, sequence)` order (see `SimulationContext`): an event
/// scheduled for the current instant runs after everything already queued for that instant,
/// FIFO. Requests with the same arrival time are handed to the backend one after another, in
/// source order, within a single replay event, so a backend that schedules a zero-delay
/// "form a batch" event sees all of them first.
///
/// **The limit.** When an arrival (as re-timed by the options) or an event the backend schedules
/// would fall past `SimTime.limit`, the replay stops at once with `ending` =
/// `.simulatedTimeLimit` and `overrun` naming the request's row, for the caller to report.
///
/// Generic over the backend (and `run` over the source and recorder) so that the event loop is
/// specialised: no existential call and no allocation per event.
///
/// ```swift
/// var replayer = Replayer(backend: FixedLatencyBackend(), options: ReplayOptions(timing: .speed(2)))
/// var source = InMemoryRequestSource(requests)
/// var recorder = InMemoryRecorder()
/// let report = try replayer.run(source: &source, recorder: &recorder)
/// ```
public struct Replayer<Backend: ServingBackend> {
    /// The backend, with whatever state it holds after the run (for backend-specific reports).
    public var backend: Backend
    public let options: ReplayOptions
    @usableFromInline var context: ServingContext<Backend.Event>
    @usableFromInline var hasRun = false

    /// Options out of range are a programmer error here; call `options.validate()` first to
    /// turn them into a user-facing message.
    public init(backend: Backend, options: ReplayOptions = ReplayOptions()) {
        do { try options.validate() } catch { preconditionFailure("invalid ReplayOptions: \(error)") }
        self.backend = backend
        self.options = options
        self.context = ServingContext()
    }

    /// Runs the whole replay: until the source (or window, or limit) is exhausted and every
    /// admitted request has finished, or until `progress` returns `.stop`.
    ///
    /// Errors thrown by the source are rethrown unchanged (the run is then abandoned). A
    /// replayer runs once.
    /// - Parameter progress: called every `options.progressInterval` events; keep it cheap.
    /// - Complexity: O(e log p) for e events with at most p pending, plus the backend's work.
    @inlinable public mutating func run<Source: RequestSource, Recorder: OutcomeRecorder>(
        source: inout Source, recorder: inout Recorder,
        progress: (ReplayProgress) -> ReplayDecision = { _ in .continue }
    ) throws(Source.Failure) -> ReplayReport {
        precondition(!hasRun, "a Replayer runs once; make a new one for another run")
        hasRun = true
        var run = RunState(feed: ArrivalFeed(options: options))
        let closedLoop: Bool
        if case .closedLoop = options.timing { closedLoop = true } else { closedLoop = false }
        context.admitsAfterOutcomes = closedLoop
        if case .closedLoop(let concurrency) = options.timing {
            // Nothing runs in place before the loop: no progress call would follow it.
            context.progressCheckAt = 0
            for _ in 0..<concurrency {
                guard try admitClosedLoop(from: &source, run: &run) else { break }
            }
            try drain(source: &source, recorder: &recorder, run: &run)
            if run.overrun == nil { backend.arrivalsEnded(in: &context) }
        } else if let first = try run.feed.next(from: &source) {
            run.pending = first
            scheduleArrival(of: first, run: &run)
        }

        var nextProgress = options.progressInterval
        context.progressCheckAt = nextProgress
        var stopped = false
        while run.overrun == nil, let event = context.simulation.takeNextEvent() {
            switch event {
            case .arrival:
                try admitArrivals(from: &source, run: &run)
                if run.overrun == nil { backend.arrivalsEnded(in: &context) }
            case .backend(let backendEvent):
                backend.handle(backendEvent, in: &context)
                noteOverrun(origin: nil, run: &run)
            }
            if closedLoop {
                try drain(source: &source, recorder: &recorder, run: &run)
            } else if context.outcomes.count >= Self.recordRun || context.gaps.count >= Self.recordRun {
                flush(recorder: &recorder, run: &run)
            }
            if context.simulation.eventsProcessed >= nextProgress {
                flush(recorder: &recorder, run: &run)
                nextProgress += options.progressInterval
                context.progressCheckAt = nextProgress
                let snapshot = ReplayProgress(
                    requestsAdmitted: run.admitted, requestsFinished: run.completed + run.rejected,
                    simulatedTime: context.now, eventsProcessed: context.simulation.eventsProcessed)
                if progress(snapshot) == .stop {
                    stopped = true
                    break
                }
            }
        }
        flush(recorder: &recorder, run: &run)
        let ending: ReplayReport.Ending =
            run.overrun != nil ? .simulatedTimeLimit : stopped ? .stopped : run.feed.cutOff ?? .sourceExhausted
        return ReplayReport(
            ending: ending,
            requestsAdmitted: run.admitted, requestsCompleted: run.completed, requestsRejected: run.rejected,
            requestsSkippedBeforeWindow: run.feed.skippedBeforeWindow,
            eventsProcessed: context.simulation.eventsProcessed, simulatedEnd: context.now, overrun: run.overrun)
    }

    /// Counters and the one pending arrival of a run in progress.
    @usableFromInline struct RunState {
        @usableFromInline var feed: ArrivalFeed
        @usableFromInline var pending: ServingRequest?
        @usableFromInline var admitted = 0
        @usableFromInline var completed = 0
        @usableFromInline var rejected = 0
        /// Set when simulated time would pass the limit; the run stops.
        @usableFromInline var overrun: TimeLimitOverrun?

        @usableFromInline init(feed: ArrivalFeed) { self.feed = feed }
    }

    /// Hands the pending request, and every following one with the same arrival time, to the
    /// backend; then schedules the next later arrival.
    @inlinable mutating func admitArrivals<Source: RequestSource>(
        from source: inout Source, run: inout RunState
    ) throws(Source.Failure) {
        while let request = run.pending {
            run.admitted += 1
            backend.arrive(request, in: &context)
            if noteOverrun(origin: request.origin, run: &run) { return }
            run.pending = try run.feed.next(from: &source)
            guard let next = run.pending else { return }
            if next.arrival != context.now {
                scheduleArrival(of: next, run: &run)
                return
            }
        }
    }

    /// Schedules the arrival event of `request`, or records an overrun if it is past the limit.
    @inlinable mutating func scheduleArrival(of request: ServingRequest, run: inout RunState) {
        guard request.arrival <= .limit else {
            run.overrun = TimeLimitOverrun(cause: .arrival, origin: request.origin, time: request.arrival)
            return
        }
        // Beside the heap: one arrival is pending at a time, and it is a quarter of the events.
        context.simulation.scheduleAside(.arrival, at: request.arrival)
    }

    /// Records an overrun if the backend has scheduled an event past the limit; true if it has.
    @inlinable @discardableResult mutating func noteOverrun(origin: InputLocation?, run: inout RunState) -> Bool {
        guard _slowPath(context.simulation.timeBeyondLimit != nil) else { return false }
        if run.overrun == nil {
            run.overrun = TimeLimitOverrun(cause: .serving, origin: origin, time: context.simulation.timeBeyondLimit!)
        }
        return true
    }

    /// Closed loop: starts the next request from the source now; false when there is none.
    @inlinable mutating func admitClosedLoop<Source: RequestSource>(
        from source: inout Source, run: inout RunState
    ) throws(Source.Failure) -> Bool {
        guard run.overrun == nil, var request = try run.feed.next(from: &source) else { return false }
        request.arrival = context.now
        run.admitted += 1
        backend.arrive(request, in: &context)
        return !noteOverrun(origin: request.origin, run: &run)
    }

    /// Outcomes (or gaps) reported that make the replayer hand them to the recorder before the
    /// next progress call: bounds the memory they hold whatever the progress interval.
    @inlinable static var recordRun: Int { 1024 }

    /// Closed loop, after each event: each finished request makes room for the next, admitted
    /// now; then everything reported goes to the recorder.
    @inlinable mutating func drain<Source: RequestSource, Recorder: OutcomeRecorder>(
        source: inout Source, recorder: inout Recorder, run: inout RunState
    ) throws(Source.Failure) {
        var index = 0
        // Admitting can report more outcomes (an immediate rejection), which this loop then
        // picks up too.
        while index < context.outcomes.count {
            if context.outcomes[index].isCompleted { run.completed += 1 } else { run.rejected += 1 }
            index += 1
            _ = try admitClosedLoop(from: &source, run: &run)
        }
        if index > 0 || !context.gaps.isEmpty { recorder.record(outcomes: &context.outcomes, gaps: &context.gaps) }
        if index > 0, run.overrun == nil { backend.arrivalsEnded(in: &context) }
    }

    /// Counts what the backend reported and hands it to the recorder in one run (open loop:
    /// every `recordRun` records, before each progress call, and at the end; in closed loop,
    /// `drain` has already done it after each event).
    @inlinable mutating func flush<Recorder: OutcomeRecorder>(recorder: inout Recorder, run: inout RunState) {
        guard !context.outcomes.isEmpty || !context.gaps.isEmpty else { return }
        for index in context.outcomes.indices {
            if context.outcomes[index].isCompleted { run.completed += 1 } else { run.rejected += 1 }
        }
        recorder.record(outcomes: &context.outcomes, gaps: &context.gaps)
    }
}
