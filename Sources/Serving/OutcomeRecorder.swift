/// Where the replayer sends what backends report: outcomes and inter-token gaps, in order.
///
/// Metrics accumulators, per-request CSV writers and the in-memory recorder conform; combine
/// two with `RecorderPair`. Outcomes arrive in simulated-time order of reporting, and so do
/// inter-token gaps, which is deterministic for a given trace, configuration and seed. How the
/// two streams interleave is not part of the contract: the replayer hands them over in runs
/// (`record(outcomes:gaps:)`), so a recorder must not depend on it.
public protocol OutcomeRecorder {
    mutating func record(_ outcome: RequestOutcome)
    mutating func record(_ gaps: InterTokenGaps)
    /// Records every outcome in `outcomes`, then every gap in `gaps`, each in order, and leaves
    /// both empty. A recorder may take the arrays' storage and leave other empty arrays in their
    /// place; the default records them one by one and keeps the storage where it is.
    mutating func record(outcomes: inout ContiguousArray<RequestOutcome>, gaps: inout ContiguousArray<InterTokenGaps>)
}

extension OutcomeRecorder {
    @inlinable public mutating func record(
        outcomes: inout ContiguousArray<RequestOutcome>, gaps: inout ContiguousArray<InterTokenGaps>
    ) {
        for index in outcomes.indices { record(outcomes[index]) }
        for index in gaps.indices { record(gaps[index]) }
        outcomes.removeAll(keepingCapacity: true)
        gaps.removeAll(keepingCapacity: true)
    }
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

/// Sends every record to two recorders (metrics and a CSV writer, say), each in order.
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

    /// The second recorder gets the records one by one, then the first takes the arrays.
    @inlinable public mutating func record(
        outcomes: inout ContiguousArray<RequestOutcome>, gaps: inout ContiguousArray<InterTokenGaps>
    ) {
        for index in outcomes.indices { second.record(outcomes[index]) }
        for index in gaps.indices { second.record(gaps[index]) }
        first.record(outcomes: &outcomes, gaps: &gaps)
    }
}
