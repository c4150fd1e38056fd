/// A model driven by a `Simulator`: it reacts to each event and may schedule more.
///
/// `Event` should be a small value (an enum carrying indices), because it is copied through
/// the heap; keep bulky per-entity state in the model, indexed by the event.
public protocol SimulationModel {
    associatedtype Event
    /// Handles one event at `context.now`; may schedule further events on `context`.
    mutating func handle(_ event: Event, in context: inout SimulationContext<Event>)
}

/// Runs a `SimulationModel`: owns its clock and queue, and dispatches events in order.
///
/// Generic over the model, so the event loop is specialised for it: no existential calls and
/// no allocation per event. Events run in `(time, sequence)` order; see `SimulationContext`
/// for the same-instant rule.
///
/// ```swift
/// var simulator = Simulator(model: MyModel())
/// simulator.schedule(.start, at: .zero)
/// simulator.run()
/// ```
public struct Simulator<Model: SimulationModel> {
    public var model: Model
    @usableFromInline var context: SimulationContext<Model.Event>

    @inlinable public init(model: Model, startingAt start: SimTime = .zero) {
        self.model = model
        self.context = SimulationContext(startingAt: start)
    }

    /// The time of the next pending event, or nil when none is pending.
    @inlinable public var nextEventTime: SimTime? { context.nextEventTime }

    @inlinable public var now: SimTime { context.now }
    @inlinable public var eventsProcessed: Int { context.eventsProcessed }
    @inlinable public var pendingEventCount: Int { context.pendingEventCount }

    /// Schedules an event from outside the model (initial conditions, external stimuli).
    @inlinable public mutating func schedule(_ event: Model.Event, at time: SimTime) {
        context.schedule(event, at: time)
    }

    /// Schedules an event `delay` after the current time.
    @inlinable public mutating func schedule(_ event: Model.Event, after delay: SimDuration) {
        context.schedule(event, after: delay)
    }

    /// Runs the next event; returns false (and does nothing) when none is pending.
    /// - Complexity: O(log n) plus the handler.
    @inlinable @discardableResult public mutating func step() -> Bool {
        guard let event = context.takeNextEvent() else { return false }
        model.handle(event, in: &context)
        return true
    }

    /// Runs every event due at or before `limit`, including those the handlers add meanwhile.
    ///
    /// With a finite `limit` the clock is then left at `limit` (as SimPy's `run(until:)`), so
    /// a later `schedule(after:)` counts from there; with the default it stays at the last
    /// event's time.
    @inlinable public mutating func run(until limit: SimTime = .distantFuture) {
        while let next = context.nextEventTime, next <= limit {
            step()
        }
        if limit != .distantFuture && limit > context.now { context.advanceClock(to: limit) }
    }
}
