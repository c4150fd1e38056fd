/// How one replica of an aggregated engine spreads the model over its dies.
///
/// A replica is one engine instance (one vLLM/SGLang/TensorRT-LLM server): its dies hold one
/// copy of the weights between them and run every iteration together. Within it:
/// - `attentionDataParallel` attention ranks each own a share of the running requests and their
///   KV blocks (DP attention: vLLM `--data-parallel-size` with EP, SGLang `--enable-dp-attention`,
///   TensorRT-LLM `enable_attention_dp`); each rank is one scheduler;
/// - `tensorParallel` dies share each rank's attention and dense layers (heads and weight columns
///   split, an all-reduce per layer over the scale-up link);
/// - `expertParallel` dies hold the routed experts between them (1: every die holds every expert,
///   sharded by tensor parallelism instead);
/// - `pipelineParallel` stages each hold `layers / pipelineParallel` layers.
public struct ParallelLayout: Sendable, Equatable, Hashable {
    public var tensorParallel: Int
    public var attentionDataParallel: Int
    public var expertParallel: Int
    public var pipelineParallel: Int

    public init(tensorParallel: Int, attentionDataParallel: Int, expertParallel: Int, pipelineParallel: Int) {
        self.tensorParallel = tensorParallel
        self.attentionDataParallel = attentionDataParallel
        self.expertParallel = expertParallel
        self.pipelineParallel = pipelineParallel
    }

    /// Dies of one pipeline stage: every attention rank's TP group.
    public var diesPerStage: Int { tensorParallel * attentionDataParallel }
    /// Dies of one replica.
    public var diesPerReplica: Int { diesPerStage * pipelineParallel }
}

/// Which work an iteration serves first when the token budget cannot hold all of it.
public enum SchedulingPolicy: String, Sendable, Equatable, CaseIterable {
    /// Running requests first (their decode tokens and the next chunks of prompts already
    /// started), then new prompts in arrival order while budget and blocks last: vLLM V1's
    /// scheduler (`vllm/v1/core/sched/scheduler.py`, `schedule()`), TensorRT-LLM's in-flight
    /// batching with chunked context.
    case decodeFirst
    /// A new prefill batch whenever prompts wait and blocks allow, decode iterations otherwise,
    /// the two not mixed (chunks of a long prompt continue first): SGLang's default scheduler
    /// (`python/sglang/srt/managers/scheduler.py`, `get_next_batch_to_run`; mixing only with
    /// `--enable-mixed-chunk`).
    case prefillFirst
}

/// How an engine's MoE layers exchange tokens when attention is data-parallel, as its deployment
/// file states it (`moeCommunication`).
public enum ExpertExchange: String, Sendable, Equatable, CaseIterable {
    /// Each rank dispatches its tokens to the dies holding their experts and gets the outputs back.
    case allToAll = "all-to-all"
    /// Every die gathers every rank's tokens, computes its experts' share, and the partial
    /// outputs are reduce-scattered back (TensorRT-LLM's CUTLASS MoE without its all-to-all).
    case allGatherReduceScatter = "all-gather-reduce-scatter"
}

/// What an engine does to a running request that cannot get a KV block, or how it avoids ever
/// having to.
public enum PreemptionMode: String, Sendable, Equatable, CaseIterable {
    /// Free its blocks and put it back at the head of the waiting queue; its prompt and the tokens
    /// already generated are prefilled again when it is readmitted (vLLM V1's only mode:
    /// `PreemptionMode.RECOMPUTE`; SGLang's "retract").
    case recompute
    /// Never preempt: a request is admitted only when the blocks for its whole sequence (prompt
    /// plus every output token) are free, and they are reserved for it until it finishes, so a
    /// started request is never paused. TensorRT-LLM's default capacity scheduler
    /// (`CapacitySchedulerPolicy.GUARANTEED_NO_EVICT`, the default of `SchedulerConfig` and of
    /// `BindCapacityScheduler` in `tensorrt_llm/_torch/pyexecutor/scheduler.py`).
    case guaranteedNoEvict = "guaranteed-no-evict"
}

/// How a replica is chosen for each arriving request.
public enum RouterPolicy: String, Sendable, Equatable, CaseIterable {
    /// Replicas in turn.
    case roundRobin = "round-robin"
    /// The replica with the fewest requests in it (running and waiting).
    case leastLoaded = "least-loaded"
    /// The replica holding the longest cached prefix of the request's block hashes (ties and
    /// no match: least loaded) — SGLang's cache-aware router, vLLM's production stack's
    /// prefix-aware routing. Needs a trace with block hashes; without them it is least-loaded.
    case prefixAware = "prefix-aware"
}

/// The engine's per-iteration limits and its KV cache, per attention rank.
public struct EngineLimits: Sendable, Equatable {
    /// Requests one attention rank runs at once (vLLM `max_num_seqs`, SGLang `max_running_requests`
    /// per DP rank, TensorRT-LLM `max_batch_size`).
    public var maxBatchPerRank: Int
    /// Tokens one attention rank computes per iteration, decode tokens and prompt chunks together
    /// (vLLM `max_num_batched_tokens`, TensorRT-LLM `max_num_tokens`, SGLang `chunked_prefill_size`).
    public var maxBatchedTokensPerRank: Int
    /// Whether a prompt longer than the budget left may be split over iterations. Off: a prompt
    /// is admitted only whole, and one longer than `maxBatchedTokensPerRank` is rejected.
    public var chunkedPrefill: Bool
    /// Tokens per KV block (vLLM `--block-size`, TensorRT-LLM `tokens_per_block`, SGLang page size).
    public var kvBlockTokens: Int
    /// Whether blocks of a finished request stay cached for later requests sharing its prefix
    /// (the trace's block hashes), evicted least recently used when blocks run out.
    public var prefixCaching: Bool
    public var policy: SchedulingPolicy
    public var preemption: PreemptionMode

    public init(
        maxBatchPerRank: Int, maxBatchedTokensPerRank: Int, chunkedPrefill: Bool, kvBlockTokens: Int, prefixCaching: Bool,
        policy: SchedulingPolicy, preemption: PreemptionMode = .recompute
    ) {
        self.maxBatchPerRank = maxBatchPerRank
        self.maxBatchedTokensPerRank = maxBatchedTokensPerRank
        self.chunkedPrefill = chunkedPrefill
        self.kvBlockTokens = kvBlockTokens
        self.prefixCaching = prefixCaching
        self.policy = policy
        self.preemption = preemption
    }
}

/// A draft model by the names of its model file (`configs/models/`) and precision.
public struct DraftModelReference: Sendable, Equatable {
    public var model: String
    public var precision: String

    public init(model: String, precision: String) {
        self.model = model
        self.precision = precision
    }
}

/// How much of a die's HBM the KV cache gets, the rest being weights, activations and workspace.
public struct KVMemoryShare: Sendable, Equatable {
    /// The fraction of HBM the engine may use at all (vLLM `gpu_memory_utilization` 0.9;
    /// TensorRT-LLM sizes the cache from `free_gpu_memory_fraction` 0.9 of what is free after
    /// weights instead: see `kvFractionOfFree`).
    public var usableFraction: Double
    /// When true the cache is `usableFraction` of what remains after weights and workspace
    /// (TensorRT-LLM); when false it is `usableFraction` × HBM − weights − workspace (vLLM).
    public var kvFractionOfFree: Bool
    /// Activations, CUDA graphs / ACL graphs and communication buffers held per die (bytes).
    public var workspaceBytesPerDie: Double

    public init(usableFraction: Double, kvFractionOfFree: Bool, workspaceBytesPerDie: Double) {
        self.usableFraction = usableFraction
        self.kvFractionOfFree = kvFractionOfFree
        self.workspaceBytesPerDie = workspaceBytesPerDie
    }
}

/// A validated aggregated deployment: replicas of one engine that mixes prefill chunks and decode
/// tokens in every iteration (continuous batching), on the same hardware and model files as the
/// disaggregated deployments.
public struct AggregatedDeployment: Sendable, Equatable {
    public var name: String
    public var hardwareName: String
    public var modelName: String
    public var precisionName: String
    public var replicas: Int
    public var layout: ParallelLayout
    public var limits: EngineLimits
    public var router: RouterPolicy
    public var mtp: MTPSettings
    public var expertBalance: ExpertBalance
    /// Redundant routed-expert copies over the EP group (0 for the engines' defaults).
    public var redundantExperts: Int
    public var memory: KVMemoryShare
    public var overheads: Overheads
    public var imbalance: ExpertImbalance
    public var calibration: Calibration
    /// The draft model that proposes `mtp.draftTokens` tokens per step (EAGLE-3), by the names
    /// of its model file and precision; nil when drafts come from the model's MTP module.
    public var draftModel: DraftModelReference?
    /// The MoE exchange the file states; nil: the cost model's default for the layout (all-to-all
    /// when attention is pure DP and EP spans the stage).
    public var expertExchange: ExpertExchange?

    public init(
        name: String, hardwareName: String, modelName: String, precisionName: String, replicas: Int, layout: ParallelLayout,
        limits: EngineLimits, router: RouterPolicy, mtp: MTPSettings, expertBalance: ExpertBalance, redundantExperts: Int,
        memory: KVMemoryShare, overheads: Overheads, imbalance: ExpertImbalance, calibration: Calibration
    ) {
        self.name = name
        self.hardwareName = hardwareName
        self.modelName = modelName
        self.precisionName = precisionName
        self.replicas = replicas
        self.layout = layout
        self.limits = limits
        self.router = router
        self.mtp = mtp
        self.expertBalance = expertBalance
        self.redundantExperts = redundantExperts
        self.memory = memory
        self.overheads = overheads
        self.imbalance = imbalance
        self.calibration = calibration
    }
}
