/// The shapes of a DeepSeek-V3-style MoE transformer with MLA, and the counts derived from them.
///
/// Only shapes live here; costs are computed by the operator formulas. Parameter counts follow
/// the reference implementation's linear layers (norm weights are negligible and omitted).
public struct ModelShape: Sendable, Equatable {
    public var name: String
    public var layers: Int
    public var denseLayers: Int
    public var hidden: Int
    public var heads: Int
    public var qLoraRank: Int
    public var kvLoraRank: Int
    public var qkNopeHeadDim: Int
    public var qkRopeHeadDim: Int
    public var vHeadDim: Int
    public var routedExperts: Int
    public var sharedExperts: Int
    public var expertsPerToken: Int
    public var moeIntermediate: Int
    public var denseIntermediate: Int
    public var vocabulary: Int
    public var mtpModules: Int
    public var precision: Precision
    public var messageAlignmentBytes: Int

    public var moeLayers: Int { layers - denseLayers }
    /// Query/key head width (no-RoPE + RoPE parts).
    public var qkHeadDim: Int { qkNopeHeadDim + qkRopeHeadDim }
    /// Elements cached per token per layer: the compressed latent plus the shared RoPE key.
    public var kvElementsPerTokenPerLayer: Int { kvLoraRank + qkRopeHeadDim }

    // MARK: weight counts (elements)
    public var qDownParams: Int { hidden * qLoraRank }
    public var kvDownParams: Int { hidden * (kvLoraRank + qkRopeHeadDim) }
    public var qUpParams: Int { qLoraRank * heads * qkHeadDim }
    public var kvUpParams: Int { kvLoraRank * heads * (qkNopeHeadDim + vHeadDim) }
    public var outProjParams: Int { heads * vHeadDim * hidden }
    public var attentionParams: Int { qDownParams + kvDownParams + qUpParams + kvUpParams + outProjParams }
    public var expertParams: Int { 3 * hidden * moeIntermediate }
    public var denseFFNParams: Int { 3 * hidden * denseIntermediate }
    public var routerParams: Int { hidden * routedExperts }
    public var headParams: Int { vocabulary * hidden }
    /// The MTP module's extra projection of [hidden; embedding] back to hidden.
    public var mtpProjectionParams: Int { 2 * hidden * hidden }

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
        let a = precision.messageAlignmentBytes ?? messageAlignmentBytes
        return (raw + a - 1) / a * a
    }
    /// KV-cache bytes per token over all main-model layers.
    public var kvBytesPerToken: Int { layers * kvElementsPerTokenPerLayer * precision.kvCacheBytes }
}
