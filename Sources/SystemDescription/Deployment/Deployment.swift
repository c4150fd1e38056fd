/// How expert load is spread over the expert dies.
public enum ExpertBalance: String, Sendable, Equatable, CaseIterable {
    /// Every expert die gets exactly its share of tokens (the paper's "perfect EPLB" projection).
    case perfect
    /// The deployment's EPLB: routing noise plus the stated systematic skew (`ExpertImbalance`).
    case `default`
    /// Experts drawn at random for every token: routing noise only, no skew (SGLang's
    /// "simulated perfect EPLB", [SGL-EP]: "random expert selection following group-limited
    /// routing semantics").
    case random
}

/// The cube and vector cores one microbatch stream owns on a die.
public struct StreamShare: Sendable, Equatable {
    public var name: String
    public var cubeCores: Int
    public var vectorCores: Int
}

/// When the decode instance runs its two-stream microbatch pipeline.
public enum MicrobatchPolicy: String, Sendable, Equatable, CaseIterable {
    /// Always two streams.
    case always
    /// Never: one stream on the whole die.
    case never
    /// Two streams only at batches where that shortens the step (the engine adapts).
    case whenFaster
}

/// What the two decode microbatches overlap.
public enum MicrobatchOverlap: String, Sendable, Equatable {
    /// Two streams on disjoint core shares, attention on one and MoE on the other (paper §4.2.3).
    case coreSplit
    /// One microbatch's compute on the whole device while the other's dispatch/combine is in
    /// flight (DeepSeek's dual-microbatch decode: the low-latency kernels hold no SMs while
    /// waiting, [PROF]).
    case communication
}

/// Multi-token prediction settings.
public struct MTPSettings: Sendable, Equatable {
    public var draftTokens: Int
    public var acceptanceRate: Double

    public init(draftTokens: Int, acceptanceRate: Double) {
        self.draftTokens = draftTokens
        self.acceptanceRate = acceptanceRate
    }

    /// Expected tokens emitted per request per step: 1 + a + a² + … (a = acceptance, k drafts).
    ///
    /// With one draft token this is the paper's 1 + acceptance (1.7 at 70 %).
    public var tokensPerStep: Double {
        var total = 1.0, p = 1.0
        for _ in 0..<draftTokens { p *= acceptanceRate; total += p }
        return total
    }
    /// Compute graphs per step: k + 1 (paper v3 §4.2.4).
    public var graphsPerStep: Int { draftTokens + 1 }

    public static let off = MTPSettings(draftTokens: 0, acceptanceRate: 0)
}

/// The decode instance: EP over all its dies, DP attention, microbatch streams, MTP.
public struct DecodeDeployment: Sendable, Equatable {
    public var npus: Int
    public var dies: Int
    public var attentionDataParallelDies: Int
    public var sharedExpertCopies: Int
    public var redundantExperts: Int
    public var expertsPerDie: Int
    public var batchPerDie: Int
    public var maxKVLengthTokens: Int
    public var maxTokensPerDieForBuffers: Int
    /// The two streams, or nil when microbatching is off.
    public var streams: [StreamShare]?
    public var microbatchPolicy: MicrobatchPolicy
    public var overlap: MicrobatchOverlap = .coreSplit
    public var mtp: MTPSettings
    public var expertBalance: ExpertBalance

    /// Expert slots holding routed experts (distinct + redundant copies).
    public var routedExpertSlots: Int { dies * expertsPerDie - sharedExpertCopies }
    /// Whether every die holds a shared-expert copy (computed locally, never dispatched).
    public var sharedExpertOnEveryDie: Bool { sharedExpertCopies >= dies }
    /// Whether a two-microbatch pipeline is available.
    public var canMicrobatch: Bool { streams != nil || (overlap == .communication && microbatchPolicy != .never) }
}

/// One prefill instance: EP over its dies, SP-TP-SP attention, two microbatches.
public struct PrefillDeployment: Sendable, Equatable {
    public var npus: Int
    public var dies: Int
    public var expertParallelDies: Int
    public var expertsPerDie: Int
    public var attentionTensorParallelDies: Int
    public var tokensPerNPU: Int
    public var promptLength: Int
    public var microbatches: Int
    public var expertBalance: ExpertBalance
    /// Cube cores (GPU SMs) the communication kernels hold throughout the batch, so the compute
    /// stages run on the rest (DeepSeek's prefill: 24 of 132 SMs, [PROF]; paper Fig. 18a).
    /// Zero where a copy engine moves the bytes (CloudMatrix prefill uses SDMA, §4.3.2).
    public var communicationCores: Int = 0
    /// How the microbatches overlap communication with compute.
    public var overlap: PrefillOverlap = .listScheduled
}

/// How a prefill instance orders its microbatches' stages.
public enum PrefillOverlap: String, Sendable, Equatable {
    /// Independent engines (cube, vector, copy engine) each take the stage that can start
    /// earliest (`PipelineSchedule`; CloudMatrix's AIC/AIV/SDMA pipeline, paper §4.3.2).
    case listScheduled
    /// One compute stream in program order, transfers waited for at fixed points
    /// (`TwoBatchOverlapSchedule`; GPU engines with two-batch overlap).
    case twoBatchOverlap
}

/// Fixed costs outside the operators.
public struct Overheads: Sendable, Equatable {
    public var naiveGraphStartupSeconds: Double
    /// Whether graph start-up is hidden behind the previous graph (paper §4.2.4 pipeline).
    public var graphLaunchOverlapped: Bool
    public var samplingPassesOverLogits: Double
    public var logitBytes: Int
}

/// The expert-imbalance model: hottest expert die load over the mean.
///
/// max/mean = skew × (1 + √(2 ln N / λ)) for N expert slots with λ tokens each on average. The
/// second factor is the routing noise of independent draws that even ideal placement leaves
/// (the expected maximum of N Poisson(λ) loads is ≈ λ + √(2λ ln N)); `skew` is what EPLB
/// fails to flatten. Perfect balance is 1 by definition.
public struct ExpertImbalance: Sendable, Equatable {
    public var systematicSkew: Double

    public func maxOverMean(balance: ExpertBalance, slots: Int, meanTokensPerSlot: Double) -> Double {
        switch balance {
        case .perfect: return 1
        case .default: return systematicSkew * Self.routingNoise(slots: slots, meanTokensPerSlot: meanTokensPerSlot)
        case .random: return Self.routingNoise(slots: slots, meanTokensPerSlot: meanTokensPerSlot)
        }
    }

    /// Expected max over mean of `slots` Poisson loads of mean λ: 1 + √(2 ln N / λ).
    static func routingNoise(slots: Int, meanTokensPerSlot: Double) -> Double {
        guard slots > 1, meanTokensPerSlot > 0 else { return 1 }
        return 1 + (2 * Foundation.log(Double(slots)) / meanTokensPerSlot).squareRoot()
    }
}

/// Values fitted on named system-level reference points (at most two in all).
public struct Calibration: Sendable, Equatable {
    /// Fixed time of every operator invocation on the device (task launch, AIC/AIV hand-off,
    /// the cross-die flag waits of dispatch and combine) that the roofline does not contain.
    public var perOperatorOverheadSeconds: Double
}

/// A validated deployment file.
public struct Deployment: Sendable, Equatable {
    public var name: String
    public var hardwareName: String
    public var modelName: String
    public var precisionName: String
    public var prefillInstances: Int
    public var decodeInstances: Int
    public var decode: DecodeDeployment
    public var prefill: PrefillDeployment
    public var overheads: Overheads
    public var imbalance: ExpertImbalance
    public var calibration: Calibration
}

import Foundation
