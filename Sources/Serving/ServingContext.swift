import DiscreteEvent

/// One slot of the replay's event queue: the next arrival, or one of the backend's events.
///
/// The replayer keeps the pending request itself beside the queue (only one at a time), so
/// queue entries stay small.
public enum ServingEvent<BackendEvent> {
    case arrival
    case backend(BackendEvent)
}

/// What a `ServingBackend` sees while it handles an arrival or one of its own events.
///
/// The backend reads `now`, schedules its own events, and reports outcomes and inter-token
/// gaps. The replayer drains those reports after each call and passes them to the recorder;
/// the backend never sees the clock move, the trace, or the recorder.
public struct ServingContext<BackendEvent> {
    @usableFromInline package var simulation: SimulationContext<ServingEvent<BackendEvent>>
    @usableFromInline package var outcomes: ContiguousArray<RequestOutcome>
    @usableFromInline package var gaps: ContiguousArray<InterTokenGaps>
    /// The replayer admits a request after each event for each outcome it reported (closed
    /// loop): set by the replayer.
    @usableFromInline package var admitsAfterOutcomes = false
    /// The count of processed events at which the replayer next calls its progress callback
    /// (after the event that reaches it): set by the replayer.
    @usableFromInline package var progressCheckAt = Int.max

    @inlinable public init(startingAt start: SimTime = .zero) {
        simulation = SimulationContext(startingAt: start)
        outcomes = []
        gaps = []
    }

    /// The current simulated time.
    @inlinable public var now: SimTime { simulation.now }

    /// Schedules one of the backend's events at `time` (not in the past). Same-instant events
    /// run after those already queued for that instant, in scheduling order.
    @inlinable public mutating func schedule(_ event: BackendEvent, at time: SimTime) {
        simulation.schedule(.backend(event), at: time)
    }

    /// Schedules one of the backend's events `delay` from now.
    @inlinable public mutating func schedule(_ event: BackendEvent, after delay: SimDuration) {
        simulation.schedule(.backend(event), after: delay)
    }

    /// Whether the caller may do the work of an event it would schedule for now (zero delay) at
    /// once, in place, instead; if so, that event is counted as processed.
    ///
    /// True when the event would be the next to run anyway, with nothing in between: no other
    /// event is due at this instant, the replayer will not admit a request before it (in closed
    /// loop it admits one after an event for each outcome the event reported), and it will not
    /// call its progress callback before it. The work then runs in the same place of the
    /// `(time, sequence)` order, with the same clock, and anything it schedules gets the same
    /// sequence numbers: only the queue's round trip is saved. Call it only at the end of an
    /// event handler (`handle`) or in `arrivalsEnded`: within `arrive`, further arrivals of the
    /// same instant may still follow.
    @inlinable @inline(__always) public mutating func runsInPlaceNow() -> Bool {
        guard simulation.nothingElseDueNow, simulation.eventsProcessed < progressCheckAt,
            !(admitsAfterOutcomes && !outcomes.isEmpty)
        else { return false }
        simulation.countEventRunInPlace()
        return true
    }

    /// Reports that a request left the system, completed or rejected. Report each request
    /// exactly once, at the time it finishes.
    @inlinable public mutating func report(_ outcome: RequestOutcome) {
        outcomes.append(outcome)
    }

    /// Reports `count` inter-token gaps of length `gap` (see `InterTokenGaps`).
    @inlinable public mutating func reportInterTokenGaps(_ gap: SimDuration, count: Int) {
        guard count > 0 else { return }
        gaps.append(InterTokenGaps(gap: gap, count: count))
    }
}
