import AggregatedServing
import PaperReproduction
import Replay
import ServingMetrics
import SystemDescription

/// The published aggregated points (AG1, AG2 in `results/reference/aggregated-points.json`) as
/// rows of `cmbench reproduce`: each an offline replay through the aggregated backend run the way
/// the harness ran it, so the throughput comes out of the simulation.
enum AggregatedReproduction {
    /// How `trtllm-bench throughput` ran each point: the deployment file with the recipe's engine
    /// limits, the requests, the client's concurrency, fixed prompt and output lengths.
    struct Setup {
        var deployment: String
        var requests: Int
        var concurrency: Int
        var prompt: Int
        var output: Int
    }

    /// Source: TensorRT-LLM's `Best_perf_practice_on_DeepSeek-R1_in_TensorRT-LLM.md`, the
    /// max-throughput commands (`--num_requests 5120 --concurrency 1024` on H200,
    /// `--num_requests 49152 --concurrency 3072` on B200); ISL 1,024 / OSL 2,048 as
    /// `../shared/reference/aggregated-deepseek-points.md` states the workload.
    static let setups: [String: Setup] = [
        "AG1": Setup(deployment: "trtllm-h200-dp8ep8", requests: 5120, concurrency: 1024, prompt: 1024, output: 2048),
        "AG2": Setup(deployment: "trtllm-b200-dp8ep8-nvfp4", requests: 49152, concurrency: 3072, prompt: 1024, output: 2048),
        // SGLang's Ascend best practice, Qwen3-235B-A22B with EAGLE-3 (other-models-facts.md §3):
        // `bench_serving --random-range-ratio 1` with the logged concurrency and prompt counts.
        "Q5": Setup(deployment: "sglang-qwen3-a3-q5", requests: 1088, concurrency: 272, prompt: 3500, output: 1500),
        "Q6": Setup(deployment: "sglang-qwen3-a3-q6", requests: 480, concurrency: 480, prompt: 2048, output: 2048),
        "Q7": Setup(deployment: "sglang-qwen3-a3-q7", requests: 576, concurrency: 576, prompt: 2000, output: 2000),
    ]

    struct Outcome {
        var outputTokensPerSecondPerAccelerator: Double
        var makespanSeconds: Double
        var completed: Int
        var preemptions: Int
        var meanBatchPerRank: Double
        /// Share of passes in which some rank computed a prompt.
        var passesWithPromptShare: Double
    }

    /// `trtllm-bench throughput`'s semantics: `requests` requests queued on the client, at most
    /// `concurrency` in flight (a closed loop), throughput = output tokens / makespan / GPUs.
    static func run(_ setup: Setup, configsDirectory: String, files: ConfigFiles) throws -> Outcome {
        let backend = try AggregatedBackend.make(configsDirectory: configsDirectory, deployment: setup.deployment, seed: 1, files: files)
        var source = FixedLengthRequests(count: setup.requests, prompt: setup.prompt, output: setup.output)
        var replayer = Replayer(backend: backend, options: ReplayOptions(timing: .closedLoop(concurrency: setup.concurrency), seed: 1))
        var metrics = MetricsAccumulator(backend: backend.descriptor)
        _ = replayer.run(source: &source, recorder: &metrics)
        let summary = metrics.summary()
        let statistics = replayer.backend.statistics
        return Outcome(
            outputTokensPerSecondPerAccelerator: summary.outputTokensPerSecondPerAccelerator ?? .nan,
            makespanSeconds: summary.durationSeconds, completed: summary.completedRequests, preemptions: statistics.preemptions,
            meanBatchPerRank: statistics.meanBatch,
            passesWithPromptShare: statistics.iterations == 0 ? 0 : Double(statistics.passesWithPrompt) / Double(statistics.iterations))
    }

    /// One prediction row per reference point with a setup.
    static func compare(reference: [ReferencePoint], configsDirectory: String, files: ConfigFiles) throws -> [ComparisonRow] {
        try reference.compactMap { point in
            guard let setup = setups[point.id] else { return nil }
            let outcome = try run(setup, configsDirectory: configsDirectory, files: files)
            var note = "offline closed-loop replay through the aggregated backend (\(setup.deployment)): \(outcome.completed) requests of "
                + "\(setup.prompt)/\(setup.output) tokens, concurrency \(setup.concurrency), makespan \(formatFixed(outcome.makespanSeconds, digits: 1)) s"
            note += ", \(formatFixed(outcome.meanBatchPerRank, digits: 1)) requests per rank-iteration on average, a prompt in \(formatFixed(100 * outcome.passesWithPromptShare, digits: 0)) % of passes, \(outcome.preemptions) preemptions"
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: outcome.outputTokensPerSecondPerAccelerator,
                role: .prediction, tolerancePercent: 15, note: note)
        }
    }
}
