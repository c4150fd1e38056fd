import SystemDescription
/// Per-operator costs of a transformer layer on one die, from shapes and precisions: the
/// attention of the model's kind (`+MLA`, `+GQA`), the FFNs and experts, the head.
///
/// Pure functions of token counts and the core share; decode and prefill compose them into
/// layers. Names match the paper's breakdowns (MLAProlog, FusedAttention, O_PROJ, Gate,
/// Dispatch, MLP, Combine; Attn-PreFA, Attn-FA, Attn-PostFA for prefill).
package struct TransformerOperators: Sendable {
    package var model: ModelShape
    package var roofline: Roofline

    /// The latent attention's shapes; for a grouped-query model, shapes of zero width, which
    /// no caller reaches: every caller picks the operators of `model.attention`'s kind.
    package let mla: MultiHeadLatentAttention

    package init(model: ModelShape, hardware: Hardware) {
        self.model = model
        self.roofline = Roofline(hardware: hardware)
        mla = model.attention.latent
            ?? MultiHeadLatentAttention(heads: model.heads, qLoraRank: 0, kvLoraRank: 0, qkNopeHeadDim: 0, qkRopeHeadDim: 0, vHeadDim: 0)
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

    /// Causal (query, key) pairs of `sequences` prompts of `length` tokens whose first `reused`
    /// tokens are already cached: Σ positions of the computed tokens.
    package static func causalPairs(sequences: Double, length: Int, reused: Int) -> Double {
        let l = Double(length), r = Double(min(reused, length))
        return sequences * (l * (l + 1) - r * (r + 1)) / 2
    }
}
