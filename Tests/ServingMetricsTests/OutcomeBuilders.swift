import DiscreteEvent
import Serving

/// A completed outcome with times in milliseconds from zero.
func completed(
    id: Int = 0, arrival: Double, start: Double? = nil, firstToken: Double?, finish: Double,
    input: Int = 100, output: Int, cached: Int = 0, blocks: Int = 0, cachedBlocks: Int = 0
) -> RequestOutcome {
    RequestOutcome(
        requestID: id, disposition: .completed, arrival: at(arrival), serviceStart: start.map(at),
        firstToken: firstToken.map(at), finish: at(finish), inputTokens: input, outputTokens: output,
        cachedPrefixTokens: cached, prefixBlocks: blocks, cachedPrefixBlocks: cachedBlocks, origin: InputLocation(file: "t.csv", line: id + 2))
}

func rejected(id: Int, arrival: Double, code: String = "full", message: String = "no room") -> RequestOutcome {
    .rejected(
        ServingRequest(
            id: id, arrival: at(arrival), inputTokens: 100, outputTokens: 10, origin: InputLocation(file: "t.csv", line: id + 2)),
        at: at(arrival), Rejection(code: code, message: message))
}

func at(_ milliseconds: Double) -> SimTime { SimTime(nanoseconds: Int64((milliseconds * 1e6).rounded())) }
