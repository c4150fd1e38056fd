import DiscreteEvent
import CostModel
import SystemDescription

/// One decode instance: its DP ranks (dies) step in lock step, because the MoE layers
/// synchronise them, so a step lasts what the busiest rank needs — the largest per-rank batch
/// and the largest per-rank KV (paper v3 §4.1, §4.3.3). Each step emits 1 + accepted drafts
/// tokens per request (MTP).
///
/// Per rank it keeps the requests decoding (nᵣ) and a KV offset Aᵣ such that the rank holds
/// Aᵣ + nᵣ·τ·S KV tokens at step S (τ: tokens per step): a request joining at step S₀ with K
/// tokens of KV adds K − τ·S₀ to Aᵣ. Its completion step is known when it joins (`MTPProgress`),
/// so completions come from a `StepCalendar` and no step touches every request.
///
/// Ranks are numbered within the instance (0..<ranks). The instance holds slots (indices the
/// backend gives), never requests; the backend turns a pace into seconds and a completion into
/// an outcome.
/// - Complexity: `beginStep` O(joining requests) plus, when the die that set the last pace may
///   no longer be the busiest (a request joined or left), one O(ranks) `BusiestDie` scan; else
///   O(1). `popFinished` O(1) per completion.
struct DecodeInstance {
    /// A request waiting for the next step boundary to join.
    struct Joining {
        var slot: Int32
        /// Its rank within the instance.
        var rank: Int32
        /// KV tokens it holds when it joins (prompt and first token).
        var kvTokens: Int
        /// Tokens it still has to produce.
        var tokens: Int
    }

    /// A decoding request, as its completion needs it.
    struct Decoding {
        var slot: Int32
        var rank: Int32
        /// Its share of Aᵣ: KV tokens at join − τ × join step.
        var kvOffset: Double
    }

    /// What the busiest rank holds at a step: the step's cost is the cost model's at these.
    struct Pace: Equatable {
        var batch: Int32
        var kvTokens: Double
    }

    /// Mean tokens per request per step (τ).
    let tokensPerStep: Double
    let mtp: MTPSettings
    let sampling: ServingDeploymentSettings.MTPSampling
    /// Steps completed.
    private(set) var step: Int64 = 0
    /// A step is under way (between `beginStep` and `endStep`).
    private(set) var running = false
    /// A begin event is scheduled and has not run yet.
    private(set) var beginScheduled = false
    /// Requests waiting to join are `joining[0..<joiningCount]`; the array keeps its storage
    /// (and stale entries past the count) from step to step, since clearing it cost ~100
    /// instructions per step.
    private var joining: [Joining] = []
    private(set) var joiningCount = 0
    /// Requests decoding.
    private(set) var active = 0
    /// nᵣ: requests decoding per rank.
    private(set) var rankActive: [Int32]
    /// Aᵣ per rank (0 on a rank with no request, which `BusiestDie` needs).
    private(set) var rankKVOffset: [Double]
    private var completions = StepCalendar<Decoding>()
    /// The rank that set the last step's pace, valid while no request joined or left since.
    /// If it also had the largest batch, its KV grows at least as fast as any other rank's, so
    /// it stays the busiest and the next step needs no scan over the ranks.
    private var paceRank: Int? = nil
    private var paceBatch: Int32 = 0

    init(ranks: Int, mtp: MTPSettings, sampling: ServingDeploymentSettings.MTPSampling) {
        tokensPerStep = mtp.tokensPerStep
        self.mtp = mtp
        self.sampling = sampling
        rankActive = Array(repeating: 0, count: ranks)
        rankKVOffset = Array(repeating: 0, count: ranks)
    }

    var rankCount: Int { rankActive.count }

    /// KV tokens rank `rank` holds now: Aᵣ + nᵣ·τ·S.
    func kvTokens(rank: Int) -> Double { rankKVOffset[rank] + Double(rankActive[rank]) * (tokensPerStep * Double(step)) }

    /// Queues a request to join at the next step boundary.
    mutating func join(_ request: Joining) {
        if joiningCount < joining.count { joining[joiningCount] = request } else { joining.append(request) }
        joiningCount += 1
    }

    /// Whether a begin event should be scheduled now: the instance is between steps, has
    /// requests decoding or joining, and none is scheduled. When true it records the event as
    /// scheduled, so call it only when you schedule one.
    mutating func claimBegin() -> Bool {
        guard !running, !beginScheduled, active > 0 || joiningCount > 0 else { return false }
        beginScheduled = true
        return true
    }

    /// Begins a step: the joining requests join (their completion steps drawn from `generator`
    /// when MTP is sampled), then the busiest rank's batch and KV set the step's pace. Nil, and
    /// the instance stays idle, when no request is decoding.
    mutating func beginStep(generator: inout SeededGenerator) -> Pace? {
        beginScheduled = false
        let tau = tokensPerStep
        for index in 0..<joiningCount {
            let request = joining[index]
            let steps: Int
            switch sampling {
            case .expected: steps = MTPProgress.expectedSteps(tokens: request.tokens, mtp: mtp)
            case .sampled: steps = MTPProgress.sampledSteps(tokens: request.tokens, mtp: mtp, generator: &generator)
            }
            let offset = Double(request.kvTokens) - tau * Double(step)
            let rank = Int(request.rank)
            rankActive[rank] += 1
            rankKVOffset[rank] += offset
            active += 1
            completions.push(Decoding(slot: request.slot, rank: request.rank, kvOffset: offset), step: step + Int64(steps))
        }
        let growth = tau * Double(step)
        if joiningCount > 0 {
            if let rank = paceRank { paceRank = busiestAfterJoins(previous: rank, growth: growth) }
            joiningCount = 0
        }
        guard active > 0 else {
            running = false
            return nil
        }
        let pace: Pace
        if let rank = paceRank, rankActive[rank] == paceBatch {
            pace = Pace(batch: paceBatch, kvTokens: rankKVOffset[rank] + Double(paceBatch) * growth)
        } else {
            let busiest = rankActive.withUnsafeBufferPointer { active in
                rankKVOffset.withUnsafeBufferPointer { offset in
                    BusiestDie.find(active: active, offset: offset, range: 0..<active.count, growth: growth)
                }
            }
            // Only a rank with the largest batch is sure to stay the busiest until the next change.
            paceRank = rankActive[busiest.rank] == busiest.batch ? busiest.rank : nil
            paceBatch = busiest.batch
            pace = Pace(batch: busiest.batch, kvTokens: busiest.kv)
        }
        running = true
        return pace
    }

    /// The busiest rank after requests joined, when the last pace's rank `previous` held the
    /// largest batch and no request left it since: then every other rank that no one joined
    /// still holds at most its batch and less KV (or as much, at a higher index), so the
    /// busiest is `previous` or a rank someone joined — the first holding the largest KV, as
    /// the scan decides, computed with the scan's arithmetic. Updates `paceBatch`; nil when
    /// that rank does not also hold the largest batch (the next pace then scans).
    /// - Complexity: O(joining requests), instead of an O(ranks) scan.
    private mutating func busiestAfterJoins(previous: Int, growth: Double) -> Int? {
        var best = previous
        var bestKV = rankKVOffset[previous] + Double(rankActive[previous]) * growth
        var largestBatch = paceBatch
        for index in 0..<joiningCount {
            let rank = Int(joining[index].rank)
            let batch = rankActive[rank]
            largestBatch = max(largestBatch, batch)
            let kv = rankKVOffset[rank] + Double(batch) * growth
            if kv > bestKV || (kv == bestKV && rank < best) {
                best = rank
                bestKV = kv
            }
        }
        guard rankActive[best] == largestBatch else { return nil }
        paceBatch = largestBatch
        return best
    }

    /// Ends the running step: the step counter advances. Then take the requests it finished
    /// with `popFinished` and call `stop`.
    mutating func endStep() { step += 1 }

    /// A request that has produced its last token by the current step (completion order: by
    /// step, then join order), removed from its rank; nil when there is none.
    mutating func popFinished() -> Int32? {
        guard let done = completions.popFirst(dueBy: step) else { return nil }
        let rank = Int(done.rank)
        rankActive[rank] -= 1
        rankKVOffset[rank] = rankActive[rank] == 0 ? 0 : rankKVOffset[rank] - done.kvOffset
        active -= 1
        // A request leaving another rank leaves the pace's rank the busiest (it keeps the
        // largest batch and the most KV); only its own requests leaving need a new scan.
        if rank == paceRank { paceRank = nil }
        return done.slot
    }

    /// Marks the instance between steps (after `endStep` and the completions).
    mutating func stop() { running = false }
}
