import SystemDescription
/// What limits an operator's time.
public enum Bound: String, Sendable, Equatable {
    case compute
    case memory
    case communication
    case fixed
}

/// The cost of one operator invocation: its time and the work behind it.
public struct OperatorTime: Sendable, Equatable {
    public var name: String
    public var microseconds: Double
    public var bound: Bound
    /// Useful floating-point (or integer) operations.
    public var flops: Double
    /// Bytes moved through HBM, or over the wire for communication.
    public var bytes: Double

    public init(name: String, microseconds: Double, bound: Bound, flops: Double = 0, bytes: Double = 0) {
        self.name = name
        self.microseconds = microseconds
        self.bound = bound
        self.flops = flops
        self.bytes = bytes
    }

    public var seconds: Double { microseconds * 1e-6 }
}

/// The slice of a die an operator runs on: the fractions of cube and vector cores it owns.
///
/// A stream of the decode microbatch pipeline owns e.g. 16 of 24 cube cores. HBM bandwidth is
/// not sliced: each stream sees the whole die's bandwidth and the pipeline separately bounds the
/// layer by the bytes both streams move together.
public struct CoreShare: Sendable, Equatable {
    public var cubeFraction: Double
    public var vectorFraction: Double

    public static let wholeDie = CoreShare(cubeFraction: 1, vectorFraction: 1)

    public init(cubeFraction: Double, vectorFraction: Double) {
        self.cubeFraction = cubeFraction
        self.vectorFraction = vectorFraction
    }

    public init(stream: StreamShare, die: DieSpec) {
        self.init(
            cubeFraction: Double(stream.cubeCores) / Double(die.cubeCores),
            vectorFraction: Double(stream.vectorCores) / Double(die.vectorCores))
    }
}

extension Calibration {
    /// `time` plus the fixed per-invocation cost.
    public func charged(_ time: OperatorTime) -> OperatorTime {
        var t = time
        t.microseconds += perOperatorOverheadSeconds * 1e6
        return t
    }
}
