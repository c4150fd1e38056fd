import SystemDescription

/// Grouped-query attention (Llama, Qwen3) on one die of a TP group holding `heads` query heads
/// and `kvHeads` KV heads (`GroupedQueryAttention.kvHeadsPerDie`): a fused QKV projection, the
/// attention core over the cached keys and values (FlashAttention-style: compute-bound over a
/// prompt's causal pairs, memory-bound over the cache in decode), the output projection
/// (row-parallel under TP: the all-reduce follows). The same operators serve decode tokens and
/// prompt chunks: unlike MLA, nothing is absorbed.
extension TransformerOperators {
    var gqa: GroupedQueryAttention {
        model.attention.groupedQuery ?? GroupedQueryAttention(queryHeads: model.heads, kvHeads: model.heads, headDim: 0)
    }

    /// QKVProlog: input RMSNorm and quantisation, the fused q/k/v projection, RoPE of queries
    /// and keys, and the KV-cache write, over `tokens` tokens.
    package func gqaProlog(tokens t: Double, heads h: Int, kvHeads kv: Int, share: CoreShare) -> OperatorTime {
        let m = model, a = gqa
        return Self.fuse(
            "QKVProlog",
            [
                roofline.vector("norm+quant", bytes: t * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))),
                linear("qkv", m: t, n: (h + 2 * kv) * a.headDim, k: m.attentionInputWidth, share: share),
                roofline.vector("rope+kv write", bytes: gqaRopeAndWriteBytes(tokens: t, heads: h, kvHeads: kv)),
            ])
    }

    /// Bytes of RoPE over the queries and keys (read and write) and of the KV-cache write.
    package func gqaRopeAndWriteBytes(tokens t: Double, heads h: Int, kvHeads kv: Int) -> Double {
        let d = gqa.headDim
        return t * Double((h + kv) * d * 2 * p.activationBytes) + t * Double(2 * kv * d * p.kvCacheBytes)
    }

    /// Decode attention: each of `requests` requests' `queriesPerRequest` query tokens attends
    /// over its cached keys and values (`kvTokens` summed over the requests). Every KV head's
    /// cache is read once for its whole group of query heads (FlashDecoding / FlashInfer's
    /// GQA-grouped decode), so the bytes are the cache's and the queries', and the FLOPs are
    /// QKᵀ and PV per query head.
    package func gqaDecodeAttention(kvTokens: Double, queriesPerRequest q: Int, requests: Double, heads h: Int, kvHeads kv: Int, share: CoreShare)
        -> OperatorTime
    {
        let d = gqa.headDim
        let flops = Double(4 * h * d) * kvTokens * Double(q)
        let bytes = kvTokens * Double(2 * kv * d * p.kvCacheBytes) + requests * Double(q) * Double(2 * h * d * p.activationBytes)
        return roofline.kernel(
            "Attention", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes, utilisation: eff.groupedQueryAttentionCompute,
            share: share)
    }

    /// Prompt attention (FlashAttention, causal): `pairs` (query, key) pairs over `queryTokens`
    /// new tokens that also read `contextTokens` cached tokens (the context before a chunk, or a
    /// reused prefix) from the cache.
    package func gqaPrefillAttention(pairs: Double, queryTokens: Double, contextTokens: Double, heads h: Int, kvHeads kv: Int, share: CoreShare)
        -> OperatorTime
    {
        let d = gqa.headDim
        let flops = Double(4 * h * d) * pairs
        let bytes = queryTokens * Double((2 * h + 2 * kv) * d * p.activationBytes) + contextTokens * Double(2 * kv * d * p.kvCacheBytes)
        return roofline.kernel(
            "Attn-FA", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes, utilisation: eff.groupedQueryAttentionCompute,
            share: share)
    }

    /// O_PROJ: requantisation of the attention output and the output projection of this die's heads.
    package func gqaOutProj(tokens t: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model, d = gqa.headDim
        return Self.fuse(
            "O_PROJ",
            [
                roofline.vector("quant", bytes: t * Double(h * d * (p.activationBytes + p.linearComputeBytes))),
                linear("o_proj", m: t, n: m.hidden, k: h * d, share: share),
            ])
    }
}
