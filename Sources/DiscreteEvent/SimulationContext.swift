/// The clock and the future-event queue of one simulation: what an event handler may use.
///
/// Handlers read `now` and schedule new events; only a driver (`Simulator`, the replayer)
/// takes events out, which is what advances the clock. Nothing here is global, so any number
/// of simulations can run in one process without touching each other.
///
/// **Same-instant rule.** Events run in `(time, sequence)` order, where `sequence` counts
/// scheduling calls on this context. So an event scheduled for the current instant — from
/// outside or from inside a handler, with `after: .zero` or `at: now` — runs after every event
/// already queued for that instant, and events scheduled for one instant run in the order they
/// were scheduled (FIFO). Nothing ever runs re-entrantly inside `schedule`.
///
/// Events scheduled for the instant the clock is at wait in a `FIFOQueue` rather than the
/// heap; the order is the same. Those in the heap for that instant were scheduled before the
/// clock reached it, so before any of them: they run first, then the instant queue in FIFO
/// order, and the clock moves on only once both are done with the instant. A driver's one
/// recurring event may wait beside the heap (`scheduleAside`) with the sequence number it would
/// have had there, so it too comes out in its place.
///
/// **The limit.** An event may be scheduled past `SimTime.limit` (time arithmetic saturates
/// rather than trapping); the first such time is kept in `timeBeyondLimit` so that a driver can
/// stop and say so instead of reporting times that no longer mean anything.
public struct SimulationContext<Event> {
    @usableFromInline var clock: SimTime
    @usableFromInline var processed: Int
    @usableFromInline var queue: EventQueue<Event>
    /// Events due at `clock`, scheduled while the clock was there (see the same-instant rule).
    @usableFromInline var instant: FIFOQueue<Event>
    /// A driver's one recurring event (a replay's next arrival), kept out of the heap with its
    /// place in the `(time, sequence)` order: it costs no sift up or down.
    @usableFromInline var aside: ScheduledEvent<Event>?
    /// The first time scheduled past `SimTime.limit`, if any.
    @usableFromInline package var timeBeyondLimit: SimTime?

    @inlinable public init(startingAt start: SimTime = .zero, minimumCapacity: Int = 0) {
        clock = start
        processed = 0
        queue = EventQueue(minimumCapacity: minimumCapacity)
        instant = FIFOQueue()
        aside = nil
        timeBeyondLimit = nil
    }

    /// The simulated time of the event being handled (or of the last one handled).
    @inlinable public var now: SimTime { clock }
    /// Events taken from the queue so far: a deterministic measure of simulation work.
    @inlinable public var eventsProcessed: Int { processed }
    /// Events scheduled and not yet run.
    @inlinable public var pendingEventCount: Int { queue.count + instant.count + (aside == nil ? 0 : 1) }
    /// The time of the next event, or nil when none is pending.
    @inlinable public var nextEventTime: SimTime? {
        let next = instant.isEmpty ? queue.first?.time : clock
        guard let aside else { return next }
        return next.map { Swift.min($0, aside.time) } ?? aside.time
    }

    /// Schedules `event` to run at `time`, which must not be in the past.
    /// - Complexity: O(log n) in the number of pending events.
    @inlinable public mutating func schedule(_ event: Event, at time: SimTime) {
        precondition(time >= clock, "cannot schedule an event at \(time): the clock is already at \(clock)")
        noteIfBeyondLimit(time)
        if time == clock {
            instant.append(event)
        } else {
            queue.push(event, at: time)
        }
    }

    /// Schedules `event` to run `delay` from now; `delay` must not be negative.
    /// - Complexity: O(log n) in the number of pending events.
    @inlinable public mutating func schedule(_ event: Event, after delay: SimDuration) {
        precondition(delay >= .zero, "cannot schedule an event after a negative delay (\(delay))")
        let time = clock + delay
        noteIfBeyondLimit(time)
        if time == clock {
            instant.append(event)
        } else {
            queue.push(event, at: time)
        }
    }

    /// `schedule(_:at:)` for a driver's one recurring event, which waits beside the heap in the
    /// same place of the order (see `aside`). At most one such event may be pending.
    @inlinable package mutating func scheduleAside(_ event: Event, at time: SimTime) {
        precondition(aside == nil, "one event aside at a time")
        guard time != clock else {
            schedule(event, at: time)
            return
        }
        precondition(time > clock, "cannot schedule an event at \(time): the clock is already at \(clock)")
        noteIfBeyondLimit(time)
        aside = ScheduledEvent(time: time, sequence: queue.reserveSequence(), payload: event)
    }

    /// Whether no other event is due at this instant: none waits in the instant queue, and
    /// neither the heap's first event nor the one aside is due now. An event scheduled now for
    /// now would then be the next to run (for a driver that does nothing between events).
    @inlinable public var nothingElseDueNow: Bool {
        instant.isEmpty && (queue.first.map { $0.time > clock } ?? true) && (aside.map { $0.time > clock } ?? true)
    }

    /// Counts an event that a handler ran in place instead of scheduling it for now, when it
    /// would have been the next to run (`nothingElseDueNow`): it is still an event of the model,
    /// so `eventsProcessed` (and a driver's progress calls) do not depend on the shortcut.
    @inlinable public mutating func countEventRunInPlace() { processed &+= 1 }

    @inlinable mutating func noteIfBeyondLimit(_ time: SimTime) {
        if _slowPath(time > SimTime.limit), timeBeyondLimit == nil { timeBeyondLimit = time }
    }

    /// Removes the next event and moves the clock to its time; for drivers, not handlers.
    /// - Complexity: O(log n) in the number of pending events.
    @inlinable @inline(__always)  // one call site, the driver's loop; outlined it cost ~8 % more
    package mutating func takeNextEvent() -> Event? {
        if let next = aside, instant.isEmpty || next.time == clock, queue.first.map({ next.precedes($0) }) ?? true {
            aside = nil
            clock = next.time
            processed &+= 1
            return next.payload
        }
        if !instant.isEmpty {
            // The heap's events for this instant were scheduled before the instant queue's.
            if let first = queue.first, first.time == clock {
                processed &+= 1
                return queue.popFirst()!.payload
            }
            processed &+= 1
            return instant.removeFirst()
        }
        guard let next = queue.popFirst() else { return nil }
        clock = next.time
        processed &+= 1
        return next.payload
    }

    /// Moves an idle clock forward to `time` (a driver stopping at a time limit).
    @inlinable package mutating func advanceClock(to time: SimTime) {
        precondition(time >= clock, "cannot move the clock back from \(clock) to \(time)")
        precondition(instant.isEmpty || time == clock, "cannot move the clock past events due at \(clock)")
        clock = time
    }
}
