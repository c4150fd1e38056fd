/// Bytes per element of each kind of tensor: the numeric format of one deployment.
///
/// INT8 W8A8 (the paper's) keeps weights and GEMM inputs in 8 bits, outputs, KV and
/// precision-sensitive ops in BF16; the BF16 profile is the unquantised alternative.
public struct Precision: Sendable, Equatable {
    public var name: String
    public var linearWeightBytes: Int
    /// Operand width of the linear-layer GEMMs (selects the INT8 or BF16 peak).
    public var linearComputeBytes: Int
    /// Activations between operators (GEMM outputs, residual stream).
    public var activationBytes: Int
    public var kvCacheBytes: Int
    /// Operand width of the attention core (selects the peak the MLA kernel runs at).
    public var attentionComputeBytes: Int
    public var embeddingAndHeadBytes: Int
    public var routerBytes: Int
    public var dispatchBytesPerElement: Int
    public var dispatchScaleBytes: Int
    public var combineBytesPerElement: Int
    /// Prefill attention all-gather / all-to-all payloads.
    public var collectiveBytesPerElement: Int
    /// Bytes the communication library adds to each dispatched token (DeepEP: a 16-byte header).
    public var dispatchHeaderBytes: Int = 0
    /// The library's message alignment when it differs from the model file's (CANN pads to
    /// 512 B; DeepEP copies 16-byte units); nil: the model file's.
    public var messageAlignmentBytes: Int? = nil
}
