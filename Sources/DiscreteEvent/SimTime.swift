/// A point on the simulated clock, in integer nanoseconds since the start of the run.
///
/// Integer time is exact and totally ordered: two runs that schedule the same events
/// produce the same order, whatever the floating-point path that computed a duration.
public struct SimTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = SimTime(nanoseconds: 0)
    /// Later than any event a run can schedule; used as "never".
    public static let distantFuture = SimTime(nanoseconds: .max)

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }

    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(nanoseconds: t.nanoseconds + d.nanoseconds)
    }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }

    public var description: String { "\(seconds)s" }
}

/// A span of simulated time, in integer nanoseconds.
public struct SimDuration: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = SimDuration(nanoseconds: 0)

    /// Rounds to the nearest nanosecond; negative and non-finite inputs are programmer errors.
    @inlinable public init(seconds: Double) {
        precondition(seconds.isFinite && seconds >= 0, "SimDuration(seconds:) needs a finite, non-negative value, got \(seconds)")
        self.nanoseconds = Int64((seconds * 1e9).rounded())
    }
    @inlinable public static func milliseconds(_ ms: Double) -> SimDuration { SimDuration(seconds: ms / 1e3) }
    @inlinable public static func microseconds(_ us: Double) -> SimDuration { SimDuration(seconds: us / 1e6) }

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }
    @inlinable public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds + b.nanoseconds)
    }
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds * k)
    }

    public var description: String { "\(milliseconds)ms" }
}
