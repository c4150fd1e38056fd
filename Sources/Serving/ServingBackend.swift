import DiscreteEvent

/// A simulated serving system: the one plug-in point of cmbench.
///
/// **Who owns what.** The *replayer* owns the clock and the event queue; it owns arrivals
/// (pulling each request from the source when the clock reaches it, re-timing it for speed,
/// rate or closed-loop modes, injecting a new request when one finishes in closed loop) and it
/// owns recording (it passes every reported outcome and gap to the recorder). The *backend*
/// owns everything after arrival: admission, queueing, batching, per-token progress, prefix
/// caching, completion and rejection. It learns of a request through `arrive(_:in:)`, drives
/// itself with its own events through `handle(_:in:)`, and reports through the context:
///
/// * exactly one `RequestOutcome` per request, when it completes or is rejected (with a
///   `Rejection` saying why), carrying its arrival, service start (if the backend queues),
///   first-token and finish times, token counts and cached prefix tokens;
/// * inter-token gaps in aggregate, `reportInterTokenGaps(gap, count:)`, one record per
///   batch-composition epoch rather than per token — at 27 M requests × ~300 tokens, per-token
///   events are out of reach.
///
/// A backend never reads the trace, the clock's future, or the recorder, and never prints.
/// Its randomness comes from a `SeededGenerator` given at construction (split from the run's
/// seed with its own label), so the replayer's arrival stream and the backend's draws never
/// shift each other.
///
/// The protocol has an associated `Event` type so that the replayer, generic over the
/// backend, is specialised for it: no existential call and no allocation per event. Keep
/// `Event` small (indices, not requests).
///
/// A complete conformer, serving every request with a constant latency and no queue:
///
/// ```swift
/// struct ConstantBackend: ServingBackend {
///     enum Event { case done(id: Int) }
///     var latency: SimDuration
///     var inFlight: [Int: ServingRequest] = [:]   // looked up by id, never iterated
///     var descriptor: BackendDescriptor { BackendDescriptor(name: "constant") }
///
///     mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>) {
///         inFlight[request.id] = request
///         context.schedule(.done(id: request.id), after: latency)
///     }
///
///     mutating func handle(_ event: Event, in context: inout ServingContext<Event>) {
///         guard case .done(let id) = event, let request = inFlight.removeValue(forKey: id) else { return }
///         context.report(RequestOutcome(
///             requestID: id, disposition: .completed, arrival: request.arrival,
///             serviceStart: request.arrival, firstToken: context.now, finish: context.now,
///             inputTokens: request.inputTokens, outputTokens: request.outputTokens,
///             cachedPrefixTokens: 0, origin: request.origin))
///     }
/// }
/// ```
///
/// `FixedLatencyBackend` is the shipped example, with a concurrency limit and a FIFO queue.
public protocol ServingBackend {
    /// The backend's own events (step ends, transfers, completions). Keep it small.
    associatedtype Event

    /// Name, hardware and configuration, for reports and per-accelerator throughput.
    var descriptor: BackendDescriptor { get }

    /// A request arrives at `context.now` (its `arrival`, already re-timed by the replayer).
    /// The backend admits, queues or rejects it.
    mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>)

    /// One of the backend's own events fires at `context.now`.
    mutating func handle(_ event: Event, in context: inout ServingContext<Event>)

    /// Every request arriving at this instant has been handed to `arrive`: called once after
    /// the last of them, before any event runs (unless the run is stopping). For a backend that
    /// holds back an event `arrive` would schedule for now until no more requests of the instant
    /// can follow, so as to run it in place (`ServingContext.runsInPlaceNow()`). The default does
    /// nothing.
    mutating func arrivalsEnded(in context: inout ServingContext<Event>)

    /// The backend's own counters of the run so far, for the report (iterations, preemptions,
    /// …), as ordered key–value pairs; the default has none, and a report shows none.
    var runCounters: [BackendCounter] { get }
}

extension ServingBackend {
    @inlinable public mutating func arrivalsEnded(in context: inout ServingContext<Event>) {}
    public var runCounters: [BackendCounter] { [] }
}

/// One of a backend's own counts of a run (`iterations`, `preemptions`, `mean_batch_per_rank`).
public struct BackendCounter: Sendable, Hashable {
    public var key: String
    public var value: Double

    public init(_ key: String, _ value: Double) {
        self.key = key
        self.value = value
    }

    public init(_ key: String, _ value: Int) {
        self.init(key, Double(value))
    }
}
