import CostModel
import DiscreteEvent
import Serving
import SystemDescription

extension AggregatedBackend {
    /// The deployment `--backend aggregated` runs when none is named: vLLM V1 with its defaults on
    /// one 8 × H200 node, attention DP8 and MoE EP8, chunked prefill and prefix caching on
    /// (`configs/deployments/vllm-h200-dp8ep8.json`).
    public static let defaultDeployment = "vllm-h200-dp8ep8"

    /// Loads `configs/` (hardware, model at the requested precision, the aggregated deployment),
    /// applies `configure` to the file's deployment, sizes the KV cache of each attention rank
    /// from the HBM the weights and workspace leave (`MemoryBudget.aggregated`), and builds the
    /// backend timed by the iteration cost model's fast path, its random stream split from
    /// `seed`. Each file is read once through `files`, which records its path and digest.
    ///
    /// A layout the engines cannot run throws with the layout key as the path (`ep`, say); one
    /// whose weights leave no room for KV throws `doesNotFit` naming the file. `moeCommunication`
    /// is passed to `IterationCostModel` (nil: its default for the layout; `.allReduce`: the
    /// all-gather / reduce-scatter form under attention DP).
    public static func make(
        configsDirectory: String = "configs", deployment: String = defaultDeployment, seed: UInt64 = 0, precision: String? = nil,
        model: String? = nil, mtpSampling: MTPSampling = .expected, files: ConfigFiles = ConfigFiles(),
        moeCommunication: MoECommunication? = nil,
        configure: (inout AggregatedDeployment) -> Void = { _ in }
    ) throws(ConfigError) -> AggregatedBackend {
        var system = try AggregatedSystem.load(
            configsDirectory: configsDirectory, deployment: deployment, precision: precision, model: model, files: files)
        configure(&system.deployment)
        let path = SystemConfiguration.deploymentPath(configsDirectory: configsDirectory, deployment: deployment)
        // A what-if may switch MTP on (`mtp=on`): only for a model that has the module, unless a
        // draft model proposes the tokens.
        if system.draftModel == nil, let reason = system.model.mtpProblem(draftTokens: system.deployment.mtp.draftTokens) {
            throw ConfigError(.invalidValue, file: path, path: "mtp", reason: reason)
        }
        if let (field, reason) = system.deployment.layout.problem(on: system.hardware) {
            throw ConfigError(.invalidValue, file: path, path: field.map(optionKey) ?? "layout", reason: reason)
        }
        let model = IterationCostModel(
            hardware: system.hardware, model: system.model, deployment: system.deployment, moeCommunication: moeCommunication,
            draftModel: system.draftModel)
        let memory = model.memoryBudget
        let layout = system.deployment.layout
        try memory.check(
            file: path, path: "$.layout",
            what: "a replica of \(layout.diesPerReplica) dies (tp=\(layout.tensorParallel) dp=\(layout.attentionDataParallel) ep=\(layout.expertParallel) pp=\(layout.pipelineParallel))")
        do {
            return try AggregatedBackend(
                deployment: system.deployment, kvBlocksPerRank: memory.kvBlocksPerRank(blockTokens: system.deployment.limits.kvBlockTokens),
                timing: model.timer(), generator: SeededGenerator(seed: seed).split("backend.aggregated"), mtpSampling: mtpSampling,
                acceleratorKind: system.hardware.acceleratorKind, diesPerAccelerator: system.hardware.diesPerPackage)
        } catch {
            throw ConfigError(.invalidValue, file: path, path: "$", reason: error.message)
        }
    }

    /// The `--backend-option` key of a layout field.
    static func optionKey(_ field: String) -> String {
        ["tensorParallel": "tp", "attentionDataParallel": "dp", "expertParallel": "ep", "pipelineParallel": "pp"][field] ?? field
    }

    /// `aggregated`: replicas of one continuous-batching engine, from `configs/`:
    ///
    /// | key | values | default |
    /// |---|---|---|
    /// | `configs` | directory | `configs` |
    /// | `deployment` | an aggregated deployment file's name in `configs/deployments/`, or a path | `vllm-h200-dp8ep8` (vLLM V1 defaults on 8 × H200, DP8/EP8) |
    /// | `model` | a model file name in `configs/models/`: replaces the deployment's model, layout kept, MTP off for a model without an MTP module (refused when the layout does not divide it or it does not fit) | the deployment's |
    /// | `replicas` | positive integer | the deployment's |
    /// | `tp`, `dp`, `ep`, `pp` | tensor-parallel dies per attention rank, attention ranks, expert-parallel dies (1 or tp × dp), pipeline stages | the deployment's |
    /// | `max_batch_per_rank` | requests per attention rank | the deployment's |
    /// | `max_batched_tokens_per_rank` | tokens per rank per iteration | the deployment's |
    /// | `chunked_prefill` | `on`, `off` | the deployment's |
    /// | `kv_block_tokens` | tokens per KV block | the deployment's |
    /// | `prefix_caching` | `on`, `off` | the deployment's |
    /// | `policy` | `decode-first` (vLLM, TensorRT-LLM), `prefill-first` (SGLang) | the deployment's |
    /// | `preemption` | `recompute` (vLLM, SGLang), `guaranteed-no-evict` (TensorRT-LLM: reserve the whole sequence at admission) | the deployment's |
    /// | `router` | `round-robin`, `least-loaded`, `prefix-aware` | the deployment's |
    /// | `kv_memory_fraction` | (0, 1]: vLLM's `gpu_memory_utilization` or TensorRT-LLM's `free_gpu_memory_fraction`, by the file's rule | the deployment's |
    /// | `mtp` | `on`, `off` (`on` with no draft in the file adds one) | the deployment's |
    /// | `mtp_acceptance` | in [0, 1] | the deployment's |
    /// | `mtp_sampling` | `expected`, `sampled` | `expected` |
    /// | `precision` | a model-file precision name (`fp8-w8a8`, `int8-w8a8`, `bf16`, `nvfp4`) | the deployment's |
    /// | `experts` | `perfect`, `default`, `random` | the deployment's |
    ///
    /// Every other key is refused.
    public static let factory = BackendFactory<AggregatedBackend>(
        name: "aggregated",
        summary: "Replicas of one continuous-batching engine (vLLM, SGLang, TensorRT-LLM): chunked prefill, KV blocks, prefix caching, preemption; from configs/"
    ) { parameters throws(BackendConfigurationError) in
        try fromParameters(&parameters)
    }

    static func fromParameters(_ p: inout BackendParameters) throws(BackendConfigurationError) -> AggregatedBackend {
        func fail(_ key: String?, _ message: String) -> BackendConfigurationError {
            BackendConfigurationError(backend: "aggregated", key: key, message: message)
        }
        let configs = p.text("configs") ?? "configs"
        let deployment = p.text("deployment") ?? defaultDeployment
        let model = p.text("model")
        let replicas = try p.positiveInteger("replicas", default: nil)
        let tp = try p.positiveInteger("tp", default: nil)
        let dp = try p.positiveInteger("dp", default: nil)
        let ep = try p.positiveInteger("ep", default: nil)
        let pp = try p.positiveInteger("pp", default: nil)
        let maxBatch = try p.positiveInteger("max_batch_per_rank", default: nil)
        let budget = try p.positiveInteger("max_batched_tokens_per_rank", default: nil)
        let chunked = try p.onOff("chunked_prefill")
        let blockTokens = try p.positiveInteger("kv_block_tokens", default: nil)
        let prefixCaching = try p.onOff("prefix_caching")
        let policy = try p.choice("policy", ["decode-first": SchedulingPolicy.decodeFirst, "prefill-first": .prefillFirst])
        let preemption = try p.choice("preemption", Dictionary(uniqueKeysWithValues: PreemptionMode.allCases.map { ($0.rawValue, $0) }))
        let router = try p.choice("router", Dictionary(uniqueKeysWithValues: RouterPolicy.allCases.map { ($0.rawValue, $0) }))
        let fraction = try p.number("kv_memory_fraction", default: nil)
        if let fraction, !(fraction > 0 && fraction <= 1) { throw fail("kv_memory_fraction", "must be in (0, 1], got \(fraction)") }
        let mtp = try p.onOff("mtp")
        let acceptance = try p.number("mtp_acceptance", default: nil)
        if let acceptance, !(0...1).contains(acceptance) { throw fail("mtp_acceptance", "must be in [0, 1], got \(acceptance)") }
        let sampling = try p.choice("mtp_sampling", ["expected": MTPSampling.expected, "sampled": .sampled])
        let precision = p.text("precision")
        let experts = try p.choice("experts", ["perfect": ExpertBalance.perfect, "default": .default, "random": .random])
        let files = ConfigFiles()
        let backend: AggregatedBackend
        do {
            backend = try make(
                configsDirectory: configs, deployment: deployment, seed: p.seed, precision: precision, model: model,
                mtpSampling: sampling ?? .expected,
                files: files
            ) { d in
                if let replicas { d.replicas = replicas }
                if let tp { d.layout.tensorParallel = tp }
                if let dp { d.layout.attentionDataParallel = dp }
                if let ep { d.layout.expertParallel = ep }
                if let pp { d.layout.pipelineParallel = pp }
                if let maxBatch { d.limits.maxBatchPerRank = maxBatch }
                if let budget { d.limits.maxBatchedTokensPerRank = budget }
                if let chunked { d.limits.chunkedPrefill = chunked }
                if let blockTokens { d.limits.kvBlockTokens = blockTokens }
                if let prefixCaching { d.limits.prefixCaching = prefixCaching }
                if let policy { d.limits.policy = policy }
                if let preemption { d.limits.preemption = preemption }
                if let router { d.router = router }
                if let fraction { d.memory.usableFraction = fraction }
                if let mtp, !mtp { d.mtp = .off }
                if let mtp, mtp, d.mtp.draftTokens == 0 { d.mtp.draftTokens = 1 }
                if let acceptance { d.mtp.acceptanceRate = acceptance }
                if let experts { d.expertBalance = experts }
            }
        } catch {
            // As for the cloudmatrix backend: an option is to blame when the error names it (the
            // precision, a layout key); otherwise the file is, and its error is kept whole.
            if error.code == .unknownName && error.path == "$.precisions" { throw fail("precision", "\(error)") }
            if !error.path.hasPrefix("$") { throw fail(error.path, error.reason) }
            throw BackendConfigurationError(backend: "aggregated", key: nil, message: "\(error)", cause: error)
        }
        for file in files.digests { p.record(file) }
        return backend
    }
}
