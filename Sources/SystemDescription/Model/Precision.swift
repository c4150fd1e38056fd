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

    /// The FFN weights' block-scaled format when it differs from `linearWeightBytes` (NVFP4),
    /// nil otherwise.
    public var ffnWeights: BlockScaledFormat? = nil

    /// Bytes per element of the FFN weights (dense FFNs, routed and shared experts), block scales
    /// included.
    public var ffnWeightBytesPerElement: Double { ffnWeights?.bytesPerElement ?? Double(linearWeightBytes) }
    /// Bytes per element of the FFN GEMMs' activation operand (quantised like the weights under W4A4).
    public var ffnInputBytesPerElement: Double {
        guard let f = ffnWeights else { return Double(linearComputeBytes) }
        return f.computeBits < 8 ? f.bytesPerElement : Double(f.computeBits / 8)
    }
    /// Operand width of the FFN GEMMs in bits (selects the tensor-core peak).
    public var ffnComputeBits: Int { ffnWeights?.computeBits ?? linearComputeBytes * 8 }
}

/// A block-scaled number format for weights: `bits` per element plus one scale of `scaleBytes`
/// per `blockElements` elements (NVFP4: 4-bit E2M1 with one FP8 E4M3 scale per 16 elements,
/// NVIDIA's "Introducing NVFP4 for Efficient and Accurate Low-Precision Inference", 2025; the
/// one FP32 scale per tensor is negligible and omitted).
public struct BlockScaledFormat: Sendable, Equatable {
    public var bits: Int
    public var blockElements: Int
    public var scaleBytes: Int
    /// Width the GEMM runs at, in bits: 4 when activations are quantised to the same format (W4A4)
    /// and the FP4 tensor cores run it, 8 for FP8 activations.
    public var computeBits: Int

    public init(bits: Int, blockElements: Int, scaleBytes: Int, computeBits: Int) {
        self.bits = bits
        self.blockElements = blockElements
        self.scaleBytes = scaleBytes
        self.computeBits = computeBits
    }

    /// Bytes per element, scales included (NVFP4: 0.5 + 1/16 = 0.5625).
    public var bytesPerElement: Double { Double(bits) / 8 + Double(scaleBytes) / Double(blockElements) }
}
