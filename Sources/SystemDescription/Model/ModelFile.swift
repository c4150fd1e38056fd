/// The JSON layout of `configs/models/*.json` (docs/models.md describes every field).
struct ModelFile: Decodable, Sendable {
    struct PrecisionEntry: Decodable, Sendable {
        var source: String
        var linearWeightBytes: Sourced<Int>
        var linearComputeBytes: Sourced<Int>
        var activationBytes: Sourced<Int>
        var kvCacheBytes: Sourced<Int>
        var attentionComputeBytes: Sourced<Int>
        var embeddingAndHeadBytes: Sourced<Int>
        /// Tensor-parallel all-reduce and all-gather payloads.
        var collectiveBytesPerElement: Sourced<Int>
        // The MoE fields: required when the model has experts.
        var routerBytes: Sourced<Int>?
        var dispatchBytesPerElement: Sourced<Int>?
        var dispatchScaleBytes: Sourced<Int>?
        var combineBytesPerElement: Sourced<Int>?
        var dispatchHeaderBytes: Sourced<Int>?
        var messageAlignmentBytes: Sourced<Int>?
        /// The FFN weights' block-scaled format, when narrower than `linearWeightBytes` (NVFP4).
        var ffnWeights: BlockScaledEntry?
    }
    struct BlockScaledEntry: Decodable, Sendable {
        var source: String
        var bitsPerElement: Sourced<Int>
        var blockElements: Sourced<Int>
        var scaleBytesPerBlock: Sourced<Int>
        var computeBits: Sourced<Int>
    }
    /// `attention`: the kind and the shapes that kind needs.
    struct Attention: Decodable, Sendable {
        var kind: String
        // mla
        var heads: Sourced<Int>?
        var qLoraRank: Sourced<Int>?
        var kvLoraRank: Sourced<Int>?
        var qkNopeHeadDim: Sourced<Int>?
        var qkRopeHeadDim: Sourced<Int>?
        var vHeadDim: Sourced<Int>?
        // gqa
        var queryHeads: Sourced<Int>?
        var kvHeads: Sourced<Int>?
        var headDim: Sourced<Int>?
    }
    struct MoE: Decodable, Sendable {
        var routedExperts: Sourced<Int>
        var sharedExperts: Sourced<Int>
        var expertsPerToken: Sourced<Int>
        var expertIntermediateSize: Sourced<Int>
    }
    var name: String
    var layers: Sourced<Int>
    var hiddenSize: Sourced<Int>
    var attention: Attention
    var denseLayers: Sourced<Int>
    var denseIntermediateSize: Sourced<Int>?
    var moe: MoE?
    var vocabularySize: Sourced<Int>
    var mtpModules: Sourced<Int>
    var defaultPrecision: String
    var precisions: [String: PrecisionEntry]
    var messageAlignmentBytes: Sourced<Int>?
    /// An EAGLE-3 draft model's fused target features (`eagle_aux_hidden_state_layer_ids`).
    var draftFeatureLayers: Sourced<Int>?
}
