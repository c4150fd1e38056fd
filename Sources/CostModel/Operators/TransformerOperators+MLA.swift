import SystemDescription

/// Multi-head latent attention (DeepSeek-V3, Kimi K2) as the paper runs it: absorbed in decode
/// (§4.2.2), without absorption in prefill (§4.3.1).
extension TransformerOperators {
    // MARK: decode attention (absorbed MLA, paper §4.2.2)

    /// MLAProlog in decode: RMSNorm, fused q_a/kv_a down-projection, q_b up-projection, W_UK
    /// absorbed into the query (per-head batched GEMM), RoPE and the KV-cache write.
    package func decodeMLAProlog(tokens t: Double, share: CoreShare) -> OperatorTime {
        mixedMLAProlog(decodeTokens: t, prefillTokens: 0, heads: mla.heads, share: share)
    }

    /// MLAProlog of a mixed batch on one attention rank (aggregated serving): the GEMMs every
    /// token needs (q_a/kv_a down-projection, q_b) run over decode and prompt tokens at once, W_UK
    /// is absorbed into the decode queries only; prompt tokens take the norms and RoPE of
    /// `prefillDownProjection`/`prefillUpProjection` instead. `h` is the heads on this die (the
    /// rank's heads / TP). With no prompt tokens and all heads this is `decodeMLAProlog`.
    package func mixedMLAProlog(decodeTokens t: Double, prefillTokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model, a = mla
        return Self.fuse(
            "MLAProlog",
            [
                linear("q_a+kv_a", m: t + c, n: a.qLoraRank + a.kvElementsPerToken, k: m.hidden, share: share),
                linear("q_b", m: t + c, n: h * a.qkHeadDim, k: a.qLoraRank, share: share),
                linear("W_UK absorb", m: t, n: a.kvLoraRank, k: a.qkNopeHeadDim, groups: h, share: share),
                roofline.vector("norm+rope+kv write", bytes: mixedPrologVectorBytes(decodeTokens: t, prefillTokens: c, heads: h)),
            ])
    }

    /// Bytes of the vector work in `mixedMLAProlog`: decode tokens' norms, RoPE of the absorbed
    /// query and KV write; prompt tokens' norms, quantisation, RoPE and KV write.
    package func mixedPrologVectorBytes(decodeTokens t: Double, prefillTokens c: Double, heads h: Int) -> Double {
        let m = model, a = mla
        let decodeBytes =
            t * Double((m.hidden + a.qLoraRank + a.kvElementsPerToken + h * a.qkHeadDim) * 2 * p.activationBytes)
            + t * Double(a.kvElementsPerToken * p.kvCacheBytes)
        let promptBytes =
            c * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))
            + c * Double((a.qLoraRank + a.kvElementsPerToken) * 2 * p.activationBytes)
            + c * Double(a.kvElementsPerToken * p.kvCacheBytes)
        return decodeBytes + promptBytes
    }

    /// Absorbed MLA over the latent KV cache: each query token attends over its request's
    /// cache with 128 heads of width 576 (scores) and 512 (values).
    ///
    /// - Parameters:
    ///   - kvTokens: total cached tokens over the requests on this slice (Σ KV lengths).
    ///   - queriesPerRequest: 1 + MTP draft tokens (verified together, paper §4.2.2 MTP tiling).
    ///   - heads: heads on this die (nil: all; TP splits them).
    package func decodeAttentionCore(kvTokens: Double, queriesPerRequest q: Int, requests: Double, heads: Int? = nil, share: CoreShare)
        -> OperatorTime
    {
        let a = mla
        let h = heads ?? a.heads
        let perPair = 2 * Double(h * (a.kvElementsPerToken + a.kvLoraRank))
        let flops = perPair * kvTokens * Double(q)
        let queries = requests * Double(q)
        let bytes =
            kvTokens * Double(a.kvElementsPerToken * p.kvCacheBytes)
            + queries * Double(h * (a.kvElementsPerToken + a.kvLoraRank) * p.activationBytes)
        return roofline.kernel(
            "FusedAttention", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes,
            utilisation: eff.attentionCompute, share: share)
    }

    /// O_PROJ in decode: W_UV (per-head latent → value) then the output projection.
    package func decodeOutProj(tokens t: Double, share: CoreShare) -> OperatorTime {
        let m = model, a = mla
        return Self.fuse(
            "O_PROJ",
            [
                linear("W_UV absorb", m: t, n: a.vHeadDim, k: a.kvLoraRank, groups: a.heads, share: share),
                linear("o_proj", m: t, n: m.hidden, k: a.heads * a.vHeadDim, share: share),
            ])
    }

    /// O_PROJ of a mixed batch on one attention rank: W_UV for the decode tokens, the prompt
    /// tokens' requantisation (as `prefillOutProjection`), then one output projection over all
    /// tokens for this die's `h` heads (row-parallel under TP: the all-reduce follows).
    package func mixedOutProj(decodeTokens t: Double, prefillTokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model, a = mla
        return Self.fuse(
            "O_PROJ",
            [
                linear("W_UV absorb", m: t, n: a.vHeadDim, k: a.kvLoraRank, groups: h, share: share),
                roofline.vector("quant", bytes: outProjQuantBytes(prefillTokens: c, heads: h)),
                linear("o_proj", m: t + c, n: m.hidden, k: h * a.vHeadDim, share: share),
            ])
    }

    /// Bytes of the prompt tokens' requantisation before the output projection.
    package func outProjQuantBytes(prefillTokens c: Double, heads h: Int) -> Double {
        c * Double(h * mla.vHeadDim * (p.activationBytes + p.linearComputeBytes))
    }

    /// kv_b over a prompt chunk's tokens: keys and values per head for non-absorbed attention
    /// (the rest of `prefillUpProjection` is shared with the decode tokens in `mixedMLAProlog`).
    package func chunkUpProjection(tokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let a = mla
        return Self.fuse(
            "Attn-PreFA up", [linear("kv_b", m: c, n: h * (a.qkNopeHeadDim + a.vHeadDim), k: a.kvLoraRank, share: share)])
    }

    // MARK: prefill attention (MHA without absorption, paper §4.3.1)

    /// Attn-PreFA stage 1 (SP): input RMSNorm and the q_a/kv_a down-projection of local tokens.
    package func prefillDownProjection(tokens t: Double, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model, a = mla
        return Self.fuse(
            "Attn-PreFA down",
            [
                roofline.vector("norm+quant", bytes: t * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))),
                linear("q_a+kv_a", m: t, n: a.qLoraRank + a.kvElementsPerToken, k: m.hidden, share: share),
            ])
    }

    /// Attn-PreFA stage 2 (TP): q_b and kv_b up-projections of the whole TP group's tokens for
    /// this die's heads, plus norms and RoPE.
    package func prefillUpProjection(groupTokens t: Double, headsOnDie h: Int, share: CoreShare = .wholeDie) -> OperatorTime {
        let a = mla
        return Self.fuse(
            "Attn-PreFA up",
            [
                roofline.vector("norms+rope", bytes: t * Double((a.qLoraRank + a.kvElementsPerToken) * 2 * p.activationBytes)),
                linear("q_b", m: t, n: h * a.qkHeadDim, k: a.qLoraRank, share: share),
                linear("kv_b", m: t, n: h * (a.qkNopeHeadDim + a.vHeadDim), k: a.kvLoraRank, share: share),
            ])
    }

    /// Attn-PreFA for a cached prefix: the cache holds only the latent KV (c_kv and the RoPE key),
    /// and attention without absorption needs per-head keys and values for every context token,
    /// so the prefix's latent KV goes through kv_b again (vLLM's MLA backend does the same for
    /// cached context: vllm/v1/attention/backends/mla/common.py, `_compute_prefill_context`).
    /// No q_b, no down-projection: those belong to the tokens being computed.
    package func prefillCachedContextUpProjection(groupTokens t: Double, headsOnDie h: Int, share: CoreShare = .wholeDie)
        -> OperatorTime
    {
        Self.fuse(
            "Attn-PreFA cached up",
            [
                roofline.vector("kv norm", bytes: cachedContextNormBytes(groupTokens: t)),
                cachedContextKVB(groupTokens: t, headsOnDie: h, share: share),
            ])
    }

    /// The norm of the cached latents in `prefillCachedContextUpProjection`.
    package func cachedContextNormBytes(groupTokens t: Double) -> Double {
        t * Double(mla.kvElementsPerToken * 2 * p.activationBytes)
    }

    /// kv_b over the cached latents in `prefillCachedContextUpProjection`.
    package func cachedContextKVB(groupTokens t: Double, headsOnDie h: Int, share: CoreShare = .wholeDie) -> OperatorTime {
        let a = mla
        return linear("kv_b (cached)", m: t, n: h * (a.qkNopeHeadDim + a.vHeadDim), k: a.kvLoraRank, share: share)
    }

    /// Attn-FA: causal attention with `heads` heads over `pairs` (query, key) pairs.
    package func prefillFlashAttention(pairs: Double, queryTokens: Double, heads h: Int, share: CoreShare = .wholeDie)
        -> OperatorTime
    {
        let a = mla
        let flops = 2 * Double(h * (a.qkHeadDim + a.vHeadDim)) * pairs
        let bytes = queryTokens * Double(h * (2 * a.qkHeadDim + 2 * a.vHeadDim) * p.activationBytes)
        return roofline.kernel(
            "Attn-FA", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes, utilisation: eff.attentionCompute,
            share: share)
    }

    /// Attn-PostFA stage 3 (SP): the output projection of local tokens.
    package func prefillOutProjection(tokens t: Double, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model, a = mla
        return Self.fuse(
            "Attn-PostFA",
            [
                roofline.vector("quant", bytes: t * Double(a.heads * a.vHeadDim * (p.activationBytes + p.linearComputeBytes))),
                linear("o_proj", m: t, n: m.hidden, k: a.heads * a.vHeadDim, share: share),
            ])
    }

}
