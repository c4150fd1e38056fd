/// The highest load at which one deployment still meets its SLOs, by bisection over replays.
///
/// Relies on attainment falling as the load rises (more arrivals per second never help a
/// fixed deployment); `cmbench sweep --over rate` draws the same curve point by point, and the
/// knee found here lies between the sweep points that bracket it (tested).
public enum CapacitySearch {
    public struct Result: Sendable, Hashable, Codable {
        /// The highest load found that meets the target (nil: not even the lowest tried).
        public var capacity: PlanLoad?
        /// The lowest load found that misses it (nil: not even the highest tried).
        public var overload: PlanLoad?
        /// Evaluations at those two loads; the bottleneck is the overload's.
        public var atCapacity: CandidateEvaluation?
        public var atOverload: CandidateEvaluation?
        public var bottleneck: Bottleneck
        /// Replays the bisection ran.
        public var replays: Int
    }

    /// Scales `load` up (or down) by doubling until the target is crossed, then bisects the
    /// scale geometrically until the bracket is within `relativePrecision`. `evaluate` replays
    /// the deployment at a load (nil when stopped: the result so far is returned).
    public static func run(
        from load: PlanLoad, relativePrecision: Double = 0.02, maxDoublings: Int = 10,
        evaluate: (PlanLoad) -> CandidateEvaluation?
    ) -> Result {
        var replays = 0
        func at(_ scale: Double) -> CandidateEvaluation? {
            replays += 1
            return evaluate(load.scaled(by: scale))
        }
        var low: (scale: Double, evaluation: CandidateEvaluation)?
        var high: (scale: Double, evaluation: CandidateEvaluation)?
        guard let first = at(1) else { return result(nil, nil, replays) }
        if first.meetsTarget { low = (1, first) } else { high = (1, first) }
        var doublings = 0
        while doublings < maxDoublings, low == nil || high == nil {
            doublings += 1
            let scale = low == nil ? high!.scale / 2 : low!.scale * 2
            guard let e = at(scale) else { return result(low, high, replays) }
            if e.meetsTarget { low = (scale, e) } else { high = (scale, e) }
        }
        if var lo = low, var hi = high {
            while hi.scale / lo.scale > 1 + relativePrecision {
                let mid = (lo.scale * hi.scale).squareRoot()
                guard let e = at(mid) else { break }
                if e.meetsTarget { lo = (mid, e) } else { hi = (mid, e) }
            }
            low = lo
            high = hi
        }
        return result(low, high, replays)
    }

    static func result(
        _ low: (scale: Double, evaluation: CandidateEvaluation)?, _ high: (scale: Double, evaluation: CandidateEvaluation)?,
        _ replays: Int
    ) -> Result {
        Result(
            capacity: low?.evaluation.load, overload: high?.evaluation.load, atCapacity: low?.evaluation,
            atOverload: high?.evaluation, bottleneck: high?.evaluation.bottleneck ?? .none, replays: replays)
    }
}
