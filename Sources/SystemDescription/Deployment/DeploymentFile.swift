/// The JSON layout of `configs/deployments/*.json`.
struct DeploymentFile: Decodable, Sendable {
    struct Stream: Decodable, Sendable {
        var name: String
        var cubeCores: Sourced<Int>
        var vectorCores: Sourced<Int>
    }
    struct Microbatching: Decodable, Sendable {
        var enabled: Bool
        var source: String
        var policy: String
        var policySource: String
        /// "coreSplit" (default: two streams on disjoint cores) or "communication" (the whole
        /// device computes one microbatch while the other's dispatch/combine is in flight).
        var overlap: String?
        var overlapSource: String?
        var streams: [Stream]
    }
    struct MTP: Decodable, Sendable {
        var draftTokens: Sourced<Int>
        var acceptanceRate: Sourced<Double>
    }
    struct Decode: Decodable, Sendable {
        var npus: Sourced<Int>
        var attentionDataParallelDies: Sourced<Int>
        var sharedExpertCopies: Sourced<Int>
        var redundantExperts: Sourced<Int>
        var expertsPerDie: Sourced<Int>
        var batchPerDie: Sourced<Int>
        var maxKVLengthTokens: Sourced<Int>
        var maxTokensPerDieForBuffers: Sourced<Int>
        var microbatching: Microbatching
        var mtp: MTP
        var expertBalance: String
    }
    struct Prefill: Decodable, Sendable {
        var npus: Sourced<Int>
        var expertParallelDies: Sourced<Int>
        var expertsPerDie: Sourced<Int>
        var attentionTensorParallelDies: Sourced<Int>
        var tokensPerNPU: Sourced<Int>
        var promptLength: Sourced<Int>
        var microbatches: Sourced<Int>
        var expertBalance: String
        /// Cores held by the dispatch/combine kernels for the whole batch (GPU SMs running
        /// DeepEP's normal kernels); absent or 0 when a copy engine moves the bytes.
        var communicationCores: Sourced<Int>?
        /// "listScheduled" (default) or "twoBatchOverlap" (`PrefillOverlap`).
        var overlap: String?
        var overlapSource: String?
    }
    struct Overheads: Decodable, Sendable {
        var naiveGraphStartupUs: Sourced<Double>
        var graphLaunchOverlapped: Sourced<Int>
        var samplingPassesOverLogits: Sourced<Double>
        var logitBytes: Sourced<Int>
    }
    struct Imbalance: Decodable, Sendable {
        var model: String
        var noiseSource: String
        var systematicSkew: Sourced<Double>
    }
    struct Calibration: Decodable, Sendable {
        var perOperatorOverheadUs: Sourced<Double>
    }
    var name: String
    var hardware: String
    var model: String
    var precision: String
    var prefillInstances: Sourced<Int>
    var decodeInstances: Sourced<Int>
    package var decode: Decode
    var prefill: Prefill
    var overheads: Overheads
    var expertImbalance: Imbalance
    var calibration: Calibration
}
