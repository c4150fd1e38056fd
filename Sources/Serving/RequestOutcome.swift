import DiscreteEvent

/// Why a backend refused a request: a stable code to count by, and a sentence for people.
public struct Rejection: Sendable, Hashable {
    /// A short, stable identifier such as `prompt-too-long`; reports count rejections by it.
    public var code: String
    /// What happened, with the numbers: "prompt of 9000 tokens exceeds max_input_tokens 8192".
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// What happened to one request: reported once by the backend, when it leaves the system.
///
/// Times are on the replay's clock (arrivals already re-timed). A completed request has a
/// `firstToken` time unless it produced no output tokens; a rejected one usually has none.
public struct RequestOutcome: Sendable, Equatable {
    public enum Disposition: Sendable, Hashable {
        case completed
        case rejected(Rejection)
    }

    public var requestID: Int
    public var disposition: Disposition
    /// When the request reached the backend.
    public var arrival: SimTime
    /// When the backend began serving it (left its queue), if the backend has such a point;
    /// the queueing delay is `serviceStart - arrival`.
    public var serviceStart: SimTime?
    /// When its first output token was produced.
    public var firstToken: SimTime?
    /// When it completed, or when it was rejected.
    public var finish: SimTime
    public var inputTokens: Int
    /// Output tokens produced (for a rejected request, those produced before rejection).
    public var outputTokens: Int
    /// Prompt tokens whose KV was found in a prefix cache rather than computed.
    public var cachedPrefixTokens: Int
    /// Prefix blocks the request's trace row names (its hash ids), and how many of them the
    /// prefix cache held: the block-level hit rate compares with a trace's block reuse.
    public var prefixBlocks: Int
    public var cachedPrefixBlocks: Int
    public var origin: InputLocation

    public init(
        requestID: Int, disposition: Disposition, arrival: SimTime, serviceStart: SimTime?,
        firstToken: SimTime?, finish: SimTime, inputTokens: Int, outputTokens: Int,
        cachedPrefixTokens: Int, prefixBlocks: Int = 0, cachedPrefixBlocks: Int = 0, origin: InputLocation
    ) {
        self.requestID = requestID
        self.disposition = disposition
        self.arrival = arrival
        self.serviceStart = serviceStart
        self.firstToken = firstToken
        self.finish = finish
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedPrefixTokens = cachedPrefixTokens
        self.prefixBlocks = prefixBlocks
        self.cachedPrefixBlocks = cachedPrefixBlocks
        self.origin = origin
    }

    /// A rejection of `request` at `time`, before any token was produced.
    public static func rejected(_ request: ServingRequest, at time: SimTime, _ rejection: Rejection) -> RequestOutcome {
        RequestOutcome(
            requestID: request.id, disposition: .rejected(rejection), arrival: request.arrival,
            serviceStart: nil, firstToken: nil, finish: time, inputTokens: request.inputTokens,
            outputTokens: 0, cachedPrefixTokens: 0, prefixBlocks: request.prefixBlockHashes.count, origin: request.origin)
    }

    @inlinable public var isCompleted: Bool {
        if case .completed = disposition { return true }
        return false
    }

    public var rejection: Rejection? {
        if case .rejected(let rejection) = disposition { return rejection }
        return nil
    }
}

/// `count` inter-token gaps that all lasted `gap`: how backends report ITL.
///
/// Per-token events are out of reach at production scale (27 M requests × ~300 tokens), so a
/// decode-step backend reports one record per batch-composition epoch — "these 64 requests
/// each made 10 steps of 31 ms" is `InterTokenGaps(gap: 31 ms, count: 640)`.
public struct InterTokenGaps: Sendable, Hashable {
    public var gap: SimDuration
    public var count: Int

    @inlinable public init(gap: SimDuration, count: Int) {
        self.gap = gap
        self.count = count
    }
}
