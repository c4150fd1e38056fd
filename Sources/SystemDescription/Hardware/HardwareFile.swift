/// The JSON layout of `configs/hardware/*.json`: units in key names, a source on every number.
///
/// Decoded as-is, then validated into `Hardware` by `Hardware.init(file:path:)`.
struct HardwareFile: Decodable, Sendable {
    struct Die: Decodable, Sendable {
        var cubeCores: Sourced<Int>
        var vectorCores: Sourced<Int>
        var int8PeakTOPS: Sourced<Double>
        var bf16PeakTFLOPS: Sourced<Double>
        /// Dense FP4 peak (Blackwell), when the die has FP4 tensor cores.
        var fp4PeakTOPS: Sourced<Double>?
        var hbmCapacityGB: Sourced<Double>
        var hbmBandwidthGBps: Sourced<Double>
    }
    struct Package: Decodable, Sendable {
        /// What reports call one package: "NPU", "GPU". Optional; "accelerator" when absent.
        var kind: String?
        var diesPerPackage: Sourced<Int>
    }
    struct Node: Decodable, Sendable {
        var npusPerNode: Sourced<Int>
        var cpusPerNode: Sourced<Int>
    }
    struct Supernode: Decodable, Sendable { var npus: Sourced<Int> }
    struct Measured: Decodable, Sendable {
        var readIntraNodeGBps: Sourced<Double>
        var readInterNodeGBps: Sourced<Double>
        var writeIntraNodeGBps: Sourced<Double>
        var writeInterNodeGBps: Sourced<Double>
        var readIntraNodeLatencyUs: Sourced<Double>
        var readInterNodeLatencyUs: Sourced<Double>
        var writeIntraNodeLatencyUs: Sourced<Double>
        var writeInterNodeLatencyUs: Sourced<Double>
    }
    struct ScaleUp: Decodable, Sendable {
        var fabric: String
        var domainNPUs: Sourced<Int>
        var lineRateGBps: Sourced<Double>
        /// Point-to-point measurements (UB: v2 Table 1); absent for fabrics without them.
        var measured: Measured?
        /// Usable one-direction rate per die for bulk and expert traffic, when measured or assumed.
        var attainedGBps: Sourced<Double>?
    }
    struct ScaleOut: Decodable, Sendable {
        var fabric: String
        var lineRateGbps: Sourced<Double>
        /// Usable one-direction rate per die (GB/s), when measured; the line rate otherwise.
        var attainedGBps: Sourced<Double>?
    }
    struct Attained: Decodable, Sendable {
        var gemmComputeUtilisation: Sourced<Double>
        var gemmTileM: Sourced<Int>
        var gemmTileN: Sourced<Int>
        var attentionComputeUtilisation: Sourced<Double>
        var memoryBandwidthUtilisation: Sourced<Double>
        /// Attained HBM fraction of memory-bound GEMMs (small-M decode GEMMs), when measured
        /// separately from the attention kernel; `memoryBandwidthUtilisation` otherwise.
        var gemmMemoryBandwidthUtilisation: Sourced<Double>?
        /// Attained compute fraction of the grouped-query attention kernel, when measured
        /// separately from the MLA kernel; `attentionComputeUtilisation` otherwise.
        var groupedQueryAttentionComputeUtilisation: Sourced<Double>?
    }
    struct CommPoint: Decodable, Sendable {
        var expertParallelism: Int
        var latencyUs: Sourced<Double>
    }
    struct Links: Decodable, Sendable {
        var fixedLatencyUs: Sourced<Double>
        var lowLatencyKernelsUseScaleOutOnly: Sourced<Bool>
        var bulkKernelsDeduplicatePerDomain: Sourced<Bool>
        /// SM time of one low-latency dispatch (send and receive kernels, data already there).
        var lowLatencyDispatchCoreUs: Sourced<Double>?
        /// Rate the low-latency kernels reach on the bytes they send over scale-out, when it
        /// differs from the bulk kernels' (`scaleOut.attainedGBps`).
        var lowLatencyAttainedGBps: Sourced<Double>?
    }
    struct ExpertCommunication: Decodable, Sendable {
        var engine: String
        /// Either a measured operator table (the reference fields and both lists) ...
        var referenceTokensPerRank: Sourced<Int>?
        var referenceExpertsPerToken: Sourced<Int>?
        var referenceDispatchMessageBytes: Sourced<Int>?
        var referenceCombineMessageBytes: Sourced<Int>?
        var dispatch: [CommPoint]?
        var combine: [CommPoint]?
        /// ... or a link model: bytes over the attained scale-up and scale-out rates.
        var links: Links?
    }

    var name: String
    var die: Die
    var package: Package
    var node: Node
    var supernode: Supernode
    var scaleUp: ScaleUp
    var scaleOut: ScaleOut
    var attained: Attained
    var expertCommunication: ExpertCommunication
}
