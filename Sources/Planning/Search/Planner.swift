import SystemDescription

/// A whole plan: for each system, the cheapest deployment meeting the SLOs at the load (or the
/// closest miss), the capacity and bottleneck of the system's shipped deployment, and the
/// Pareto frontiers over everything evaluated.
public struct Plan: Sendable, Codable {
    public var load: PlanLoad
    public var attainmentTarget: Double
    public var systems: [SystemPlan]
    /// Every candidate replayed at the load, of every system, in the order evaluated.
    public var explored: [FrontierPoint]
    /// Throughput per accelerator against tokens/s per user (1 / median TPOT), both maximised,
    /// over the candidates of `explored` that meet the SLO target: what each per-user speed
    /// costs in throughput among deployments that serve the load.
    public var throughputFrontier: [FrontierPoint]
    /// Cost against SLO attainment (cost minimised, attainment maximised).
    public var costFrontier: [FrontierPoint]
    /// Whether the search was stopped (Ctrl-C) before it finished: the plan is the best so far.
    public var stopped: Bool
}

/// One system's part of the plan.
public struct SystemPlan: Sendable, Codable {
    public var system: String
    public var hardware: String
    /// $/h per accelerator when `--price` gave one.
    public var pricePerAcceleratorHour: Double?
    /// The cheapest deployment found that meets the SLOs, or nil.
    public var chosen: CandidateEvaluation?
    /// With nothing meeting them: the candidate with the highest attainment (ties: cheaper).
    public var closestMiss: CandidateEvaluation?
    /// The replayed candidate meeting the SLOs with the most output tokens/s per accelerator
    /// (the efficiency-first choice, where `chosen` is the cost-first one).
    public var mostEfficient: FrontierPoint?
    /// The shipped deployment (the file as it is), its result at the load and its capacity.
    public var shipped: ShippedDeployment?
    public var search: SearchCounts

    /// One sentence: what was chosen, or that nothing in the space meets the SLOs and the
    /// closest miss.
    public var verdict: String {
        if let chosen {
            return "\(chosen.candidate.accelerators) accelerators (\(chosen.candidate.shape)) meet the SLOs at \(chosen.load.description)"
        }
        if let miss = closestMiss {
            return "no deployment in the space meets the SLOs; the closest, \(miss.candidate.shape), reaches \(Self.percent(miss.attainment)) attainment, limited by \(miss.bottleneck.rawValue)"
        }
        return "no deployment in the space could be evaluated"
    }

    static func percent(_ value: Double) -> String { "\((value * 1000).rounded() / 10) %" }

    /// $/h of the chosen deployment (with a price).
    public var costPerHour: Double? {
        guard let price = pricePerAcceleratorHour, let chosen else { return nil }
        return price * Double(chosen.candidate.accelerators)
    }
    /// $ per million output tokens at the chosen deployment's throughput over the run.
    public var costPerMillionOutputTokens: Double? {
        guard let perHour = costPerHour, let rate = chosen?.summary.outputTokensPerSecond, rate > 0 else { return nil }
        return perHour / 3600 / rate * 1e6
    }

    enum CodingKeys: String, CodingKey {
        case system, hardware, verdict, pricePerAcceleratorHour, chosen, closestMiss, mostEfficient, shipped, search, costPerHour, costPerMillionOutputTokens
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(system, forKey: .system)
        try c.encode(hardware, forKey: .hardware)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(pricePerAcceleratorHour, forKey: .pricePerAcceleratorHour)
        try c.encodeIfPresent(chosen, forKey: .chosen)
        try c.encodeIfPresent(closestMiss, forKey: .closestMiss)
        try c.encodeIfPresent(mostEfficient, forKey: .mostEfficient)
        try c.encodeIfPresent(shipped, forKey: .shipped)
        try c.encode(search, forKey: .search)
        try c.encodeIfPresent(costPerHour, forKey: .costPerHour)
        try c.encodeIfPresent(costPerMillionOutputTokens, forKey: .costPerMillionOutputTokens)
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        system = try c.decode(String.self, forKey: .system)
        hardware = try c.decode(String.self, forKey: .hardware)
        pricePerAcceleratorHour = try c.decodeIfPresent(Double.self, forKey: .pricePerAcceleratorHour)
        chosen = try c.decodeIfPresent(CandidateEvaluation.self, forKey: .chosen)
        closestMiss = try c.decodeIfPresent(CandidateEvaluation.self, forKey: .closestMiss)
        mostEfficient = try c.decodeIfPresent(FrontierPoint.self, forKey: .mostEfficient)
        shipped = try c.decodeIfPresent(ShippedDeployment.self, forKey: .shipped)
        search = try c.decode(SearchCounts.self, forKey: .search)
    }
    public init(
        system: String, hardware: String, pricePerAcceleratorHour: Double?, chosen: CandidateEvaluation?,
        closestMiss: CandidateEvaluation?, mostEfficient: FrontierPoint?, shipped: ShippedDeployment?, search: SearchCounts
    ) {
        self.mostEfficient = mostEfficient
        self.system = system
        self.hardware = hardware
        self.pricePerAcceleratorHour = pricePerAcceleratorHour
        self.chosen = chosen
        self.closestMiss = closestMiss
        self.shipped = shipped
        self.search = search
    }
}

/// The deployment file as shipped: how it does at the plan's load, and its capacity.
public struct ShippedDeployment: Sendable, Codable {
    public var candidate: CandidateDeployment
    public var atLoad: CandidateEvaluation?
    /// nil where the load cannot be scaled (decode-only planning) or the file is invalid.
    public var capacity: CapacitySearch.Result?
    public var invalidReason: String?
}

/// How much of the space a system's search replayed, skipped or found invalid.
public struct SearchCounts: Sendable, Codable {
    public var candidates: Int
    public var evaluated: Int
    public var invalid: Int
    public var pruned: Int
    /// Invalid candidates by reason (the loaders' words), most frequent first.
    public var invalidReasons: [ReasonCount]

    public struct ReasonCount: Sendable, Codable {
        public var reason: String
        public var candidates: Int
    }
}

/// A point of a frontier: which system and deployment, and its coordinates.
public struct FrontierPoint: Sendable, Codable {
    public var system: String
    public var candidate: CandidateDeployment
    public var accelerators: Int
    public var cost: Double
    public var outputTokensPerSecondPerAccelerator: Double
    public var tokensPerSecondPerUser: Double
    public var attainment: Double
    public var meetsTarget: Bool
    /// False when the replay stopped early (a miss; `attainment` is then an upper bound).
    public var complete: Bool
}

/// Runs the search for each system, the shipped deployments' capacities, and the frontiers.
public struct Planner: Sendable {
    public var systems: [PlanningSystem]
    /// One per system, in `systems` order.
    public var spaces: [SearchSpace]
    public var load: PlanLoad
    public var attainmentTarget: Double
    /// $/h per accelerator by hardware name.
    public var prices: [String: Double]
    /// Whether prefill accelerators count (false in decode-only planning).
    public var countsPrefill: Bool
    public var jobs: Int
    public var exhaustive: Bool
    /// Whether to find the shipped deployments' capacities (a bisection each).
    public var findsCapacity: Bool

    public init(
        systems: [PlanningSystem], spaces: [SearchSpace], load: PlanLoad, attainmentTarget: Double, prices: [String: Double] = [:],
        countsPrefill: Bool = true, jobs: Int = 1, exhaustive: Bool = false, findsCapacity: Bool = true
    ) {
        self.systems = systems
        self.spaces = spaces
        self.load = load
        self.attainmentTarget = attainmentTarget
        self.prices = prices
        self.countsPrefill = countsPrefill
        self.jobs = jobs
        self.exhaustive = exhaustive
        self.findsCapacity = findsCapacity
    }

    /// What the planner reports while it runs.
    public struct Progress: Sendable {
        public var system: String
        /// nil while the shipped deployment's capacity is being found.
        public var search: DeploymentSearch.Progress?
    }

    /// - Parameters:
    ///   - validity: why a candidate cannot run, without replaying it (nil when it can).
    ///   - evaluate: replays a candidate of system `index` at a load (nil when stopped); the
    ///     last argument says whether the replay may stop once the candidate misses the target
    ///     (`PlanEvaluator.evaluate(_:of:at:stopsWhenMissed:)`).
    public func run(
        validity: @Sendable (Int, CandidateDeployment) -> String?,
        evaluate: @Sendable (Int, CandidateDeployment, PlanLoad, Bool) -> CandidateEvaluation?,
        shouldStop: @Sendable () -> Bool = { false },
        progress: (Progress) -> Void = { _ in }
    ) -> Plan {
        var plans: [SystemPlan] = []
        var frontierInput: [FrontierPoint] = []
        var stopped = false
        for (index, system) in systems.enumerated() where !stopped {
            let price = prices[system.hardwareName]
            let search = DeploymentSearch(space: spaces[index], costPerAccelerator: price ?? 1, countsPrefill: countsPrefill)
            let load = self.load
            let outcome = search.run(
                jobs: jobs, exhaustive: exhaustive, validity: { validity(index, $0) }, evaluate: { evaluate(index, $0, load, true) },
                shouldStop: shouldStop,
                progress: { progress(Progress(system: system.name, search: $0)) })
            stopped = outcome.stopped
            var closest: CandidateEvaluation?
            if outcome.best == nil, !stopped {
                closest = closestMiss(outcome.evaluations, search: search) { evaluate(index, $0, load, false) }
            }
            var reasons: [String: Int] = [:]
            for item in outcome.invalid { reasons[item.reason, default: 0] += item.count }
            let counts = SearchCounts(
                candidates: outcome.spaceSize, evaluated: outcome.evaluations.count, invalid: reasons.values.reduce(0, +),
                pruned: outcome.pruned,
                invalidReasons: reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { SearchCounts.ReasonCount(reason: $0.key, candidates: $0.value) })
            var shipped: ShippedDeployment?
            if !stopped {
                progress(Progress(system: system.name, search: nil))
                shipped = shippedDeployment(index: index, validity: validity, evaluate: evaluate)
            }
            let points = outcome.evaluations.map { e in
                FrontierPoint(
                    system: system.name, candidate: e.candidate,
                    accelerators: countsPrefill ? e.candidate.accelerators : e.candidate.decodeAccelerators,
                    cost: search.cost(e.candidate), outputTokensPerSecondPerAccelerator: e.outputTokensPerSecondPerAccelerator,
                    tokensPerSecondPerUser: e.tokensPerSecondPerUser, attainment: e.attainment, meetsTarget: e.meetsTarget,
                    complete: e.complete)
            }
            // Ties in efficiency go to the cheaper, then the earlier evaluated.
            let efficient = points.enumerated().filter(\.element.meetsTarget).min { a, b in
                let (ea, eb) = (a.element.outputTokensPerSecondPerAccelerator, b.element.outputTokensPerSecondPerAccelerator)
                if ea != eb { return ea > eb }
                return a.element.cost != b.element.cost ? a.element.cost < b.element.cost : a.offset < b.offset
            }?.element
            plans.append(SystemPlan(
                system: system.name, hardware: system.hardwareName, pricePerAcceleratorHour: price, chosen: outcome.best,
                closestMiss: closest, mostEfficient: efficient, shipped: shipped, search: counts))
            frontierInput += points
        }
        return Plan(
            load: load, attainmentTarget: attainmentTarget, systems: plans, explored: frontierInput,
            throughputFrontier: ParetoFrontier.maximising(
                frontierInput.filter(\.meetsTarget), x: \.tokensPerSecondPerUser, y: \.outputTokensPerSecondPerAccelerator),
            costFrontier: ParetoFrontier.maximising(frontierInput.filter(\.complete), x: { -$0.cost }, y: \.attainment).reversed(),
            stopped: stopped)
    }

    /// The replayed candidate with the highest attainment (ties: cheaper, then earlier). An
    /// early-stopped replay's attainment is only a bound, so the few whose bound beats the best
    /// complete one are replayed in full first.
    func closestMiss(
        _ evaluations: [CandidateEvaluation], search: DeploymentSearch, full: (CandidateDeployment) -> CandidateEvaluation?
    ) -> CandidateEvaluation? {
        func closer(_ a: (offset: Int, element: CandidateEvaluation), _ b: (offset: Int, element: CandidateEvaluation)) -> Bool {
            if a.element.attainment != b.element.attainment { return a.element.attainment > b.element.attainment }
            let (ca, cb) = (search.cost(a.element.candidate), search.cost(b.element.candidate))
            return ca != cb ? ca < cb : a.offset < b.offset
        }
        var list = Array(evaluations.enumerated())
        for _ in 0..<3 {
            let completeBest = list.filter(\.element.complete).min(by: closer)
            guard let bound = list.filter({ !$0.element.complete }).min(by: closer),
                completeBest.map({ bound.element.attainment > $0.element.attainment }) ?? true,
                let replayed = full(bound.element.candidate)
            else { break }
            list[bound.offset] = (bound.offset, replayed)
        }
        return list.filter(\.element.complete).min(by: closer)?.element
    }

    /// The shipped deployment of system `index`: its validity, its result at the load and, when
    /// asked, its capacity by bisection (a chain of replays that depend on each other, so a
    /// sharded plan evaluates it whole on one shard).
    public func shippedDeployment(
        index: Int, validity: (Int, CandidateDeployment) -> String?,
        evaluate: (Int, CandidateDeployment, PlanLoad, Bool) -> CandidateEvaluation?
    ) -> ShippedDeployment {
        let candidate = CandidateDeployment.shipped(by: systems[index], countsPrefill: countsPrefill)
        if let reason = validity(index, candidate) {
            return ShippedDeployment(candidate: candidate, atLoad: nil, capacity: nil, invalidReason: reason)
        }
        guard findsCapacity, load != .fillDecodeSlots else {
            return ShippedDeployment(candidate: candidate, atLoad: evaluate(index, candidate, load, true), capacity: nil, invalidReason: nil)
        }
        let capacity = CapacitySearch.run(from: load) { evaluate(index, candidate, $0, true) }
        let atLoad = capacity.atCapacity?.load == load ? capacity.atCapacity : capacity.atOverload?.load == load ? capacity.atOverload : nil
        return ShippedDeployment(candidate: candidate, atLoad: atLoad, capacity: capacity, invalidReason: nil)
    }
}

extension CandidateDeployment {
    /// The deployment file's own settings as a candidate.
    public static func shipped(by system: PlanningSystem, countsPrefill: Bool = true) -> CandidateDeployment {
        let d = system.base.deployment
        return CandidateDeployment(
            prefillInstances: d.prefillInstances, prefillNPUs: d.prefill.npus, decodeInstances: d.decodeInstances,
            decodeNPUs: d.decode.npus, decodeBatchPerDie: d.decode.batchPerDie, microbatching: d.decode.microbatchPolicy,
            mtp: d.decode.mtp.draftTokens > 0, precision: system.basePrecision)
    }
}
