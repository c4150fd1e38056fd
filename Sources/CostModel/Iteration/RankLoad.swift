/// What one attention rank computes in one iteration of an aggregated engine: the decode tokens
/// of its running requests and the prompt chunks it prefills, as the sums the operators need.
///
/// Attention cost is linear in these sums and the GEMMs depend only on token counts, so a rank's
/// batch enters the cost model through them; the scheduler keeps them up to date as requests
/// join and leave instead of listing the requests each iteration.
public struct RankLoad: Sendable, Equatable, Hashable {
    /// Requests taking a decode step (each verifies 1 + draft tokens under MTP).
    public var decodeRequests: Int
    /// Σ over those requests of the tokens already in their KV cache (context before this step).
    public var decodeContextTokens: Int
    /// Prompt tokens computed in this iteration, all chunks together.
    public var prefillTokens: Int
    /// Σ over the chunks of the causal (query, key) pairs they compute: for a chunk of c tokens
    /// after p tokens of context, c·p + c(c + 1)/2.
    public var prefillAttentionPairs: Double
    /// Σ over the chunks of the context tokens before each (cached prefix or earlier chunks),
    /// whose KV the chunk's attention reads.
    public var prefillContextTokens: Int
    /// Chunks that end their prompt in this iteration: each samples its first output token.
    public var prefillsCompleting: Int

    public init(
        decodeRequests: Int = 0, decodeContextTokens: Int = 0, prefillTokens: Int = 0, prefillAttentionPairs: Double = 0,
        prefillContextTokens: Int = 0, prefillsCompleting: Int = 0
    ) {
        self.decodeRequests = decodeRequests
        self.decodeContextTokens = decodeContextTokens
        self.prefillTokens = prefillTokens
        self.prefillAttentionPairs = prefillAttentionPairs
        self.prefillContextTokens = prefillContextTokens
        self.prefillsCompleting = prefillsCompleting
    }

    /// Adds one prompt chunk of `tokens` tokens after `context` tokens of the same prompt.
    public mutating func addChunk(tokens c: Int, context p: Int, completesPrompt: Bool) {
        prefillTokens += c
        prefillAttentionPairs += Double(c) * Double(p) + Double(c) * Double(c + 1) / 2
        prefillContextTokens += p
        if completesPrompt { prefillsCompleting += 1 }
    }

    /// Whether the rank has nothing to compute.
    public var isIdle: Bool { decodeRequests == 0 && prefillTokens == 0 }
}

/// The time of one iteration of an aggregated replica, from what each of its attention ranks
/// computes. `ranks.count` is the layout's `attentionDataParallel`; an idle rank still takes
/// part in every MoE layer (it joins the collectives with no tokens), as the engines' DP
/// attention does.
public protocol IterationTiming: Sendable {
    /// Microseconds from the start of the iteration to its tokens being sampled, for one
    /// pipeline pass through all stages.
    func iterationMicroseconds(ranks: [RankLoad]) -> Double
    /// Microseconds the busiest pipeline stage is occupied by this batch: with
    /// `pipelineParallel` stages the replica may start its next pass this long after the last
    /// one began (equal to `iterationMicroseconds` without pipeline parallelism).
    func stageMicroseconds(ranks: [RankLoad]) -> Double
}
