/// A point on the simulated clock, in integer nanoseconds since the start of the run.
///
/// Integer time is exact and totally ordered: two runs that schedule the same events
/// produce the same order, whatever the floating-point path that computed a duration.
///
/// **The limit of simulated time.** A run holds times up to `SimTime.limit`, 2^62 ns (about
/// 146 years). Inputs are checked against it where they are read (trace arrivals, option
/// durations), so that any time plus any duration, both within the limit, fits in 64 bits.
/// Arithmetic saturates at `Int64.max` rather than trapping, so a computation that still runs
/// past the limit (a huge time per token times many tokens) yields a time beyond it that a
/// driver can detect and report, never a crash.
public struct SimTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// (Computed, as `limit`: a stored `static let` is reached through a lazy-initialisation
    /// check at every use in another module.)
    @inlinable public static var zero: SimTime { SimTime(nanoseconds: 0) }
    /// Later than any event a run can schedule; used as "never".
    public static let distantFuture = SimTime(nanoseconds: .max)
    /// The latest time a run holds: 2^62 ns, about 146 years (see the type's discussion).
    /// (Computed, so that a check against it in an inlined hot loop is a constant compare.)
    @inlinable public static var limit: SimTime { SimTime(nanoseconds: 1 << 62) }
    /// `limit` in words, for messages: "2^62 ns (about 146 years)".
    public static let limitDescription = "2^62 ns (about 146 years)"

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Saturates at `Int64.max` (and `Int64.min`) instead of trapping.
    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(nanoseconds: saturatingSum(t.nanoseconds, d.nanoseconds))
    }
    /// Saturates at `Int64.max` (and `Int64.min`) instead of trapping.
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        let (difference, overflow) = a.nanoseconds.subtractingReportingOverflow(b.nanoseconds)
        if _slowPath(overflow) { return SimDuration(nanoseconds: b.nanoseconds < 0 ? .max : .min) }
        return SimDuration(nanoseconds: difference)
    }

    public var description: String { "\(seconds)s" }
}

/// A span of simulated time, in integer nanoseconds.
public struct SimDuration: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// (Computed: see `SimTime.zero`. `after: .zero` is scheduled once per decode step.)
    @inlinable public static var zero: SimDuration { SimDuration(nanoseconds: 0) }
    /// The longest duration a run holds, `SimTime.limit` from time zero.
    @inlinable public static var limit: SimDuration { SimDuration(nanoseconds: 1 << 62) }

    /// Rounds to the nearest nanosecond, saturating at `Int64.max` for values too large to hold;
    /// negative and non-finite inputs are programmer errors.
    @inlinable public init(seconds: Double) {
        precondition(seconds.isFinite && seconds >= 0, "SimDuration(seconds:) needs a finite, non-negative value, got \(seconds)")
        self.init(roundingNanoseconds: seconds * 1e9)
    }
    /// Rounds a non-negative number of nanoseconds to the nearest one, saturating at `Int64.max`
    /// (infinity included); NaN and negative values are programmer errors.
    @inlinable public init(roundingNanoseconds value: Double) {
        precondition(value >= 0, "SimDuration(roundingNanoseconds:) needs a non-negative value, got \(value)")
        // 2^63 is the first Double above Int64.max; converting it or more would trap.
        let rounded = value.rounded()
        self.nanoseconds = rounded < 9_223_372_036_854_775_808.0 ? Int64(rounded) : .max
    }
    @inlinable public static func milliseconds(_ ms: Double) -> SimDuration { SimDuration(seconds: ms / 1e3) }
    @inlinable public static func microseconds(_ us: Double) -> SimDuration { SimDuration(seconds: us / 1e6) }

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }
    @inlinable public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    /// Saturates at `Int64.max` (and `Int64.min`) instead of trapping.
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: saturatingSum(a.nanoseconds, b.nanoseconds))
    }
    /// Saturates at `Int64.max` (and `Int64.min`) instead of trapping.
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration {
        let (product, overflow) = a.nanoseconds.multipliedReportingOverflow(by: k)
        if _slowPath(overflow) { return SimDuration(nanoseconds: (a.nanoseconds < 0) == (k < 0) ? .max : .min) }
        return SimDuration(nanoseconds: product)
    }

    public var description: String { "\(milliseconds)ms" }
}

/// `a + b`, clamped to `Int64.min...Int64.max`: two instructions more than a plain add.
@inlinable func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    if _slowPath(overflow) { return b < 0 ? .min : .max }
    return sum
}
