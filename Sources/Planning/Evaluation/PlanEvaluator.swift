import DiscreteEvent
import Serving
import ServingMetrics
import Replay
import SystemDescription
import DisaggregatedServing

/// Replays a trace (held in memory) through the CloudMatrix backend for one candidate at one
/// load, exactly as `cmbench replay --backend cloudmatrix` would replay the deployment file the
/// plan writes for it: the same backend, seed streams, replayer and metrics.
public struct PlanEvaluator: Sendable {
    public var requests: [ServingRequest]
    public var objectives: ServiceLevelObjectives
    /// Fraction of requests that must meet every objective.
    public var attainmentTarget: Double
    public var phase: ServingDeploymentSettings.Phase
    public var seed: UInt64

    public init(
        requests: [ServingRequest], objectives: ServiceLevelObjectives, attainmentTarget: Double,
        phase: ServingDeploymentSettings.Phase = .full, seed: UInt64 = 1
    ) {
        self.requests = requests
        self.objectives = objectives
        self.attainmentTarget = attainmentTarget
        self.phase = phase
        self.seed = seed
    }

    /// Runs `candidate` of `system` at `load`; `shouldStop` is polled during the replay (a
    /// stopped run returns nil).
    ///
    /// With `stopsWhenMissed`, the replay stops as soon as more requests have failed the SLOs
    /// than the target allows of the whole trace: the candidate misses whatever the rest does.
    /// Such an evaluation is marked incomplete; its attainment is the most the run could still
    /// have reached, and its latency figures cover the requests finished by then.
    public func evaluate(
        _ candidate: CandidateDeployment, of system: PlanningSystem, at load: PlanLoad, stopsWhenMissed: Bool = true,
        shouldStop: @escaping () -> Bool = { false }
    ) -> CandidateResult? {
        let resolved: ResolvedServingSystem
        do { resolved = try DeploymentLayout.resolve(candidate, on: system, phase: phase) } catch {
            return .invalid(reason: error.reason)
        }
        let backend = CloudMatrixBackend(resolved, generator: SeededGenerator(seed: seed).split("backend.cloudmatrix"))
        let slots = candidate.decodeBatchPerDie * resolved.decodeDiesPerInstance * candidate.decodeInstances
        let options = ReplayOptions(timing: load.timing(decodeSlots: slots), seed: seed)
        var replayer = Replayer(backend: backend, options: options)
        var source = InMemoryRequestSource(requests)
        let allowed = stopsWhenMissed ? Int((Double(requests.count) * (1 - attainmentTarget)).rounded(.down)) : Int.max
        let budget = FailureBudget(allowed: allowed)
        var recorder = BudgetedRecorder(
            metrics: MetricsAccumulator(objectives: objectives, backend: backend.descriptor), objectives: objectives, budget: budget)
        let report = replayer.run(source: &source, recorder: &recorder) { _ in
            shouldStop() || budget.isExceeded ? .stop : .continue
        }
        if report.ending == .stopped && !budget.isExceeded { return nil }
        let summary = recorder.metrics.summary()
        let statistics = replayer.backend.statistics
        var evaluation = Self.evaluation(candidate, load: load, summary: summary, statistics: statistics, target: attainmentTarget)
        if report.ending == .stopped {
            evaluation.complete = false
            evaluation.stoppedAtTarget = attainmentTarget
            evaluation.meetsTarget = false
            evaluation.attainment = Double(requests.count - budget.failures) / Double(max(1, requests.count))
        }
        return .evaluated(evaluation)
    }

    static func evaluation(
        _ candidate: CandidateDeployment, load: PlanLoad, summary: RunSummary, statistics: CloudMatrixBackend.Statistics,
        target: Double
    ) -> CandidateEvaluation {
        let total = summary.totalRequests
        let attainment = summary.sloAttainment?.overall ?? (total > 0 ? Double(summary.completedRequests) / Double(total) : 0)
        func failures(_ fraction: Double?) -> Int { fraction.map { Int((Double(total) * (1 - $0)).rounded()) } ?? 0 }
        let admitted = max(1, statistics.requestsArrived - statistics.requestsRejected)
        let meanWait = statistics.decodeRoomWaitSeconds / Double(admitted)
        let meanTTFT = (summary.ttft?.mean ?? 0) / 1e3
        let breakdown = RunBreakdown(
            failedRequests: Int((Double(total) * (1 - attainment)).rounded()), rejectedRequests: summary.rejectedRequests,
            ttftFailures: failures(summary.sloAttainment?.ttft), tpotFailures: failures(summary.sloAttainment?.tpot),
            meanDecodeRoomWaitSeconds: meanWait, meanPrefillSeconds: max(0, meanTTFT - meanWait),
            meanKVTransferSeconds: statistics.kvTransferSeconds / Double(max(1, statistics.kvTransfers)),
            prefillBusySeconds: statistics.prefillBusySeconds, emsLoadSeconds: statistics.emsLoadSeconds,
            peakKVReservedFraction: statistics.peakKVReservedFraction)
        return CandidateEvaluation(
            candidate: candidate, load: load, attainment: attainment, attainmentTTFT: summary.sloAttainment?.ttft,
            attainmentTPOT: summary.sloAttainment?.tpot, meetsTarget: total > 0 && attainment >= target,
            bottleneck: Bottleneck.diagnose(breakdown), breakdown: breakdown, summary: summary)
    }
}

/// Requests that failed the SLOs so far, against how many the target allows.
final class FailureBudget {
    let allowed: Int
    var failures = 0
    init(allowed: Int) { self.allowed = allowed }
    var isExceeded: Bool { failures > allowed }
}

/// The metrics, and a count of failed requests kept in `budget` for the replay's progress check.
struct BudgetedRecorder: OutcomeRecorder {
    var metrics: MetricsAccumulator
    let objectives: ServiceLevelObjectives
    let budget: FailureBudget

    mutating func record(_ outcome: RequestOutcome) {
        metrics.record(outcome)
        if outcome.rejection != nil {
            budget.failures += 1
            return
        }
        let latencies = RequestLatencies(outcome)
        for objective in objectives.objectives where !ServiceLevelObjectives.isMet(objective, by: latencies) {
            budget.failures += 1
            return
        }
    }

    mutating func record(_ gaps: InterTokenGaps) { metrics.record(gaps) }
}
