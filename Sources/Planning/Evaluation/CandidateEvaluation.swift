import ServingMetrics

/// One candidate replayed at one load: whether it meets the SLOs, and what a plan reports.
public struct CandidateEvaluation: Sendable, Hashable, Codable {
    public var candidate: CandidateDeployment
    public var load: PlanLoad
    /// SLO attainment over all requests (rejected ones fail), and per objective. For an
    /// incomplete evaluation, the most the run could have reached.
    public var attainment: Double
    public var attainmentTTFT: Double?
    public var attainmentTPOT: Double?
    public var meetsTarget: Bool
    public var bottleneck: Bottleneck
    public var breakdown: RunBreakdown
    public var summary: RunSummary
    /// False when the replay stopped once the candidate could no longer meet the target: its
    /// summary and breakdown cover the requests finished by then.
    public var complete: Bool = true
    /// For an incomplete evaluation, the attainment target that stopped it (a stricter target
    /// would have stopped it too; a looser one needs a new replay).
    public var stoppedAtTarget: Double?

    /// Output tokens per second per accelerator over the run.
    public var outputTokensPerSecondPerAccelerator: Double {
        summary.outputTokensPerSecondPerAccelerator ?? 0
    }
    /// Tokens per second one user sees while decoding: 1 / median TPOT (0 without TPOTs).
    public var tokensPerSecondPerUser: Double {
        guard let p50 = summary.tpot?.p50, p50 > 0 else { return 0 }
        return 1e3 / p50
    }
}

/// What evaluating a candidate gave: a run, or the reason it cannot run.
public enum CandidateResult: Sendable, Hashable, Codable {
    case evaluated(CandidateEvaluation)
    /// It does not fit (HBM) or is not a valid deployment; the loaders' reason.
    case invalid(reason: String)

    public var evaluation: CandidateEvaluation? {
        if case .evaluated(let e) = self { return e }
        return nil
    }
}
