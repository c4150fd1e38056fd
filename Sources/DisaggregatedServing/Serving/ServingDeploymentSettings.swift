import SystemDescription
import CostModel
/// The what-if knobs of a CloudMatrix-Infer serving run, around the deployment file's values.
///
/// `init(system:serving:)` takes every default from the files; change a field to ask "what
/// if". `resolve(...)` applies them to the cost model's configuration and derives the sizes the
/// serving layer needs (KV bytes per token, KV room per decode die, prefill token budget).
public struct ServingDeploymentSettings: Sendable, Equatable {
    /// Which part of the system a replay simulates.
    public enum Phase: String, Sendable, CaseIterable {
        /// Prefill, KV transfer and decode.
        case full
        /// Decode only: each request's KV (and first token) is ready at a decode die when it is
        /// admitted, as in the paper's separate decode measurements.
        case decode
        /// Prefill only: a request leaves with its first token.
        case prefill
    }

    /// The network the EMS pool is reached over.
    public enum CacheLink: String, Sendable, CaseIterable {
        /// The UB plane (the paper's design).
        case ub
        /// The VPC network through each node's Qingtian card (the paper's comparison).
        case vpc
    }

    /// How MTP acceptance turns into tokens.
    public enum MTPSampling: String, Sendable, CaseIterable {
        /// Every request makes `tokensPerStep` tokens per step (fractional progress).
        case expected
        /// Accepted drafts are drawn per request from the backend's seeded stream.
        case sampled
    }

    public var prefillInstances: Int
    public var decodeInstances: Int
    /// Requests one decode die may hold (its DP rank's batch cap).
    public var decodeBatchPerDie: Int
    public var phase: Phase
    public var emsEnabled: Bool
    public var emsCapacityBytes: Double
    public var emsLink: CacheLink
    /// Tokens per EMS page (a stored block takes whole pages); nil = one page per block of the
    /// request's own prefix block size (the trace's). Matching stays at the trace's block granularity.
    public var emsBlockTokens: Int?
    public var microbatching: MicrobatchPolicy
    public var mtp: MTPSettings
    public var mtpSampling: MTPSampling
    /// A precision name of the model file (`int8-w8a8`, `bf16`).
    public var precision: String
    public var expertBalance: ExpertBalance

    /// The files' values: the paper's deployment.
    public init(system: SystemConfiguration, serving: ServingSystemParameters) {
        let d = system.deployment
        prefillInstances = d.prefillInstances
        decodeInstances = d.decodeInstances
        decodeBatchPerDie = d.decode.batchPerDie
        phase = .full
        emsEnabled = serving.ems != nil
        emsCapacityBytes = serving.ems?.defaultCapacityBytes ?? 0
        emsLink = .ub
        emsBlockTokens = nil
        microbatching = d.decode.microbatchPolicy
        mtp = d.decode.mtp
        mtpSampling = .expected
        precision = system.model.precision.name
        expertBalance = d.decode.expertBalance
    }
}

/// A deployment with its knobs applied: the cost models to call and the sizes they imply.
public struct ResolvedServingSystem: Sendable {
    public var system: SystemConfiguration
    public var serving: ServingSystemParameters
    public var settings: ServingDeploymentSettings
    public var decodeOptions: DecodeOptions
    public var prefillOptions: PrefillOptions

    /// KV-cache bytes of one token: main-model layers plus the MTP layer when MTP runs (the
    /// layers `MemoryBudget.decode` counts).
    public var kvBytesPerToken: Double
    /// HBM a decode die has for KV: capacity less weights, dispatch/combine buffers and workspace.
    public var kvCapacityBytesPerDecodeDie: Double
    /// Prompt tokens one prefill batch may hold: tokens per NPU × NPUs of an instance.
    public var prefillTokenBudget: Int
    public var decodeDiesPerInstance: Int

    /// The most decode dies (instances × dies per instance) the backend simulates: each costs a
    /// few dozen bytes of state, so this keeps a what-if within memory (a million dies, ~50 MB).
    public static let maxSimulatedDecodeDies = 1 << 20

    /// Applies `settings` to `system` (whose model was loaded at `settings.precision`).
    ///
    /// Refuses instance counts and batches above ``FieldValidator/integerLimit`` and more
    /// than ``maxSimulatedDecodeDies`` decode dies: a what-if like `decode_instances=100000000`
    /// would otherwise overflow 64 bits or fail to allocate and crash.
    public init(system base: SystemConfiguration, serving: ServingSystemParameters, settings: ServingDeploymentSettings) throws(ConfigError) {
        let counts = [
            ("prefill_instances", settings.prefillInstances), ("decode_instances", settings.decodeInstances),
            ("decode_batch_per_die", settings.decodeBatchPerDie),
        ]
        for (name, value) in counts where value > FieldValidator.integerLimit {
            throw ConfigError(
                .invalidValue, file: base.deployment.name, path: name,
                reason: "must be at most \(FieldValidator.integerLimit), got \(value)")
        }
        let decodeDies = base.deployment.decode.dies * settings.decodeInstances
        if settings.phase != .prefill, decodeDies > Self.maxSimulatedDecodeDies {
            throw ConfigError(
                .invalidValue, file: base.deployment.name, path: "decode_instances",
                reason: "\(settings.decodeInstances) decode instances of \(base.deployment.decode.dies) dies are \(decodeDies) dies; "
                    + "cmbench simulates at most \(Self.maxSimulatedDecodeDies): lower decode_instances")
        }
        var s = base
        s.deployment.prefillInstances = settings.prefillInstances
        s.deployment.decodeInstances = settings.decodeInstances
        s.deployment.decode.batchPerDie = settings.decodeBatchPerDie
        s.deployment.decode.mtp = settings.mtp
        s.deployment.decode.expertBalance = settings.expertBalance
        s.deployment.prefill.expertBalance = settings.expertBalance
        // Two microbatches need either two core streams or compute/communication overlap.
        if s.deployment.decode.streams == nil, s.deployment.decode.overlap != .communication, settings.microbatching != .never {
            throw ConfigError(
                .invalidValue, file: s.deployment.name, path: "$.decode.microbatching",
                reason: "microbatching '\(settings.microbatching.rawValue)' needs the two streams the deployment file leaves out")
        }
        s.deployment.decode.microbatchPolicy = settings.microbatching
        // Paper v3 Eq. 2: max_tokens = local batch × min(topK, experts per die); a request
        // carries 1 + draft tokens per step.
        s.deployment.decode.maxTokensPerDieForBuffers =
            settings.decodeBatchPerDie * (1 + settings.mtp.draftTokens) * min(s.model.expertsPerToken, s.deployment.decode.expertsPerDie)
        system = s
        self.serving = serving
        self.settings = settings
        decodeOptions = DecodeOptions(deployment: s.deployment.decode)
        prefillOptions = PrefillOptions(deployment: s.deployment)

        let m = s.model
        let mtpLayers = settings.mtp.draftTokens > 0 ? m.mtpModules : 0
        kvBytesPerToken = Double(m.kvElementsPerTokenPerLayer * m.precision.kvCacheBytes * (m.layers + mtpLayers))
        let budget = MemoryBudget.decode(model: m, deployment: s.deployment.decode, hardware: s.hardware, batchPerDie: 0, kvLength: 0)
        kvCapacityBytesPerDecodeDie = budget.headroomBytes - serving.decodeWorkspaceBytesPerDie
        guard settings.phase == .prefill || kvCapacityBytesPerDecodeDie > 0 else {
            throw ConfigError(
                .doesNotFit, file: s.deployment.name, path: "$.decode",
                reason: "a decode die has no room for KV: weights and buffers take \(MemoryBudget.gb(budget.totalBytes)) and the workspace \(MemoryBudget.gb(serving.decodeWorkspaceBytesPerDie)) of \(MemoryBudget.gb(budget.capacityBytes))")
        }
        if settings.phase != .decode {
            try MemoryBudget.prefill(model: m, deployment: s.deployment.prefill, hardware: s.hardware, mtpLayers: mtpLayers)
                .check(file: s.deployment.name, path: "$.prefill", what: "prefill at \(s.deployment.prefill.tokensPerNPU) tokens per NPU")
        }
        prefillTokenBudget = s.deployment.prefill.tokensPerNPU * s.deployment.prefill.npus
        decodeDiesPerInstance = s.deployment.decode.dies
    }
}
