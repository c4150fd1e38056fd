import DiscreteEvent
import Serving

/// The latency a request must meet to count towards goodput: one limit per metric, all to be
/// met (a per-request test, as `vllm bench serve --goodput`).
///
/// Parsed from `ttft=2000ms,tpot=50ms` (also `e2e=`, `itl=`; units `ns`, `us`, `ms`, `s`).
/// Per request: TTFT is first token − arrival; TPOT is the request's own TPOT; ITL is the
/// request's mean inter-token gap, which equals its TPOT (backends report gaps only in
/// aggregate, so a per-request maximum gap is not available); E2E is finish − arrival. A metric
/// a request does not have (TPOT of a one-token answer, TTFT of a zero-token one) does not fail
/// it. Limits are inclusive. A rejected request meets none.
public struct ServiceLevelObjectives: Sendable, Hashable {
    public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
        case ttft, tpot, itl, e2e
    }

    public struct Objective: Sendable, Hashable {
        public var metric: Metric
        public var limit: SimDuration
        public init(_ metric: Metric, _ limit: SimDuration) {
            self.metric = metric
            self.limit = limit
        }
    }

    /// In the order given.
    public var objectives: [Objective]

    public init(_ objectives: [Objective] = []) {
        self.objectives = objectives
    }

    /// Parses `ttft=2000ms,tpot=50ms`; an empty string means no objectives.
    public init(parsing text: String) throws(SLOParseError) {
        let pairs: [(key: String, value: String)]
        do { pairs = try KeyValueList.parse(text) } catch { throw SLOParseError(item: error.item, message: error.message) }
        var objectives: [Objective] = []
        for (key, value) in pairs {
            guard let metric = Metric(rawValue: key.lowercased()) else {
                throw SLOParseError(item: "\(key)=\(value)", message: "unknown metric '\(key)'; use ttft, tpot, itl or e2e")
            }
            guard let limit = SimDuration(parsing: value) else {
                throw SLOParseError(
                    item: "\(key)=\(value)", message: "'\(value)' is not a duration; write a number with a unit: ns, us, ms or s")
            }
            guard limit <= .limit else {
                throw SLOParseError(
                    item: "\(key)=\(value)", message: "'\(value)' exceeds the limit of simulated time, \(SimTime.limitDescription)")
            }
            objectives.append(Objective(metric, limit))
        }
        self.init(objectives)
    }

    public var isEmpty: Bool { objectives.isEmpty }

    /// Whether a request with these latencies meets `objective`.
    public static func isMet(_ objective: Objective, by latencies: RequestLatencies) -> Bool {
        guard latencies.isCompleted else { return false }
        let limit = Double(objective.limit.nanoseconds)
        let value: Double?
        switch objective.metric {
        case .ttft: value = latencies.ttftNanoseconds
        case .tpot, .itl: value = latencies.tpotNanoseconds
        case .e2e: value = latencies.e2eNanoseconds
        }
        return value.map { $0 <= limit } ?? true
    }
}

/// An SLO string that does not parse: the offending item and what would be accepted.
public struct SLOParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var item: String
    public var message: String
    public init(item: String, message: String) {
        self.item = item
        self.message = message
    }
    public var description: String { "bad SLO '\(item)': \(message)" }
}
