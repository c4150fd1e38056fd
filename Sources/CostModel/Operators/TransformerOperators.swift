import SystemDescription
/// Per-operator costs of a DeepSeek-V3-style layer on one die, from shapes and precisions.
///
/// Pure functions of token counts and the core share; decode and prefill compose them into
/// layers. Names match the paper's breakdowns (MLAProlog, FusedAttention, O_PROJ, Gate,
/// Dispatch, MLP, Combine; Attn-PreFA, Attn-FA, Attn-PostFA for prefill).
package struct TransformerOperators: Sendable {
    package var model: ModelShape
    package var roofline: Roofline

    package init(model: ModelShape, hardware: Hardware) {
        self.model = model
        self.roofline = Roofline(hardware: hardware)
    }

    var p: Precision { model.precision }
    var eff: AttainedEfficiency { roofline.hardware.efficiency }

    func linear(_ name: String, m: Double, n: Int, k: Int, groups: Int = 1, share: CoreShare) -> OperatorTime {
        roofline.gemm(
            name, m: m, n: n, k: k, groups: groups, weightBytes: p.linearWeightBytes, inputBytes: p.linearComputeBytes,
            outputBytes: p.activationBytes, computeBytes: p.linearComputeBytes, share: share)
    }

    /// A GEMM of the FFN weights (dense FFN, experts): in the FFN format when the precision has
    /// one (NVFP4 weights and activations on the FP4 tensor cores), else as `linear`.
    func ffnLinear(_ name: String, m: Double, n: Int, k: Int, groups: Int = 1, share: CoreShare) -> OperatorTime {
        roofline.gemm(
            name, m: m, n: n, k: k, groups: groups, weightBytesPerElement: p.ffnWeightBytesPerElement,
            inputBytesPerElement: p.ffnInputBytesPerElement, outputBytes: p.activationBytes, computeBits: p.ffnComputeBits, share: share)
    }

    static func fuse(_ name: String, _ parts: [OperatorTime]) -> OperatorTime {
        let us = parts.reduce(0) { $0 + $1.microseconds }
        let dominant = parts.max { $0.microseconds < $1.microseconds }?.bound ?? .compute
        return OperatorTime(
            name: name, microseconds: us, bound: dominant, flops: parts.reduce(0) { $0 + $1.flops },
            bytes: parts.reduce(0) { $0 + $1.bytes })
    }

    // MARK: decode attention (absorbed MLA, paper §4.2.2)

    /// MLAProlog in decode: RMSNorm, fused q_a/kv_a down-projection, q_b up-projection, W_UK
    /// absorbed into the query (per-head batched GEMM), RoPE and the KV-cache write.
    package func decodeMLAProlog(tokens t: Double, share: CoreShare) -> OperatorTime {
        mixedMLAProlog(decodeTokens: t, prefillTokens: 0, heads: model.heads, share: share)
    }

    /// MLAProlog of a mixed batch on one attention rank (aggregated serving): the GEMMs every
    /// token needs (q_a/kv_a down-projection, q_b) run over decode and prompt tokens at once, W_UK
    /// is absorbed into the decode queries only; prompt tokens take the norms and RoPE of
    /// `prefillDownProjection`/`prefillUpProjection` instead. `h` is the heads on this die (the
    /// rank's heads / TP). With no prompt tokens and all heads this is `decodeMLAProlog`.
    package func mixedMLAProlog(decodeTokens t: Double, prefillTokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model
        return Self.fuse(
            "MLAProlog",
            [
                linear("q_a+kv_a", m: t + c, n: m.qLoraRank + m.kvElementsPerTokenPerLayer, k: m.hidden, share: share),
                linear("q_b", m: t + c, n: h * m.qkHeadDim, k: m.qLoraRank, share: share),
                linear("W_UK absorb", m: t, n: m.kvLoraRank, k: m.qkNopeHeadDim, groups: h, share: share),
                roofline.vector("norm+rope+kv write", bytes: mixedPrologVectorBytes(decodeTokens: t, prefillTokens: c, heads: h)),
            ])
    }

    /// Bytes of the vector work in `mixedMLAProlog`: decode tokens' norms, RoPE of the absorbed
    /// query and KV write; prompt tokens' norms, quantisation, RoPE and KV write.
    package func mixedPrologVectorBytes(decodeTokens t: Double, prefillTokens c: Double, heads h: Int) -> Double {
        let m = model
        let decodeBytes =
            t * Double((m.hidden + m.qLoraRank + m.kvElementsPerTokenPerLayer + h * m.qkHeadDim) * 2 * p.activationBytes)
            + t * Double(m.kvElementsPerTokenPerLayer * p.kvCacheBytes)
        let promptBytes =
            c * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))
            + c * Double((m.qLoraRank + m.kvElementsPerTokenPerLayer) * 2 * p.activationBytes)
            + c * Double(m.kvElementsPerTokenPerLayer * p.kvCacheBytes)
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
        let m = model
        let h = heads ?? m.heads
        let perPair = 2 * Double(h * (m.kvElementsPerTokenPerLayer + m.kvLoraRank))
        let flops = perPair * kvTokens * Double(q)
        let queries = requests * Double(q)
        let bytes =
            kvTokens * Double(m.kvElementsPerTokenPerLayer * p.kvCacheBytes)
            + queries * Double(h * (m.kvElementsPerTokenPerLayer + m.kvLoraRank) * p.activationBytes)
        return roofline.kernel(
            "FusedAttention", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes,
            utilisation: eff.attentionCompute, share: share)
    }

    /// O_PROJ in decode: W_UV (per-head latent → value) then the output projection.
    package func decodeOutProj(tokens t: Double, share: CoreShare) -> OperatorTime {
        let m = model
        return Self.fuse(
            "O_PROJ",
            [
                linear("W_UV absorb", m: t, n: m.vHeadDim, k: m.kvLoraRank, groups: m.heads, share: share),
                linear("o_proj", m: t, n: m.hidden, k: m.heads * m.vHeadDim, share: share),
            ])
    }

    /// O_PROJ of a mixed batch on one attention rank: W_UV for the decode tokens, the prompt
    /// tokens' requantisation (as `prefillOutProjection`), then one output projection over all
    /// tokens for this die's `h` heads (row-parallel under TP: the all-reduce follows).
    package func mixedOutProj(decodeTokens t: Double, prefillTokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model
        return Self.fuse(
            "O_PROJ",
            [
                linear("W_UV absorb", m: t, n: m.vHeadDim, k: m.kvLoraRank, groups: h, share: share),
                roofline.vector("quant", bytes: outProjQuantBytes(prefillTokens: c, heads: h)),
                linear("o_proj", m: t + c, n: m.hidden, k: h * m.vHeadDim, share: share),
            ])
    }

    /// Bytes of the prompt tokens' requantisation before the output projection.
    package func outProjQuantBytes(prefillTokens c: Double, heads h: Int) -> Double {
        c * Double(h * model.vHeadDim * (p.activationBytes + p.linearComputeBytes))
    }

    /// kv_b over a prompt chunk's tokens: keys and values per head for non-absorbed attention
    /// (the rest of `prefillUpProjection` is shared with the decode tokens in `mixedMLAProlog`).
    package func chunkUpProjection(tokens c: Double, heads h: Int, share: CoreShare) -> OperatorTime {
        let m = model
        return Self.fuse(
            "Attn-PreFA up", [linear("kv_b", m: c, n: h * (m.qkNopeHeadDim + m.vHeadDim), k: m.kvLoraRank, share: share)])
    }

    // MARK: MoE and FFN

    /// Router GEMM (kept in BF16/FP32, paper §4.5) plus top-k selection.
    package func gating(tokens t: Double, share: CoreShare) -> OperatorTime {
        let m = model
        let gemm = roofline.gemm(
            "router", m: t, n: m.routedExperts, k: m.hidden, weightBytes: p.routerBytes, inputBytes: p.activationBytes,
            outputBytes: 4, computeBytes: p.routerBytes, share: share)
        let topk = roofline.vector("top-k", bytes: t * Double(m.routedExperts * 4 * 2))
        return Self.fuse("Gate", [gemm, topk])
    }

    /// Grouped expert GEMMs on one die: `groups` expert slots with `tokensPerGroup` each
    /// (gate+up, SwiGLU and requantisation, down).
    /// `shards` splits each expert's intermediate dimension (experts sharded by tensor parallelism).
    package func experts(_ name: String = "MLP", tokensPerGroup: Double, groups: Int, shards: Int = 1, share: CoreShare) -> OperatorTime {
        let m = model
        let inter = m.moeIntermediate / shards
        let swiglu = roofline.vector(
            "swiglu+quant", bytes: tokensPerGroup * Double(groups) * Double(inter * (2 * p.activationBytes + p.linearComputeBytes)))
        return Self.fuse(
            name,
            [
                ffnLinear("gate_up", m: tokensPerGroup, n: 2 * inter, k: m.hidden, groups: groups, share: share),
                swiglu,
                ffnLinear("down", m: tokensPerGroup, n: m.hidden, k: inter, groups: groups, share: share),
            ])
    }

    /// A dense FFN layer (the first `denseLayers` layers), data-parallel on the die.
    package func denseFFN(tokens t: Double, shards: Int = 1, share: CoreShare) -> OperatorTime {
        let m = model
        let inter = m.denseIntermediate / shards
        return Self.fuse(
            "DenseFFN",
            [
                roofline.vector("norm+quant", bytes: t * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))),
                ffnLinear("gate_up", m: t, n: 2 * inter, k: m.hidden, share: share),
                roofline.vector("swiglu+quant", bytes: t * Double(inter * (2 * p.activationBytes + p.linearComputeBytes))),
                ffnLinear("down", m: t, n: m.hidden, k: inter, share: share),
            ])
    }

    // MARK: head, MTP, sampling

    /// The LM head over `tokens` positions (vocabulary projection, kept in its own precision).
    /// `shards`: a vocabulary-parallel head split over a TP group.
    package func lmHead(tokens t: Double, logitBytes: Int, shards: Int = 1) -> OperatorTime {
        let m = model
        return roofline.gemm(
            "LMHead", m: t, n: (m.vocabulary + shards - 1) / shards, k: m.hidden, weightBytes: p.embeddingAndHeadBytes,
            inputBytes: p.embeddingAndHeadBytes, outputBytes: logitBytes, computeBytes: p.embeddingAndHeadBytes)
    }

    /// The MTP module's input: two RMSNorms and the [hidden; embedding] → hidden projection.
    package func mtpProjection(tokens t: Double) -> OperatorTime {
        let m = model
        return Self.fuse(
            "MTP eh_proj",
            [
                roofline.vector("norms", bytes: t * Double(4 * m.hidden * p.activationBytes)),
                linear("eh_proj", m: t, n: m.hidden, k: 2 * m.hidden, share: .wholeDie),
            ])
    }

    /// On-NPU sampling (paper §4.2.4): passes over the logits on the vector cores.
    package func sampling(tokens t: Double, passes: Double, logitBytes: Int) -> OperatorTime {
        roofline.vector("Sampling", bytes: t * Double(model.vocabulary * logitBytes) * passes)
    }

    // MARK: prefill attention (MHA without absorption, paper §4.3.1)

    /// Attn-PreFA stage 1 (SP): input RMSNorm and the q_a/kv_a down-projection of local tokens.
    package func prefillDownProjection(tokens t: Double, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model
        return Self.fuse(
            "Attn-PreFA down",
            [
                roofline.vector("norm+quant", bytes: t * Double(m.hidden * (2 * p.activationBytes + p.linearComputeBytes))),
                linear("q_a+kv_a", m: t, n: m.qLoraRank + m.kvElementsPerTokenPerLayer, k: m.hidden, share: share),
            ])
    }

    /// Attn-PreFA stage 2 (TP): q_b and kv_b up-projections of the whole TP group's tokens for
    /// this die's heads, plus norms and RoPE.
    package func prefillUpProjection(groupTokens t: Double, headsOnDie h: Int, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model
        return Self.fuse(
            "Attn-PreFA up",
            [
                roofline.vector("norms+rope", bytes: t * Double((m.qLoraRank + m.kvElementsPerTokenPerLayer) * 2 * p.activationBytes)),
                linear("q_b", m: t, n: h * m.qkHeadDim, k: m.qLoraRank, share: share),
                linear("kv_b", m: t, n: h * (m.qkNopeHeadDim + m.vHeadDim), k: m.kvLoraRank, share: share),
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
        t * Double(model.kvElementsPerTokenPerLayer * 2 * p.activationBytes)
    }

    /// kv_b over the cached latents in `prefillCachedContextUpProjection`.
    package func cachedContextKVB(groupTokens t: Double, headsOnDie h: Int, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model
        return linear("kv_b (cached)", m: t, n: h * (m.qkNopeHeadDim + m.vHeadDim), k: m.kvLoraRank, share: share)
    }

    /// Attn-FA: causal attention with `heads` heads over `pairs` (query, key) pairs.
    package func prefillFlashAttention(pairs: Double, queryTokens: Double, heads h: Int, share: CoreShare = .wholeDie)
        -> OperatorTime
    {
        let m = model
        let flops = 2 * Double(h * (m.qkHeadDim + m.vHeadDim)) * pairs
        let bytes = queryTokens * Double(h * (2 * m.qkHeadDim + 2 * m.vHeadDim) * p.activationBytes)
        return roofline.kernel(
            "Attn-FA", flops: flops, bytes: bytes, computeBytes: p.attentionComputeBytes, utilisation: eff.attentionCompute,
            share: share)
    }

    /// Attn-PostFA stage 3 (SP): the output projection of local tokens.
    package func prefillOutProjection(tokens t: Double, share: CoreShare = .wholeDie) -> OperatorTime {
        let m = model
        return Self.fuse(
            "Attn-PostFA",
            [
                roofline.vector("quant", bytes: t * Double(m.heads * m.vHeadDim * (p.activationBytes + p.linearComputeBytes))),
                linear("o_proj", m: t, n: m.hidden, k: m.heads * m.vHeadDim, share: share),
            ])
    }

    /// Causal (query, key) pairs of `sequences` prompts of `length` tokens whose first `reused`
    /// tokens are already cached: Σ positions of the computed tokens.
    package static func causalPairs(sequences: Double, length: Int, reused: Int) -> Double {
        let l = Double(length), r = Double(min(reused, length))
        return sequences * (l * (l + 1) - r * (r + 1)) / 2
    }
}
