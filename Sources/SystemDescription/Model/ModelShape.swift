/// The shapes of a decoder-only transformer, and the counts derived from them: its attention
/// (latent or grouped-query), its layer mix (the first `denseLayers` layers with a dense FFN, the
/// rest MoE), its experts, vocabulary and MTP module, in one numeric precision.
///
/// Only shapes live here; costs are computed by the operator formulas. Parameter counts follow
/// the reference implementations' linear layers (norm weights and biases are negligible and
/// omitted); the embedding and the LM head are separate matrices in every model described.
public struct ModelShape: Sendable, Equatable {
    public var name: String
    public var layers: Int
    /// Layers with a dense FFN, the first of the model (DeepSeek's `first_k_dense_replace`);
    /// all of them in a dense model.
    public var denseLayers: Int
    public var hidden: Int
    public var attention: AttentionShape
    /// The experts of the MoE layers; nil for a dense model.
    public var moe: MoEShape?
    /// The dense FFN's width (0 when no layer is dense).
    public var denseIntermediate: Int
    public var vocabulary: Int
    public var mtpModules: Int
    public var precision: Precision
    /// The all-to-all's message alignment (MoE models).
    public var messageAlignmentBytes: Int
    /// For an EAGLE-3 draft model, how many of the target's hidden states its `fc` fuses into
    /// one (3: a low, a middle and a high layer); 0 for any other model. Such a draft's layer
    /// attends over [token embedding; fused features], so its q/k/v projections read 2 × hidden
    /// (SGLang's `llama_eagle3.py`: `QKVParallelLinear(2 * hidden_size, …)`).
    public var draftFeatureLayers: Int = 0

    public var moeLayers: Int { layers - denseLayers }
    public var heads: Int { attention.queryHeads }
    public var routedExperts: Int { moe?.routedExperts ?? 0 }
    public var sharedExperts: Int { moe?.sharedExperts ?? 0 }
    public var expertsPerToken: Int { moe?.expertsPerToken ?? 0 }
    public var moeIntermediate: Int { moe?.expertIntermediate ?? 0 }

    // MARK: weight counts (elements)
    /// Width of the attention projections' input: the hidden state, or an EAGLE-3 draft's
    /// [embedding; fused features].
    public var attentionInputWidth: Int { draftFeatureLayers > 0 ? 2 * hidden : hidden }
    /// One layer's attention projections.
    public var attentionParams: Int { attention.parameters(hidden: hidden, input: attentionInputWidth) }
    /// An EAGLE-3 draft's `fc`: the fused target features back to hidden.
    public var draftProjectionParams: Int { draftFeatureLayers * hidden * hidden }
    public var expertParams: Int { 3 * hidden * moeIntermediate }
    public var denseFFNParams: Int { 3 * hidden * denseIntermediate }
    public var routerParams: Int { hidden * routedExperts }
    public var headParams: Int { vocabulary * hidden }
    /// The MTP module's extra projection of [hidden; embedding] back to hidden.
    public var mtpProjectionParams: Int { 2 * hidden * hidden }

    /// Every parameter of the main model (MTP module excluded, as the published totals count
    /// them): attention, dense FFNs, all experts and routers, embedding and LM head.
    public var totalParams: Int {
        layers * attentionParams + denseLayers * denseFFNParams
            + moeLayers * ((routedExperts + sharedExperts) * expertParams + routerParams) + 2 * headParams
    }

    /// Linear-layer parameters one token activates in the main model (attention, the dense
    /// FFNs or top-k routed + shared experts, router), excluding embedding and LM head.
    public var activeLinearParamsPerToken: Int {
        layers * attentionParams + denseLayers * denseFFNParams
            + moeLayers * ((expertsPerToken + sharedExperts) * expertParams + routerParams)
    }

    /// Bytes of one dispatched token: payload (+ scale), padded to the message alignment.
    public var dispatchMessageBytes: Int {
        aligned(hidden * precision.dispatchBytesPerElement + precision.dispatchScaleBytes + precision.dispatchHeaderBytes)
    }
    /// Bytes of one combined token (expert output sent back).
    public var combineMessageBytes: Int { aligned(hidden * precision.combineBytesPerElement) }

    func aligned(_ raw: Int) -> Int {
        let a = max(1, precision.messageAlignmentBytes ?? messageAlignmentBytes)
        return (raw + a - 1) / a * a
    }

    /// Elements cached per token per layer with the attention whole on one die.
    public var kvElementsPerTokenPerLayer: Int { attention.kvElementsPerTokenPerLayer() }
    /// KV-cache bytes per token over all main-model layers, attention whole on one die.
    public var kvBytesPerToken: Int { layers * kvElementsPerTokenPerLayer * precision.kvCacheBytes }
}
