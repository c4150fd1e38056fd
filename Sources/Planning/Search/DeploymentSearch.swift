import SystemDescription
import Dispatch
import Synchronization

/// Finds the cheapest deployment in a `SearchSpace` that meets the SLOs, evaluating as few
/// candidates as the space's order allows.
///
/// **What the search relies on** (tested in `SearchPropertiesTests`; README "Planning a
/// deployment"): with every other knob fixed, meeting the SLOs is *monotone* in the two counts —
/// more prefill instances never hurt, and more decode NPUs never hurt. Under that, the
/// deployments that meet the SLOs form a staircase in the (prefill instances × decode NPUs)
/// grid, and the cheapest lies on its lower edge. For each combination of the other knobs
/// (a *group*) the search walks that edge from (most prefill instances, fewest decode NPUs):
/// a miss at (p, d) rules out everything with ≤ p instances and ≤ d NPUs (next: more decode
/// NPUs); a hit rules out everything larger, and the fewest instances that still meet the SLOs
/// at d are found by bisection below p (next: the following decode size, below that count).
/// That is about |d| × (1 + log₂|p|) replays per group at most, instead of |p| × |d|. Across groups, anything costing more than
/// the best found is skipped, and a group whose cheapest member costs more is dropped whole.
/// The other knobs (batch cap, MTP, microbatching, precision, EMS) are not assumed monotone: a
/// larger batch cap raises throughput until TPOT breaks, so each value is its own group.
///
/// **Determinism.** The search runs in rounds: every active group proposes its next candidate,
/// the round's candidates are replayed in parallel (`jobs`), and the results are applied in
/// group order. What is evaluated, and so the plan, the counts and the frontier, do not depend
/// on `jobs` or on which replay finished first. Among candidates of equal cost the one with the
/// most output tokens/s per accelerator wins (so candidates costing as much as the best so far
/// are still replayed); remaining ties go to the earlier group, then the fewer prefill
/// instances, then the fewer decode NPUs.
public struct DeploymentSearch: Sendable {
    public var space: SearchSpace
    /// Cost per accelerator (per hour with `--price`; 1 counts accelerators).
    public var costPerAccelerator: Double
    /// Whether prefill accelerators count (not in decode-only planning, which has none).
    public var countsPrefill: Bool

    public init(space: SearchSpace, costPerAccelerator: Double = 1, countsPrefill: Bool = true) {
        self.space = space
        self.costPerAccelerator = costPerAccelerator
        self.countsPrefill = countsPrefill
    }

    /// A combination of the knobs the walk does not order.
    public struct Group: Sendable, Hashable {
        public var prefillNPUs: Int
        public var decodeInstances: Int
        public var decodeBatchPerDie: Int
        public var microbatching: MicrobatchPolicy
        public var mtp: Bool
        public var precision: String
        public var emsCapacityGB: Double?
    }

    /// Progress after each round.
    public struct Progress: Sendable {
        public var evaluated: Int
        public var invalid: Int
        public var pruned: Int
        public var remaining: Int
        public var best: CandidateEvaluation?
    }

    /// What a search found.
    public struct Outcome: Sendable {
        /// The cheapest candidate meeting the SLOs, if any was found.
        public var best: CandidateEvaluation?
        /// Every candidate replayed, in the order evaluated (rounds, then group order).
        public var evaluations: [CandidateEvaluation]
        /// Candidates that cannot run, with the reason; counted once per (group, decode NPUs)
        /// for all prefill instance counts.
        public var invalid: [(candidate: CandidateDeployment, reason: String, count: Int)]
        public var spaceSize: Int
        /// Candidates neither replayed nor invalid: ruled out by monotonicity or cost.
        public var pruned: Int
        /// Whether the search was stopped before it finished (`best` is the best so far).
        public var stopped: Bool
    }

    public var groups: [Group] {
        var list: [Group] = []
        for precision in space.precisions {
            for mtp in space.mtp {
                for microbatching in space.microbatching {
                    for ems in space.emsCapacityGB {
                        for prefill in space.prefillNPUs {
                            for instances in space.decodeInstances {
                                for batch in space.decodeBatchPerDie {
                                    list.append(Group(
                                        prefillNPUs: prefill, decodeInstances: instances, decodeBatchPerDie: batch,
                                        microbatching: microbatching, mtp: mtp, precision: precision, emsCapacityGB: ems))
                                }
                            }
                        }
                    }
                }
            }
        }
        return list
    }

    /// The candidate of `group` with these two counts.
    public func candidate(_ group: Group, prefillInstances: Int, decodeNPUs: Int) -> CandidateDeployment {
        CandidateDeployment(
            prefillInstances: prefillInstances, prefillNPUs: group.prefillNPUs, decodeInstances: group.decodeInstances,
            decodeNPUs: decodeNPUs, decodeBatchPerDie: group.decodeBatchPerDie, microbatching: group.microbatching, mtp: group.mtp,
            precision: group.precision, emsCapacityGB: group.emsCapacityGB)
    }

    /// Every candidate of the space that `validity` lets run, in a fixed order (groups, then
    /// decode sizes, then prefill instance counts): the points any search of this space may
    /// replay at a load, and so what a sharded plan splits (docs/scale-out.md).
    public func validCandidates(validity: (CandidateDeployment) -> String?) -> [CandidateDeployment] {
        var list: [CandidateDeployment] = []
        let p = space.prefillInstances
        for group in groups {
            for npus in space.decodeNPUs where validity(candidate(group, prefillInstances: p[0], decodeNPUs: npus)) == nil {
                for instances in p { list.append(candidate(group, prefillInstances: instances, decodeNPUs: npus)) }
            }
        }
        return list
    }

    /// The candidate's cost (what the plan minimises).
    public func cost(_ c: CandidateDeployment) -> Double {
        Double(countsPrefill ? c.accelerators : c.decodeAccelerators) * costPerAccelerator
    }

    /// Orders candidates: cost, then group, prefill instances, decode NPUs.
    struct Key: Comparable {
        var cost: Double
        var group: Int
        var prefill: Int
        var decode: Int
        static func < (a: Key, b: Key) -> Bool {
            (a.cost, a.group, a.prefill, a.decode) < (b.cost, b.group, b.prefill, b.decode)
        }
    }

    /// Runs the search. `validity` says, without a replay, why a candidate cannot run (nil when
    /// it can); `evaluate` replays one (nil when stopped). With `exhaustive`, every valid
    /// candidate is replayed (the reference the pruned search is tested against).
    public func run(
        jobs: Int = 1, exhaustive: Bool = false,
        validity: @Sendable (CandidateDeployment) -> String?,
        evaluate: @Sendable (CandidateDeployment) -> CandidateEvaluation?,
        shouldStop: @Sendable () -> Bool = { false },
        progress: (Progress) -> Void = { _ in }
    ) -> Outcome {
        let groups = self.groups
        let p = space.prefillInstances, d = space.decodeNPUs
        // Validity does not depend on the prefill instance count; check each (group, decode) once.
        var invalid: [(candidate: CandidateDeployment, reason: String, count: Int)] = []
        var valid: [[Int]] = []
        for group in groups {
            var indices: [Int] = []
            for (i, npus) in d.enumerated() {
                let c = candidate(group, prefillInstances: p[0], decodeNPUs: npus)
                if let reason = validity(c) { invalid.append((c, reason, p.count)) } else { indices.append(i) }
            }
            valid.append(indices)
        }
        func key(_ g: Int, _ j: Int, _ i: Int) -> Key {
            Key(cost: cost(candidate(groups[g], prefillInstances: p[j], decodeNPUs: d[i])), group: g, prefill: j, decode: i)
        }

        // Each group's walk: `position` indexes its valid decode sizes, `prefill` the instance count.
        // `bisect`: after a hit at (prefill, position), the fewest instances that still meet the
        // SLOs at that decode size lie in low...high (high is a hit), found by bisection.
        struct Walk {
            var position: Int
            var prefill: Int
            var done: Bool
            var exhaustiveNext = 0
            var bisect: (low: Int, high: Int)?
        }
        var walks = valid.map { Walk(position: 0, prefill: p.count - 1, done: $0.isEmpty) }
        var evaluations: [CandidateEvaluation] = []
        var best: (key: Key, evaluation: CandidateEvaluation)?
        var stopped = false
        let invalidCount = invalid.reduce(0) { $0 + $1.count }
        let size = space.size

        func remaining() -> Int {
            var total = 0
            for (g, walk) in walks.enumerated() where !walk.done {
                total += exhaustive
                    ? valid[g].count * p.count - walk.exhaustiveNext : (walk.prefill + 1) * (valid[g].count - walk.position)
            }
            return total
        }

        while !stopped {
            // Each active group proposes its next candidate (after skipping what costs more than the best).
            var round: [(group: Int, prefill: Int, decode: Int)] = []
            for g in walks.indices where !walks[g].done {
                if exhaustive {
                    let n = walks[g].exhaustiveNext
                    if n >= valid[g].count * p.count { walks[g].done = true; continue }
                    round.append((g, n % p.count, valid[g][n / p.count]))
                    walks[g].exhaustiveNext += 1
                    continue
                }
                var w = walks[g]
                if let (low, high) = w.bisect {
                    let costlier = best.map { key(g, low, valid[g][w.position]).cost > $0.key.cost } ?? false
                    if low < high && !costlier {
                        walks[g] = w
                        round.append((g, (low + high) / 2, valid[g][w.position]))
                        continue
                    }
                    // Found (or everything left costs more): next decode size, fewer instances.
                    w.bisect = nil
                    w.prefill = high - 1
                    w.position += 1
                }
                if let bound = best?.key.cost {
                    // Costlier than the best: ruled out. Equal cost stays in: it may serve more.
                    while w.prefill >= 0, w.position < valid[g].count, key(g, w.prefill, valid[g][w.position]).cost > bound { w.prefill -= 1 }
                }
                if w.prefill < 0 || w.position >= valid[g].count { w.done = true }
                walks[g] = w
                if !w.done { round.append((g, w.prefill, valid[g][w.position])) }
            }
            if round.isEmpty { break }
            let candidates = round.map { candidate(groups[$0.group], prefillInstances: p[$0.prefill], decodeNPUs: d[$0.decode]) }
            let results = Self.parallelMap(candidates, jobs: jobs, shouldStop: shouldStop, evaluate)
            if results.contains(where: { $0 == nil }) || shouldStop() {
                stopped = true
            }
            for (k, item) in round.enumerated() {
                guard let evaluation = results[k] else { continue }
                evaluations.append(evaluation)
                let g = item.group
                let itemKey = key(g, item.prefill, item.decode)
                if evaluation.meetsTarget, best.map({ Self.isBetter(itemKey, evaluation, than: $0.key, $0.evaluation) }) ?? true {
                    best = (itemKey, evaluation)
                }
                if exhaustive || stopped { continue }
                if let (low, high) = walks[g].bisect {
                    walks[g].bisect = evaluation.meetsTarget ? (low, item.prefill) : (item.prefill + 1, high)
                } else if evaluation.meetsTarget {
                    walks[g].bisect = (0, item.prefill)
                    walks[g].prefill = item.prefill
                } else {
                    walks[g].position += 1
                    if walks[g].position >= valid[g].count { walks[g].done = true }
                }
            }
            let left = stopped ? 0 : remaining()
            progress(Progress(
                evaluated: evaluations.count, invalid: invalidCount, pruned: size - evaluations.count - invalidCount - left,
                remaining: left, best: best?.evaluation))
        }
        return Outcome(
            best: best?.evaluation, evaluations: evaluations, invalid: invalid, spaceSize: size,
            pruned: size - evaluations.count - invalidCount - (stopped ? remaining() : 0), stopped: stopped)
    }

    /// The plan's order among candidates meeting the target: lower cost; at equal cost more
    /// output tokens/s per accelerator; then the earlier group, fewer prefill instances, fewer
    /// decode NPUs.
    static func isBetter(_ a: Key, _ ea: CandidateEvaluation, than b: Key, _ eb: CandidateEvaluation) -> Bool {
        if a.cost != b.cost { return a.cost < b.cost }
        let (ta, tb) = (ea.outputTokensPerSecondPerAccelerator, eb.outputTokensPerSecondPerAccelerator)
        if ta != tb { return ta > tb }
        return a < b
    }

    /// `evaluate` over `items` on up to `jobs` threads; results in `items` order.
    public static func parallelMap<T: Sendable, R: Sendable>(
        _ items: [T], jobs: Int, shouldStop: @Sendable () -> Bool, _ evaluate: @Sendable (T) -> R?
    ) -> [R?] {
        if jobs <= 1 || items.count <= 1 {
            var out: [R?] = []
            for item in items {
                if shouldStop() { out.append(nil); continue }
                out.append(evaluate(item))
            }
            return out
        }
        let slots = Mutex<(results: [R?], next: Int)>((Array(repeating: nil, count: items.count), 0))
        DispatchQueue.concurrentPerform(iterations: min(jobs, items.count)) { _ in
            while true {
                let index: Int? = slots.withLock { state in
                    guard state.next < items.count else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index, !shouldStop() else { return }
                let result = evaluate(items[index])
                slots.withLock { $0.results[index] = result }
            }
        }
        return slots.withLock { $0.results }
    }
}
