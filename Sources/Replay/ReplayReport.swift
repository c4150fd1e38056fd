import DiscreteEvent
import Serving

/// What a replay did: why it ended, how many requests went where, how much work it took.
///
/// Wall-clock time is the caller's to measure; `eventsProcessed` is the deterministic measure
/// of simulation work (events per second = `eventsProcessed` / wall time).
public struct ReplayReport: Sendable, Equatable {
    public enum Ending: String, Sendable, Equatable {
        /// The source had no more requests and every admitted request finished.
        case sourceExhausted = "source-exhausted"
        /// A request past the window's end was read; later ones were not.
        case windowEnded = "window-ended"
        /// `maxRequests` were admitted; later ones were not read.
        case maxRequestsReached = "max-requests-reached"
        /// The progress closure asked to stop (cancellation); requests may be in flight.
        case stopped
        /// Simulated time would have passed `SimTime.limit`; `overrun` says where. Requests may
        /// be in flight, and the caller should report the overrun as an error.
        case simulatedTimeLimit = "simulated-time-limit"
    }

    public var ending: Ending
    /// Requests handed to the backend.
    public var requestsAdmitted: Int
    public var requestsCompleted: Int
    public var requestsRejected: Int
    /// Requests read but recorded before the window start.
    public var requestsSkippedBeforeWindow: Int
    /// Admitted requests without an outcome at the end: non-zero after `stopped`, or when a
    /// backend lost a request (a backend bug the caller should report).
    public var requestsUnfinished: Int { requestsAdmitted - requestsCompleted - requestsRejected }
    public var eventsProcessed: Int
    /// The simulated clock when the replay ended.
    public var simulatedEnd: SimTime
    /// Why the replay ended at the limit of simulated time (`ending == .simulatedTimeLimit`).
    public var overrun: TimeLimitOverrun?

    public init(
        ending: Ending, requestsAdmitted: Int, requestsCompleted: Int, requestsRejected: Int,
        requestsSkippedBeforeWindow: Int, eventsProcessed: Int, simulatedEnd: SimTime,
        overrun: TimeLimitOverrun? = nil
    ) {
        self.overrun = overrun
        self.ending = ending
        self.requestsAdmitted = requestsAdmitted
        self.requestsCompleted = requestsCompleted
        self.requestsRejected = requestsRejected
        self.requestsSkippedBeforeWindow = requestsSkippedBeforeWindow
        self.eventsProcessed = eventsProcessed
        self.simulatedEnd = simulatedEnd
    }
}

/// Where a replay would have taken simulated time past `SimTime.limit`.
public struct TimeLimitOverrun: Sendable, Equatable {
    public enum Cause: Sendable, Equatable {
        /// A request's arrival, as re-timed by the options (`.speed`, `.rate`), is past the limit.
        case arrival
        /// The backend scheduled an event past the limit (a long service time, say).
        case serving
    }

    public var cause: Cause
    /// The trace row of the request concerned, when one is known: the late arrival, or the
    /// request whose admission scheduled the late event.
    public var origin: InputLocation?
    /// The time that would have been reached (`Int64.max` when it does not fit at all).
    public var time: SimTime

    public init(cause: Cause, origin: InputLocation?, time: SimTime) {
        self.cause = cause
        self.origin = origin
        self.time = time
    }
}

/// A snapshot for progress displays, passed every `progressInterval` events.
public struct ReplayProgress: Sendable, Equatable {
    public var requestsAdmitted: Int
    /// Requests completed or rejected so far.
    public var requestsFinished: Int
    public var simulatedTime: SimTime
    public var eventsProcessed: Int

    public init(requestsAdmitted: Int, requestsFinished: Int, simulatedTime: SimTime, eventsProcessed: Int) {
        self.requestsAdmitted = requestsAdmitted
        self.requestsFinished = requestsFinished
        self.simulatedTime = simulatedTime
        self.eventsProcessed = eventsProcessed
    }
}

/// The progress closure's answer: go on, or stop cooperatively (on SIGINT, say).
public enum ReplayDecision: Sendable {
    case `continue`
    case stop
}
