import DiscreteEvent
import Serving

/// Turns a stream of outcomes and inter-token gaps into a `RunSummary`, in bounded memory.
///
/// An `OutcomeRecorder`: give it to the replayer (alone, or with a CSV writer in a
/// `RecorderPair`). Latencies go into `QuantileSketch`es (exact up to their capacity, then
/// within 1/256 relative); counts and token sums are integers; floating-point sums are taken
/// in the order records arrive, which is deterministic. See `RunSummary` for the definitions.
public struct MetricsAccumulator: OutcomeRecorder, Sendable {
    public let objectives: ServiceLevelObjectives
    public let backend: BackendDescriptor?

    private var ttft: QuantileSketch
    private var tpot: QuantileSketch
    private var itl: QuantileSketch
    private var e2e: QuantileSketch
    private var queueing: QuantileSketch
    private var completed = 0
    private var rejected = 0
    private var inputTokens = 0
    private var outputTokens = 0
    private var cachedTokens = 0
    private var prefixBlocks = 0
    private var cachedBlocks = 0
    private var firstArrival: SimTime?
    private var lastCompletion: SimTime?
    /// Per objective (same order), requests meeting it; then those meeting all.
    private var met: [Int]
    private var metAll = 0
    private var rejections = RejectionTally()

    /// - Parameters:
    ///   - backend: its accelerator and die counts give the per-accelerator rates.
    ///   - exactSampleCapacity: values each latency sketch keeps exactly (see `QuantileSketch`).
    public init(
        objectives: ServiceLevelObjectives = ServiceLevelObjectives(), backend: BackendDescriptor? = nil,
        exactSampleCapacity: Int = QuantileSketch.defaultExactCapacity
    ) {
        self.objectives = objectives
        self.backend = backend
        let sketch = QuantileSketch(exactCapacity: exactSampleCapacity)
        (ttft, tpot, itl, e2e, queueing) = (sketch, sketch, sketch, sketch, sketch)
        met = Array(repeating: 0, count: objectives.objectives.count)
    }

    public mutating func record(_ outcome: RequestOutcome) {
        firstArrival = min(firstArrival ?? outcome.arrival, outcome.arrival)
        let latencies = RequestLatencies(outcome)
        var meetsAll = true
        for index in met.indices {
            if ServiceLevelObjectives.isMet(objectives.objectives[index], by: latencies) {
                met[index] += 1
            } else {
                meetsAll = false
            }
        }
        if let rejection = outcome.rejection {
            rejected += 1
            rejections.add(rejection, of: outcome)
            return
        }
        completed += 1
        if meetsAll { metAll += 1 }
        inputTokens += outcome.inputTokens
        outputTokens += outcome.outputTokens
        cachedTokens += outcome.cachedPrefixTokens
        prefixBlocks += outcome.prefixBlocks
        cachedBlocks += outcome.cachedPrefixBlocks
        lastCompletion = max(lastCompletion ?? outcome.finish, outcome.finish)
        if let value = latencies.ttftNanoseconds { ttft.add(value) }
        if let value = latencies.tpotNanoseconds { tpot.add(value) }
        if let value = latencies.e2eNanoseconds { e2e.add(value) }
        if let value = latencies.queueingNanoseconds { queueing.add(value) }
    }

    public mutating func record(_ gaps: InterTokenGaps) {
        itl.add(Double(gaps.gap.nanoseconds), count: UInt64(gaps.count))
    }

    /// The summary of everything recorded so far.
    /// - Complexity: O(m log m) for the m latency values kept exactly.
    public func summary() -> RunSummary {
        let total = completed + rejected
        var duration = 0.0
        if let start = firstArrival, let end = lastCompletion, end > start { duration = (end - start).seconds }
        func perSecond(_ amount: Int) -> Double? { duration > 0 ? Double(amount) / duration : nil }
        let outputRate = perSecond(outputTokens)
        let accelerators = backend?.acceleratorCount
        let dies = backend?.dieCount

        var limits: PerSLO<Double>?
        var attainment: PerSLO<Double>?
        if !objectives.isEmpty {
            var limitValues = PerSLO<Double>()
            var attainmentValues = PerSLO<Double>()
            for (index, objective) in objectives.objectives.enumerated() {
                limitValues[objective.metric] = objective.limit.milliseconds
                attainmentValues[objective.metric] = total > 0 ? Double(met[index]) / Double(total) : nil
            }
            attainmentValues.overall = total > 0 ? Double(metAll) / Double(total) : nil
            limits = limitValues
            attainment = attainmentValues
        }
        let sketches = [ttft, tpot, itl, e2e, queueing]
        return RunSummary(
            totalRequests: total, completedRequests: completed, rejectedRequests: rejected,
            rejections: rejections.summaries, durationSeconds: duration,
            requestThroughput: perSecond(completed), inputTokensPerSecond: perSecond(inputTokens),
            outputTokensPerSecond: outputRate, totalTokensPerSecond: perSecond(inputTokens + outputTokens),
            accelerators: accelerators, dies: dies,
            outputTokensPerSecondPerAccelerator: accelerators.flatMap { count in outputRate.map { $0 / Double(count) } },
            outputTokensPerSecondPerDie: dies.flatMap { count in outputRate.map { $0 / Double(count) } },
            totalInputTokens: inputTokens, totalOutputTokens: outputTokens, cachedPrefixTokens: cachedTokens,
            prefixCacheHitRate: prefixBlocks > 0 ? Double(cachedBlocks) / Double(prefixBlocks) : nil,
            prefixCacheTokenHitRate: inputTokens > 0 ? Double(cachedTokens) / Double(inputTokens) : nil,
            goodput: objectives.isEmpty ? nil : perSecond(metAll),
            sloLimitsMilliseconds: limits, sloAttainment: attainment,
            ttft: LatencyStatistics(nanoseconds: ttft), tpot: LatencyStatistics(nanoseconds: tpot),
            itl: LatencyStatistics(nanoseconds: itl), e2e: LatencyStatistics(nanoseconds: e2e),
            queueing: LatencyStatistics(nanoseconds: queueing),
            percentilesExact: sketches.allSatisfy(\.isExact),
            percentileRelativeErrorBound: QuantileSketch.relativeErrorBound)
    }
}
