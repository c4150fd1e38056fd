import DiscreteEvent
import DisaggregatedServing
import Replay
import ServingMetrics
import Serving
import SystemDescription
import CostModel
import PaperReproduction

/// The paper's decode tables (R1–R5) reproduced the way a user would run them: a closed-loop
/// replay through the CloudMatrix backend (decode phase: KV ready at decode, as the paper
/// measured decode separately) at the paper's batch per NPU and lengths.
///
/// The result is the mean TPOT of the completed requests — the same code path as
/// `cmbench replay TRACE --backend cloudmatrix --backend-option phase=decode --concurrency N`.
enum DecodeReproduction {
    struct Outcome {
        var tpotMilliseconds: Double
        var tokensPerSecondPerNPU: Double
        var requests: Int
    }

    static func run(
        system: SystemConfiguration, configsDirectory: String, deployment: String, batchPerNPU: Int, prompt: Int, output: Int,
        files: ConfigFiles = ConfigFiles()
    ) throws -> Outcome {
        var decodeNPUs = 0
        let dies = system.hardware.diesPerPackage
        let backend = try CloudMatrixBackend.make(
            configsDirectory: configsDirectory, deployment: deployment, seed: 1, files: files
        ) { settings in
            settings.phase = .decode
            settings.decodeBatchPerDie = batchPerNPU / dies
            decodeNPUs = settings.decodeInstances * system.deployment.decode.npus
        }
        let concurrency = batchPerNPU * decodeNPUs
        // Two cohorts: every request of a cohort starts and ends together, so the second one sees
        // the steady state the first one left.
        var source = FixedLengthRequests(count: 2 * concurrency, prompt: prompt, output: output)
        var replayer = Replayer(backend: backend, options: ReplayOptions(timing: .closedLoop(concurrency: concurrency), seed: 1))
        var metrics = MetricsAccumulator(backend: backend.descriptor)
        _ = replayer.run(source: &source, recorder: &metrics)
        let summary = metrics.summary()
        return Outcome(
            tpotMilliseconds: summary.tpot?.mean ?? .nan,
            tokensPerSecondPerNPU: summary.outputTokensPerSecondPerAccelerator ?? .nan, requests: summary.completedRequests)
    }
}

/// `count` identical requests of `prompt` input and `output` output tokens, all at time zero.
struct FixedLengthRequests: RequestSource {
    typealias Failure = Never
    let count: Int
    let prompt: Int
    let output: Int
    private var produced = 0

    init(count: Int, prompt: Int, output: Int) {
        self.count = count
        self.prompt = prompt
        self.output = output
    }

    mutating func next() -> ServingRequest? {
        guard produced < count else { return nil }
        defer { produced += 1 }
        return ServingRequest(
            id: produced, arrival: .zero, inputTokens: prompt, outputTokens: output,
            origin: InputLocation(file: "<reproduce>", line: produced + 1))
    }
}
