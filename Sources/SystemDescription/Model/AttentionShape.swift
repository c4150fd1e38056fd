/// The attention of every layer of a model: which kind, and its shapes.
///
/// Two kinds cover the models cmbench describes: multi-head latent attention (DeepSeek-V3,
/// Kimi K2), which caches one compressed latent per token and layer, and grouped-query attention
/// (Llama, Qwen3; multi-head attention is the case of as many KV heads as query heads), which
/// caches a key and a value per KV head.
public enum AttentionShape: Sendable, Equatable {
    case multiHeadLatent(MultiHeadLatentAttention)
    case groupedQuery(GroupedQueryAttention)

    /// The name a model file gives this kind (`attention.kind`).
    public var kind: String {
        switch self {
        case .multiHeadLatent: "mla"
        case .groupedQuery: "gqa"
        }
    }

    public var queryHeads: Int {
        switch self {
        case .multiHeadLatent(let a): a.heads
        case .groupedQuery(let a): a.queryHeads
        }
    }

    /// The latent attention's shapes, nil for grouped-query attention.
    public var latent: MultiHeadLatentAttention? {
        if case .multiHeadLatent(let a) = self { return a }
        return nil
    }

    /// The grouped-query attention's shapes, nil for latent attention.
    public var groupedQuery: GroupedQueryAttention? {
        if case .groupedQuery(let a) = self { return a }
        return nil
    }

    /// Weight elements of one layer's attention projections for a model of `hidden` width whose
    /// q/k/v projections read `input` elements (nil: `hidden`; an EAGLE-3 draft reads 2 × hidden).
    public func parameters(hidden: Int, input: Int? = nil) -> Int {
        switch self {
        case .multiHeadLatent(let a): a.parameters(hidden: hidden)
        case .groupedQuery(let a): a.parameters(hidden: hidden, input: input)
        }
    }

    /// Weight elements of one layer's attention on one die of a `tensorParallel` group, as the
    /// engines shard it (vLLM's and SGLang's model code): MLA keeps the down-projections whole
    /// (`ReplicatedLinear`) and splits q_b, kv_b and o_proj by heads; GQA splits q and o_proj by
    /// query heads and k and v by KV heads, each die holding whole KV heads (one replicated head
    /// each when TP exceeds the KV heads: `QKVParallelLinear`).
    public func parametersPerDie(hidden: Int, tensorParallel tp: Int) -> Double {
        let tp = max(1, tp)
        switch self {
        case .multiHeadLatent(let a):
            return Double(a.qDownParams(hidden: hidden) + a.kvDownParams(hidden: hidden))
                + Double(a.qUpParams + a.kvUpParams + a.outProjParams(hidden: hidden)) / Double(tp)
        case .groupedQuery(let a):
            let q = a.queryHeads / tp, kv = a.kvHeadsPerDie(tensorParallel: tp)
            return Double(hidden * (q + 2 * kv) * a.headDim + q * a.headDim * hidden)
        }
    }

    /// Elements cached per token and layer on one die of a `tensorParallel` group: MLA's latent
    /// and RoPE key, whole on every die (TP cannot split one latent head; vLLM and TensorRT-LLM
    /// replicate it); GQA's key and value of the die's KV heads.
    public func kvElementsPerTokenPerLayer(tensorParallel tp: Int = 1) -> Int {
        switch self {
        case .multiHeadLatent(let a): a.kvElementsPerToken
        case .groupedQuery(let a): 2 * a.kvHeadsPerDie(tensorParallel: tp) * a.headDim
        }
    }

    /// Why `tensorParallel` dies cannot share this attention (nil when they can): query heads
    /// must divide evenly, and GQA's KV heads must either divide over the dies or each be
    /// replicated on a whole number of them (vLLM's `QKVParallelLinear` asserts the same).
    public func tensorParallelProblem(_ tp: Int) -> String? {
        guard tp > 1 else { return nil }
        if queryHeads % tp != 0 { return "TP \(tp) does not divide the \(queryHeads) attention heads" }
        if case .groupedQuery(let a) = self {
            if tp <= a.kvHeads, a.kvHeads % tp != 0 { return "TP \(tp) does not divide the \(a.kvHeads) KV heads" }
            if tp > a.kvHeads, tp % a.kvHeads != 0 {
                return "TP \(tp) exceeds the \(a.kvHeads) KV heads but is not a multiple of them, so they cannot be replicated evenly"
            }
        }
        return nil
    }
}

/// Multi-head latent attention (DeepSeek-V2/V3, Kimi K2): queries through a low-rank `qLoraRank`
/// bottleneck, keys and values from one cached latent of `kvLoraRank` elements plus a shared
/// RoPE key of `qkRopeHeadDim` (DeepSeek-V3 technical report §2.1.1).
public struct MultiHeadLatentAttention: Sendable, Equatable {
    public var heads: Int
    public var qLoraRank: Int
    public var kvLoraRank: Int
    public var qkNopeHeadDim: Int
    public var qkRopeHeadDim: Int
    public var vHeadDim: Int

    public init(heads: Int, qLoraRank: Int, kvLoraRank: Int, qkNopeHeadDim: Int, qkRopeHeadDim: Int, vHeadDim: Int) {
        self.heads = heads
        self.qLoraRank = qLoraRank
        self.kvLoraRank = kvLoraRank
        self.qkNopeHeadDim = qkNopeHeadDim
        self.qkRopeHeadDim = qkRopeHeadDim
        self.vHeadDim = vHeadDim
    }

    /// Query/key head width (no-RoPE + RoPE parts).
    public var qkHeadDim: Int { qkNopeHeadDim + qkRopeHeadDim }
    /// Elements cached per token per layer: the compressed latent plus the shared RoPE key.
    public var kvElementsPerToken: Int { kvLoraRank + qkRopeHeadDim }

    public func qDownParams(hidden: Int) -> Int { hidden * qLoraRank }
    public func kvDownParams(hidden: Int) -> Int { hidden * (kvLoraRank + qkRopeHeadDim) }
    public var qUpParams: Int { qLoraRank * heads * qkHeadDim }
    public var kvUpParams: Int { kvLoraRank * heads * (qkNopeHeadDim + vHeadDim) }
    public func outProjParams(hidden: Int) -> Int { heads * vHeadDim * hidden }
    public func parameters(hidden: Int) -> Int {
        qDownParams(hidden: hidden) + kvDownParams(hidden: hidden) + qUpParams + kvUpParams + outProjParams(hidden: hidden)
    }
}

/// Grouped-query attention (Ainslie et al., "GQA", EMNLP 2023): `queryHeads` query heads share
/// `kvHeads` key/value heads, all of width `headDim`; multi-head attention when the counts are
/// equal. The q/k/v projections may be wider or narrower than the hidden size (Qwen3-235B:
/// 64 × 128 = 8,192 query columns over a 4,096 hidden).
public struct GroupedQueryAttention: Sendable, Equatable {
    public var queryHeads: Int
    public var kvHeads: Int
    public var headDim: Int

    public init(queryHeads: Int, kvHeads: Int, headDim: Int) {
        self.queryHeads = queryHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    /// KV heads one die of a `tensorParallel` group holds: its share, or one replicated head
    /// when TP exceeds the KV heads.
    public func kvHeadsPerDie(tensorParallel tp: Int) -> Int { max(1, kvHeads / max(1, tp)) }

    /// q, k, v and o projections (biases and the per-head q/k norms of some models are negligible
    /// and omitted).
    public func parameters(hidden: Int, input: Int? = nil) -> Int {
        (input ?? hidden) * (queryHeads + 2 * kvHeads) * headDim + queryHeads * headDim * hidden
    }
}
