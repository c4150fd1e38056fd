import DiscreteEvent
import Serving

/// One request's latencies in nanoseconds, by the definitions of `vllm bench serve`.
///
/// TTFT = first token − arrival; TPOT = (finish − first token) / (output tokens − 1), defined
/// only with at least 2 output tokens; E2E = finish − arrival; queueing = service start −
/// arrival, when the backend reports a service start. Only completed requests have latencies.
public struct RequestLatencies: Sendable, Hashable {
    public var isCompleted: Bool
    public var ttftNanoseconds: Double?
    public var tpotNanoseconds: Double?
    public var e2eNanoseconds: Double?
    public var queueingNanoseconds: Double?

    public init(_ outcome: RequestOutcome) {
        isCompleted = outcome.isCompleted
        guard isCompleted else { return }
        e2eNanoseconds = Double((outcome.finish - outcome.arrival).nanoseconds)
        if let start = outcome.serviceStart { queueingNanoseconds = Double((start - outcome.arrival).nanoseconds) }
        guard let firstToken = outcome.firstToken else { return }
        ttftNanoseconds = Double((firstToken - outcome.arrival).nanoseconds)
        if outcome.outputTokens > 1 {
            tpotNanoseconds = Double((outcome.finish - firstToken).nanoseconds) / Double(outcome.outputTokens - 1)
        }
    }
}
