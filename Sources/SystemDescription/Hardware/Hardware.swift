/// One accelerator die: the unit that runs one DP attention rank and hosts experts.
///
/// Rates are in SI base units (operations, bytes, seconds) so formulas need no unit juggling.
public struct DieSpec: Sendable, Equatable {
    public var cubeCores: Int
    public var vectorCores: Int
    /// Dense INT8 (8-bit) matmul peak, operations per second.
    public var int8PeakOpsPerSecond: Double
    /// Dense BF16 matmul peak, FLOP per second.
    public var bf16PeakFlopsPerSecond: Double
    public var hbmCapacityBytes: Double
    public var hbmBandwidthBytesPerSecond: Double
    /// Dense FP4 matmul peak, operations per second, where the die has FP4 tensor cores.
    public var fp4PeakOpsPerSecond: Double? = nil

    /// Matmul peak for operands of `bytes` bytes per element (1 = INT8/FP8, 2 = BF16).
    public func matmulPeak(operandBytes bytes: Int) -> Double {
        bytes <= 1 ? int8PeakOpsPerSecond : bf16PeakFlopsPerSecond
    }

    /// Matmul peak for operands of `bits` bits: FP4 (where the die has it; else the 8-bit peak),
    /// 8-bit, or BF16.
    public func matmulPeak(operandBits bits: Int) -> Double {
        bits <= 4 ? fp4PeakOpsPerSecond ?? int8PeakOpsPerSecond : matmulPeak(operandBytes: (bits + 7) / 8)
    }
}

/// Fractions of peak that the paper's operator benchmarks attain on one die.
///
/// These are operator-level measurements (paper Tables 7–9), the only efficiency inputs the
/// cost model has; nothing here is fitted to a system-level result.
public struct AttainedEfficiency: Sendable, Equatable {
    public var gemmCompute: Double
    public var gemmTileM: Int
    public var gemmTileN: Int
    public var attentionCompute: Double
    public var memoryBandwidth: Double
    /// Attained HBM fraction of memory-bound GEMMs (the small-M GEMMs of decode). GEMM kernels
    /// stream weights through tiles and reach a lower fraction than a bandwidth-tuned attention
    /// kernel; without a separate measurement it equals `memoryBandwidth`.
    public var gemmMemoryBandwidth: Double
    /// Attained compute fraction of the grouped-query attention kernel (FlashAttention-style);
    /// without a separate measurement it equals `attentionCompute` (the MLA kernel's).
    public var groupedQueryAttentionCompute: Double

    public init(
        gemmCompute: Double, gemmTileM: Int, gemmTileN: Int, attentionCompute: Double, memoryBandwidth: Double,
        gemmMemoryBandwidth: Double? = nil, groupedQueryAttentionCompute: Double? = nil
    ) {
        self.groupedQueryAttentionCompute = groupedQueryAttentionCompute ?? attentionCompute
        self.gemmCompute = gemmCompute
        self.gemmTileM = gemmTileM
        self.gemmTileN = gemmTileN
        self.attentionCompute = attentionCompute
        self.memoryBandwidth = memoryBandwidth
        self.gemmMemoryBandwidth = gemmMemoryBandwidth ?? memoryBandwidth
    }
}

/// A network plane, seen from one die.
public struct Fabric: Sendable, Equatable {
    public var name: String
    /// How many NPUs share this plane as one flat domain (UB: the whole supernode; NVLink: a node).
    public var domainNPUs: Int
    public var lineRateBytesPerSecond: Double
    /// Measured one-die unidirectional rates and small-message latencies (nil where unmeasured).
    public var measured: MeasuredLink?
    /// Usable one-direction rate per die (measured or assumed; the line rate when unknown).
    public var attainedBytesPerSecond: Double
}

/// Point-to-point measurements of a link (paper v2 Table 1 for UB).
public struct MeasuredLink: Sendable, Equatable {
    public var readIntraNodeBytesPerSecond: Double
    public var readInterNodeBytesPerSecond: Double
    public var writeIntraNodeBytesPerSecond: Double
    public var writeInterNodeBytesPerSecond: Double
    public var readIntraNodeLatencySeconds: Double
    public var readInterNodeLatencySeconds: Double
    public var writeIntraNodeLatencySeconds: Double
    public var writeInterNodeLatencySeconds: Double
}

/// Which die engine drives the expert dispatch/combine operators.
public enum CommunicationEngine: String, Sendable, Equatable {
    /// Vector cores write to remote memory themselves (Ascend AIV-Direct, GPU SMs in DeepEP).
    case vector
    /// A copy engine (SDMA, copy engines) moves the bytes; cores only prepare them.
    case dma
}

/// Measured latencies of the expert dispatch and combine operators at a reference batch.
public struct ExpertCommunicationTable: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var expertParallelism: Int
        public var latencySeconds: Double
    }
    public var engine: CommunicationEngine
    public var referenceTokensPerRank: Int
    public var referenceExpertsPerToken: Int
    public var referenceDispatchMessageBytes: Int
    public var referenceCombineMessageBytes: Int
    public var dispatch: [Point]
    public var combine: [Point]
    /// Whether there is a measured table (otherwise the link model applies).
    public var isMeasured: Bool { !dispatch.isEmpty && !combine.isEmpty }
}

/// Expert communication from link rates instead of a measured operator table (GPUs).
///
/// Dispatch and combine time = a fixed latency + max(bytes inside the scale-up domain ÷ its
/// attained rate, bytes leaving it ÷ the scale-out attained rate); the two links run in parallel.
public struct LinkCommunication: Sendable, Equatable {
    public var fixedLatencySeconds: Double
    /// Whether the low-latency (decode) kernels send even intra-domain traffic over the
    /// scale-out NIC (DeepEP's February 2025 low-latency kernels were pure RDMA).
    public var lowLatencyKernelsUseScaleOutOnly: Bool
    /// Whether the bulk (prefill) kernels send a token once per destination domain and forward
    /// it inside the domain (DeepEP normal kernels: RDMA to the node, then NVLink).
    public var bulkKernelsDeduplicatePerDomain: Bool
    /// Compute-stream time of one low-latency dispatch call: its send and receive kernels run
    /// on the SMs (quantise and post the messages; unpack on arrival) even when the transfer
    /// itself is hidden. Zero when unmeasured.
    public var lowLatencyDispatchCoreSeconds: Double = 0
    /// Scale-out rate of the low-latency (decode) kernels: per-token messages reach less than
    /// the bulk kernels' chunked transfers. Nil: the scale-out attained rate.
    public var lowLatencyBytesPerSecond: Double? = nil
}

/// The hardware profile: die, packaging, node, supernode and fabrics, validated.
public struct Hardware: Sendable, Equatable {
    public var name: String
    public var die: DieSpec
    public var diesPerPackage: Int
    /// What reports call one package (`NPU`, `GPU`): throughput per accelerator is per one of these.
    public var acceleratorKind: String = "accelerator"
    public var npusPerNode: Int
    public var cpusPerNode: Int
    public var supernodeNPUs: Int
    public var scaleUp: Fabric
    public var scaleOut: Fabric
    public var efficiency: AttainedEfficiency
    public var expertCommunication: ExpertCommunicationTable
    /// The link model, for hardware without a measured dispatch/combine table.
    public var linkCommunication: LinkCommunication?

    /// Dies in one node.
    public var diesPerNode: Int { npusPerNode * diesPerPackage }
    /// Dies in one scale-up domain (UB: the supernode; NVLink: a node).
    public var diesPerScaleUpDomain: Int { scaleUp.domainNPUs * diesPerPackage }
}
