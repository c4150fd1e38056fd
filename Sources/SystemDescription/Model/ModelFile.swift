/// The JSON layout of `configs/models/*.json`.
struct ModelFile: Decodable, Sendable {
    struct PrecisionEntry: Decodable, Sendable {
        var source: String
        var linearWeightBytes: Sourced<Int>
        var linearComputeBytes: Sourced<Int>
        var activationBytes: Sourced<Int>
        var kvCacheBytes: Sourced<Int>
        var attentionComputeBytes: Sourced<Int>
        var embeddingAndHeadBytes: Sourced<Int>
        var routerBytes: Sourced<Int>
        var dispatchBytesPerElement: Sourced<Int>
        var dispatchScaleBytes: Sourced<Int>
        var combineBytesPerElement: Sourced<Int>
        var collectiveBytesPerElement: Sourced<Int>
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
    var name: String
    var layers: Sourced<Int>
    var denseLayers: Sourced<Int>
    var hiddenSize: Sourced<Int>
    var attentionHeads: Sourced<Int>
    var qLoraRank: Sourced<Int>
    var kvLoraRank: Sourced<Int>
    var qkNopeHeadDim: Sourced<Int>
    var qkRopeHeadDim: Sourced<Int>
    var vHeadDim: Sourced<Int>
    var routedExperts: Sourced<Int>
    var sharedExperts: Sourced<Int>
    var expertsPerToken: Sourced<Int>
    var moeIntermediateSize: Sourced<Int>
    var denseIntermediateSize: Sourced<Int>
    var vocabularySize: Sourced<Int>
    var mtpModules: Sourced<Int>
    var defaultPrecision: String
    var precisions: [String: PrecisionEntry]
    var messageAlignmentBytes: Sourced<Int>
}
