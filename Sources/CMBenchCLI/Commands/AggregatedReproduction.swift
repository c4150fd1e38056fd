import AggregatedServing
import CostModel
import PaperReproduction
import Replay
import ServingMetrics
import SystemDescription

/// The published aggregated points (AG1, AG2 in `results/reference/aggregated-points.json`;
/// QT1–QT5, LT1–LT5 in `results/reference/other-models-points.json`) as rows of `cmbench
/// reproduce`: each an offline replay through the aggregated backend run the way the harness ran
/// it, so the throughput comes out of the simulation.
enum AggregatedReproduction {
    /// How `trtllm-bench throughput` ran each point: the deployment file, where its engine limits
    /// come from, the requests and how they arrive, fixed prompt and output lengths.
    struct Setup {
        var deployment: String
        var requests: Int
        var timing: Timing
        var prompt: Int
        var output: Int
        /// `max_batch_size` and `max_num_tokens` per attention rank.
        var limits: Limits = .file
    }

    enum Timing: Equatable {
        /// `--concurrency N`: at most N requests in flight, the next sent when one finishes.
        case closedLoop(concurrency: Int)
        /// No `--concurrency` (trtllm-bench's default -1): every request queued at t = 0.
        case offline
    }

    enum Limits: Equatable {
        /// The deployment file's `maxBatchPerRank` and `maxBatchedTokensPerRank` (the recipe's
        /// `--max_batch_size` and `--max_num_tokens`).
        case file
        /// trtllm-bench's own sizing (`TrtllmBenchSizing`), as a run that passes neither limit
        /// gets them: the model file's parameters and KV width, the deployment's `--tp`
        /// (attention ranks × TP: the full command-line value, also under attention DP) and
        /// pipeline stages, its KV fraction (`--kv_cache_free_gpu_mem_fraction`, the same value
        /// the runtime pool uses), the row's ISL/OSL, and the device memory NVML reports in GiB;
        /// then `max_num_tokens` raised to ISL + batch without chunked prefill. Under attention
        /// DP the engine applies both limits per rank.
        case trtllmBench(deviceMemoryGiB: Double)
    }

    /// Device memory as `get_device_memory()` reads it (NVML `mem_info.total` / 2^30).
    /// Source: [assumption] the usual nvidia-smi totals, 143,771 MiB on H200 SXM and 81,559 MiB on
    /// H100 SXM 80GB (research notes `runs-notes.md` §0.2); not read from the published runs.
    static let nvmlGiBH200 = 140.40
    static let nvmlGiBH100 = 79.65

    /// Source (AG1, AG2): TensorRT-LLM's `Best_perf_practice_on_DeepSeek-R1_in_TensorRT-LLM.md`,
    /// the max-throughput commands (`--num_requests 5120 --concurrency 1024` on H200,
    /// `--num_requests 49152 --concurrency 3072` on B200); ISL 1,024 / OSL 2,048 as
    /// `../shared/reference/aggregated-deepseek-points.md` states the workload.
    ///
    /// Source (QT1–QT5, LT1–LT5): TensorRT-LLM `docs/source/developer-guide/perf-overview.md` @
    /// 03e27c7d: `trtllm-bench --tp N [--ep N] throughput` with no `--concurrency`, no
    /// `--max_batch_size`, no `--max_num_tokens`; datasets of fixed ISL/OSL with 3,000 requests at
    /// 1024/1024, 1,500 at 1024/8192 and 8192/1024; 1000/1000 is not in its table of request
    /// counts ([assumption] 3,000, as 1024/1024). Qwen3's MoE exchange (all-gather /
    /// reduce-scatter under CUTLASS on Hopper) is stated in its deployment files.
    static let setups: [String: Setup] = {
        func trtllmBench(_ deployment: String, _ gib: Double, _ requests: Int, _ prompt: Int, _ output: Int) -> Setup {
            Setup(
                deployment: deployment, requests: requests, timing: .offline, prompt: prompt, output: output,
                limits: .trtllmBench(deviceMemoryGiB: gib))
        }
        let qwenH200 = "trtllm-qwen3-h200-dep4-fp8", qwenH100 = "trtllm-qwen3-h100-dep8-fp8"
        let llamaH200 = "trtllm-llama70b-h200-tp2-fp8", llamaH100 = "trtllm-llama70b-h100-tp2-fp8"
        return [
            "AG1": Setup(deployment: "trtllm-h200-dp8ep8", requests: 5120, timing: .closedLoop(concurrency: 1024), prompt: 1024, output: 2048),
            "AG2": Setup(
                deployment: "trtllm-b200-dp8ep8-nvfp4", requests: 49152, timing: .closedLoop(concurrency: 3072), prompt: 1024, output: 2048),
            "QT1": trtllmBench(qwenH200, nvmlGiBH200, 3000, 1024, 1024),
            "QT2": trtllmBench(qwenH200, nvmlGiBH200, 1500, 1024, 8192),
            "QT3": trtllmBench(qwenH200, nvmlGiBH200, 1500, 8192, 1024),
            "QT4": trtllmBench(qwenH100, nvmlGiBH100, 3000, 1024, 1024),
            "QT5": trtllmBench(qwenH100, nvmlGiBH100, 1500, 1024, 8192),
            "LT1": trtllmBench(llamaH200, nvmlGiBH200, 3000, 1024, 1024),
            "LT2": trtllmBench(llamaH200, nvmlGiBH200, 1500, 1024, 8192),
            "LT3": trtllmBench(llamaH200, nvmlGiBH200, 1500, 8192, 1024),
            "LT4": trtllmBench(llamaH100, nvmlGiBH100, 3000, 1000, 1000),
            "LT5": trtllmBench(llamaH100, nvmlGiBH100, 1500, 8192, 1024),
            // Q5–Q7: SGLang's Ascend best practice, Qwen3-235B-A22B with EAGLE-3 on one Atlas 800I A3
            // (other-models-facts.md §3): `bench_serving --random-range-ratio 1` closed loop at the
            // logged concurrency over the logged prompt count; outputs of exactly OSL tokens
            // (bench_serving ignores EOS by default).
            "Q5": Setup(deployment: "sglang-qwen3-a3-q5", requests: 1088, timing: .closedLoop(concurrency: 272), prompt: 3500, output: 1500),
            "Q6": Setup(deployment: "sglang-qwen3-a3-q6", requests: 480, timing: .closedLoop(concurrency: 480), prompt: 2048, output: 2048),
            "Q7": Setup(deployment: "sglang-qwen3-a3-q7", requests: 576, timing: .closedLoop(concurrency: 576), prompt: 2000, output: 2000),
        ]
    }()

    /// The engine limits a setup runs with, per attention rank, and the sizing they came from
    /// (nil with `.file`).
    struct EngineLimitsUsed: Equatable {
        var maxBatchPerRank: Int
        var maxBatchedTokensPerRank: Int
        var sizing: TrtllmBenchSizing?
    }

    /// Applies the setup's limits rule to its loaded system.
    static func limits(_ setup: Setup, system: AggregatedSystem) throws -> EngineLimitsUsed {
        let file = system.deployment.limits
        switch setup.limits {
        case .file:
            return EngineLimitsUsed(maxBatchPerRank: file.maxBatchPerRank, maxBatchedTokensPerRank: file.maxBatchedTokensPerRank, sizing: nil)
        case .trtllmBench(let gib):
            let layout = system.deployment.layout
            guard
                let inputs = TrtllmBenchSizing.Inputs(
                    model: system.model, deviceMemoryGiB: gib, tensorParallel: layout.diesPerStage,
                    pipelineParallel: layout.pipelineParallel, targetInputLength: setup.prompt, targetOutputLength: setup.output,
                    kvCacheFraction: system.deployment.memory.usableFraction)
            else {
                throw ConfigError(
                    .invalidValue, file: setup.deployment, path: "$.model",
                    reason: "trtllm-bench's sizing describes a K/V cache of attention heads; \(system.model.name) has \(system.model.attention.kind) attention")
            }
            let sizing = try TrtllmBenchSizing(inputs)
            return EngineLimitsUsed(
                maxBatchPerRank: sizing.maxBatchSize,
                maxBatchedTokensPerRank: sizing.engineMaxNumTokens(chunkedPrefill: file.chunkedPrefill, maxInputLength: setup.prompt),
                sizing: sizing)
        }
    }

    struct Outcome {
        var outputTokensPerSecondPerAccelerator: Double
        var makespanSeconds: Double
        var completed: Int
        var preemptions: Int
        var meanBatchPerRank: Double
        /// Share of passes in which some rank computed a prompt.
        var passesWithPromptShare: Double
        var limits: EngineLimitsUsed
        /// The limits the backend ran with (its deployment after the setup's rule was applied).
        var limitsApplied: EngineLimits
        var kvBlocksPerRank: Int
        var peakKVBlocksPerRank: Int
        var kvBlockTokens: Int
        var ranks: Int
        /// The MoE exchange the deployment file states.
        var expertExchange: ExpertExchange?
        /// Mean TTFT and TPOT (ms) as the client measures them, for the harnesses that print them.
        var meanTTFTMilliseconds: Double?
        var meanTPOTMilliseconds: Double?
    }

    /// `trtllm-bench throughput`'s semantics: `requests` requests, all queued at t = 0 or at most
    /// `concurrency` in flight (a closed loop), throughput = output tokens / makespan / GPUs.
    static func run(_ setup: Setup, configsDirectory: String, files: ConfigFiles) throws -> Outcome {
        let system = try AggregatedSystem.load(configsDirectory: configsDirectory, deployment: setup.deployment, files: files)
        let used = try limits(setup, system: system)
        let backend = try AggregatedBackend.make(
            configsDirectory: configsDirectory, deployment: setup.deployment, seed: 1, files: files
        ) { d in
            d.limits.maxBatchPerRank = used.maxBatchPerRank
            d.limits.maxBatchedTokensPerRank = used.maxBatchedTokensPerRank
        }
        var source = FixedLengthRequests(count: setup.requests, prompt: setup.prompt, output: setup.output)
        let timing: ReplayOptions.Timing
        switch setup.timing {
        case .closedLoop(let concurrency): timing = .closedLoop(concurrency: concurrency)
        case .offline: timing = .offline
        }
        var replayer = Replayer(backend: backend, options: ReplayOptions(timing: timing, seed: 1))
        var metrics = MetricsAccumulator(backend: backend.descriptor)
        _ = replayer.run(source: &source, recorder: &metrics)
        let summary = metrics.summary()
        let statistics = replayer.backend.statistics
        return Outcome(
            outputTokensPerSecondPerAccelerator: summary.outputTokensPerSecondPerAccelerator ?? .nan,
            makespanSeconds: summary.durationSeconds, completed: summary.completedRequests, preemptions: statistics.preemptions,
            meanBatchPerRank: statistics.meanBatch,
            passesWithPromptShare: statistics.iterations == 0 ? 0 : Double(statistics.passesWithPrompt) / Double(statistics.iterations),
            limits: used, limitsApplied: replayer.backend.deployment.limits, kvBlocksPerRank: statistics.blocksPerRank, peakKVBlocksPerRank: statistics.peakBlocksInUse,
            kvBlockTokens: system.deployment.limits.kvBlockTokens, ranks: system.deployment.layout.attentionDataParallel,
            expertExchange: system.deployment.expertExchange, meanTTFTMilliseconds: summary.ttft?.mean, meanTPOTMilliseconds: summary.tpot?.mean)
    }

    /// One prediction row per reference point with a setup.
    static func compare(reference: [ReferencePoint], configsDirectory: String, files: ConfigFiles) throws -> [ComparisonRow] {
        try reference.compactMap { point in
            guard let setup = setups[point.id] else { return nil }
            let outcome = try run(setup, configsDirectory: configsDirectory, files: files)
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: outcome.outputTokensPerSecondPerAccelerator,
                role: .prediction, tolerancePercent: 15, note: note(setup, outcome))
        }
    }

    /// What the replay shows: the run, the limits and where they came from, and what bound the batch.
    static func note(_ setup: Setup, _ o: Outcome) -> String {
        var note: String
        switch setup.timing {
        case .closedLoop(let concurrency):
            note = "closed-loop replay through the aggregated backend (\(setup.deployment)): \(o.completed) requests of "
                + "\(setup.prompt)/\(setup.output) tokens, concurrency \(concurrency), makespan \(formatFixed(o.makespanSeconds, digits: 1)) s"
            if let ttft = o.meanTTFTMilliseconds, let tpot = o.meanTPOTMilliseconds {
                note += ", mean TTFT \(formatFixed(ttft / 1000, digits: 2)) s, mean TPOT \(formatFixed(tpot, digits: 1)) ms"
            }
            note += ", \(formatFixed(o.meanBatchPerRank, digits: 1)) requests per rank-iteration on average, a prompt in \(formatFixed(100 * o.passesWithPromptShare, digits: 0)) % of passes, \(o.preemptions) preemptions"
            return note
        case .offline:
            note = "offline replay, all \(o.completed) requests of \(setup.prompt)/\(setup.output) tokens queued at t = 0, through the aggregated backend (\(setup.deployment)"
                + (o.expertExchange == .allGatherReduceScatter ? ", MoE by all-gather/reduce-scatter" : "") + "): makespan \(formatFixed(o.makespanSeconds, digits: 1)) s"
        }
        let source = o.limits.sizing.map { "trtllm-bench sizing, \(formatFixed($0.kvCacheMaxRequests, digits: 1)) requests in its KV estimate" } ?? "the deployment file"
        let blocksPerSequence = (setup.prompt + setup.output + o.kvBlockTokens - 1) / o.kvBlockTokens
        let kvRoom = o.kvBlocksPerRank / max(1, blocksPerSequence)
        note += "; limits per rank (\(source)): max batch \(o.limits.maxBatchPerRank), max tokens \(o.limits.maxBatchedTokensPerRank)"
        note += "; KV pool \(o.kvBlocksPerRank) blocks of \(o.kvBlockTokens) per rank, room for \(kvRoom) whole sequences"
        note += kvRoom < o.limits.maxBatchPerRank ? " (KV-bound below the batch cap)" : " (the batch cap binds first)"
        note += "; \(formatFixed(o.meanBatchPerRank, digits: 1)) requests per rank-iteration on average over \(o.ranks) rank\(o.ranks == 1 ? "" : "s"), peak \(o.peakKVBlocksPerRank) blocks in use"
        note += ", a prompt in \(formatFixed(100 * o.passesWithPromptShare, digits: 0)) % of passes, \(o.preemptions) preemptions"
        return note
    }
}
