/// Where the replayer sends what backends report: outcomes and inter-token gaps, in order.
///
/// Metrics accumulators, per-request CSV writers and the in-memory recorder conform; combine
/// two with `RecorderPair`. Records arrive in simulated-time order of reporting, which is
/// deterministic for a given trace, configuration and seed.
public protocol OutcomeRecorder {
    mutating func record(_ outcome: RequestOutcome)
    mutating func record(_ gaps: InterTokenGaps)
}

/// Keeps everything it is given, in order: for tests, examples and small runs.
///
/// Memory grows with the run; for full traces use a streaming accumulator instead.
public struct InMemoryRecorder: OutcomeRecorder, Sendable {
    public private(set) var outcomes: [RequestOutcome] = []
    public private(set) var interTokenGaps: [InterTokenGaps] = []

    public init() {}

    public mutating func record(_ outcome: RequestOutcome) { outcomes.append(outcome) }
    public mutating func record(_ gaps: InterTokenGaps) { interTokenGaps.append(gaps) }
}

/// Sends every record to two recorders, first then second (metrics and a CSV writer, say).
public struct RecorderPair<First: OutcomeRecorder, Second: OutcomeRecorder>: OutcomeRecorder {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    @inlinable public mutating func record(_ outcome: RequestOutcome) {
        first.record(outcome)
        second.record(outcome)
    }

    @inlinable public mutating func record(_ gaps: InterTokenGaps) {
        first.record(gaps)
        second.record(gaps)
    }
}
