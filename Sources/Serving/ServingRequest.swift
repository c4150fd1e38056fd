import DiscreteEvent

/// Where a request came from: the trace file and the 1-based line it was read on.
///
/// It travels with every request from the moment it is read, so any later error
/// (a prompt too large to serve, say) can name the line to look at.
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One request of a workload, as every layer of cmbench sees it.
///
/// Trace readers produce it, the replayer re-times it, backends serve it. Token counts are
/// `Int`, validated by the reader to be non-negative and at most `maxTokens`; time is integer
/// nanoseconds from the start of the trace, at most `SimTime.limit`.
public struct ServingRequest: Sendable, Equatable {
    /// The largest token count (prompt, output, or tokens per prefix block) a request may have:
    /// 2^32. Far above any model's context, and small enough that every product the backends
    /// form (tokens × bytes per token, blocks × tokens per block, input + output) and every sum
    /// over up to 2^31 requests fits in 64 bits.
    public static let maxTokens = 1 << 32

    /// Position in the workload, from 0, in arrival order. Unique within a run.
    public var id: Int
    public var arrival: SimTime
    public var inputTokens: Int
    public var outputTokens: Int
    /// Hashes of the prompt's prefix blocks (Mooncake's `hash_ids`): two requests share
    /// prefix KV for as many leading hashes as they have in common. Empty when the trace has
    /// none.
    public var prefixBlockHashes: [UInt64]
    /// Tokens per prefix block (the last block may be partial). Meaningful only when
    /// `prefixBlockHashes` is not empty.
    public var prefixBlockTokens: Int
    /// A conversation or session identifier, when the trace has one.
    public var sessionID: UInt64?
    public var origin: InputLocation

    public init(
        id: Int, arrival: SimTime, inputTokens: Int, outputTokens: Int,
        prefixBlockHashes: [UInt64] = [], prefixBlockTokens: Int = 512,
        sessionID: UInt64? = nil, origin: InputLocation
    ) {
        self.id = id
        self.arrival = arrival
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.prefixBlockHashes = prefixBlockHashes
        self.prefixBlockTokens = prefixBlockTokens
        self.sessionID = sessionID
        self.origin = origin
    }
}

/// A stream of requests in non-decreasing arrival order, pulled one at a time.
///
/// Trace readers and synthetic generators conform; the replayer pulls the next request only
/// when its clock reaches the previous arrival, so memory does not grow with the trace.
public protocol RequestSource {
    associatedtype Failure: Error
    /// The next request, or nil at the end of the workload.
    mutating func next() throws(Failure) -> ServingRequest?
}
