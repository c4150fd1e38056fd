import CostModel
import DiscreteEvent
import Serving
import SystemDescription

/// An aggregated serving engine: replicas that mix prompt chunks and decode tokens in every
/// iteration (continuous, iteration-level batching), with a KV cache of fixed-size blocks,
/// prefix caching and preemption by recompute — vLLM, SGLang and TensorRT-LLM as most fleets
/// run them.
///
/// **Topology.** `deployment.replicas` replicas, each with `layout.attentionDataParallel`
/// attention ranks. Each rank is one scheduler — its own waiting queue, running list and pool
/// of `kvBlocksPerRank` KV blocks — as each DP rank is one `EngineCore`/scheduler in vLLM's
/// data parallelism and in SGLang's DP attention. A router picks the replica
/// (`deployment.router`); inside it the request goes to the rank with the lowest
/// 4 × waiting + running, ties to the lowest index (vLLM `DPLBAsyncMPClient`,
/// `vllm/v1/engine/core_client.py`: `score = waiting * 4 + running`). With the prefix-aware
/// router and prefix caching, the router picks the rank holding the longest cached run of the
/// request's block hashes instead (SGLang's cache-aware router, as if each DP rank were a
/// worker), the least loaded on ties and when nothing matches.
///
/// **Iterations.** All ranks of a replica run each iteration together (the MoE layers
/// synchronise them; an idle rank joins with no tokens). The replica forms every rank's batch
/// (`AggregatedBackend+Iteration.swift`: decode-first as vLLM V1, prefill-first as SGLang),
/// asks `timing.iterationMicroseconds(ranks:)` for the time of the whole pass, and schedules one
/// event at its end; the tokens of the pass are produced then. With `pipelineParallel` p > 1,
/// up to p passes are in flight: a pass may begin `stageMicroseconds` after the previous one
/// began, and a request is in at most one pass at a time (vLLM V1 skips a request whose
/// tokens are all in flight).
///
/// **KV blocks** (`KVBlockPool`): a request holds ⌈context / kvBlockTokens⌉ blocks as it grows,
/// a decode step reserving room for its 1 + draft tokens; prefix caching keeps full prompt
/// blocks under the trace's hashes, shared and reference-counted while used, evicted least
/// recently used when blocks run out. A running request that cannot get a block preempts the
/// most recently admitted running request (vLLM `self.running.pop()`), which is freed and put
/// at the head of the waiting queue; readmitted, it prefills its prompt and its output so far
/// again (recompute). With `preemption = guaranteed-no-evict` (TensorRT-LLM) a request is
/// instead admitted only when the blocks of its whole sequence are free and holds them until it
/// finishes, so nothing is ever preempted. A request whose prompt and output could never fit a
/// rank's blocks is rejected, as is (without chunked prefill) one the token budget cannot
/// compute in one iteration: its prompt, or with recompute its prompt and output.
///
/// **Reports.** One outcome per request: service start = the start of its first scheduled
/// iteration, first token = the end of the iteration that completed its prompt, cached prefix
/// tokens at its first admission. Inter-token gaps are reported per request segment, not per
/// token: at completion, the mean gap of the tokens since its first token (or since it was
/// readmitted); a preemption closes a segment and the stall it caused is reported as one gap.
///
/// **Cost per event.** An arrival costs O(ranks of a replica) (O(all ranks × matched blocks)
/// with the prefix-aware router), a pass O(requests running on its ranks + requests admitted),
/// all scratch storage reused; no step of the replay is O(requests waiting), so a burst of n
/// requests at one instant costs O(n) to queue. Per request the backend keeps one `Tracked`
/// (plain numbers) and its identity for the outcome.
///
/// It is a concrete type holding `any IterationTiming`, not generic over the timing: the timing
/// is asked once per pass, never per request, so its existential call is noise next to the
/// per-request work of forming and finishing the pass, while one concrete type keeps the
/// registry, the command line and `explain` to one name whatever timing a deployment uses.
public struct AggregatedBackend: ServingBackend {
    /// The backend's events: indices only.
    public enum Event {
        /// A replica forms and starts a pass.
        case begin(replica: Int32)
        /// A replica's pass (pass slot `pass`) ends: its tokens are produced.
        case end(replica: Int32, pass: Int32)
    }

    /// How many decode steps a request needs under MTP: the expectation (deterministic) or
    /// draws from the acceptance rate (`MTPProgress`).
    public enum MTPSampling: String, Sendable, Equatable, CaseIterable {
        case expected
        case sampled
    }

    /// A setting the backend cannot run with, and why.
    public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public let deployment: AggregatedDeployment
    public let kvBlocksPerRank: Int
    public let timing: any IterationTiming
    public let mtpSampling: MTPSampling
    /// With true, every rank batch is checked as it is formed (blocks within capacity and
    /// recounted, budget and batch cap kept, held blocks covering each request's context) and
    /// every completion against what was asked; failures go to `statistics.invariantViolations`.
    /// Tests turn it on.
    public var checksInvariantsEveryIteration = false
    /// Counters so far.
    public var statistics: Statistics {
        var copy = counters
        copy.prefixEvictions = ranks.reduce(0) { $0 + $1.pool.evictions }
        copy.peakBlocksInUse = ranks.reduce(0) { max($0, $1.pool.peakInUse) }
        return copy
    }
    var counters = Statistics()

    // Settings the hot paths read, copied out of `deployment` once.
    let ranksPerReplica: Int
    let pipelineDepth: Int
    let maxBatch: Int
    let tokenBudget: Int
    let chunkedPrefill: Bool
    let blockTokens: Int
    let prefixCaching: Bool
    let policy: SchedulingPolicy
    /// Whether admission reserves a request's whole sequence (`PreemptionMode.guaranteedNoEvict`).
    let reservesWholeSequence: Bool
    /// Tokens a decode step computes per request: the last sampled token and the drafts.
    let decodeStepTokens: Int
    let acceleratorKind: String?
    let diesPerAccelerator: Int?

    var generator: SeededGenerator
    /// Requests in the backend by slot; a free slot (listed in `freeSlots`) keeps stale numbers.
    var slots: ContiguousArray<Tracked> = []
    var identities: ContiguousArray<Identity> = []
    var freeSlots: [Int32] = []
    /// Every rank of every replica: replica r owns `r * ranksPerReplica ..< (r + 1) * ranksPerReplica`.
    var ranks: [Rank]
    var replicas: [Replica]
    /// Scratch: the loads of one replica's ranks for the pass being formed; every entry is idle
    /// between passes (a pass writes only the ranks it visits and clears them after timing).
    var loads: [RankLoad]
    /// Requests of rank g in pass slot p at `g * pipelineDepth + p`; they are found in `running`
    /// by their `pass` (a list per pass cost more to keep than the scan). Flat, not in `Rank`,
    /// so reading a count is one load, not a walk through the rank to its own array.
    var inPass: [Int32]
    /// A pass visits only some ranks, as bits, `wordsPerReplica` 64-bit words per set: with
    /// dozens of ranks per replica and a few requests each, walking every rank twice a pass
    /// (forming it, ending it) cost more than the requests on them.
    let wordsPerReplica: Int
    /// Per replica, the ranks that may have work (waiting or running): set when a request
    /// arrives at the rank (the only way a rank gains work), cleared when a pass finds it empty.
    var ranksWithWork: [UInt64]
    /// Per replica and pass slot (`(replica * pipelineDepth + p) * wordsPerReplica`), the ranks
    /// with requests in that pass: the ones its end advances.
    var ranksInPass: [UInt64]
    /// Every rank's `Rank.loadScore` (vLLM's 4 × waiting + running), kept up to date where a
    /// request joins or leaves a queue: the router compares a replica's ranks at every arrival,
    /// and reading the score from each rank's three queues touched a dozen scattered cache lines.
    var loadScores: [Int]
    var nextRoundRobin = 0

    /// An aggregated backend over `deployment`, each attention rank with `kvBlocksPerRank` KV
    /// blocks of `deployment.limits.kvBlockTokens` tokens (the cost model sizes them from the
    /// HBM left after weights and workspace), timed by `timing`, drawing MTP acceptances from
    /// `generator` when `mtpSampling` is `.sampled`. `acceleratorKind` and `diesPerAccelerator`
    /// describe the hardware for per-accelerator throughput (nil: unknown).
    public init(
        deployment: AggregatedDeployment, kvBlocksPerRank: Int, timing: any IterationTiming, generator: SeededGenerator,
        mtpSampling: MTPSampling = .expected, acceleratorKind: String? = nil, diesPerAccelerator: Int? = nil
    ) throws(ConfigurationError) {
        let layout = deployment.layout, limits = deployment.limits
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(ConfigurationError) {
            if !condition { throw ConfigurationError(message()) }
        }
        try require(deployment.replicas >= 1, "replicas must be at least 1, got \(deployment.replicas)")
        try require(
            layout.tensorParallel >= 1 && layout.attentionDataParallel >= 1 && layout.expertParallel >= 1 && layout.pipelineParallel >= 1,
            "every parallel degree must be at least 1, got tp=\(layout.tensorParallel) dp=\(layout.attentionDataParallel) ep=\(layout.expertParallel) pp=\(layout.pipelineParallel)")
        try require(limits.maxBatchPerRank >= 1, "max_batch_per_rank must be at least 1, got \(limits.maxBatchPerRank)")
        try require(limits.kvBlockTokens >= 1, "kv_block_tokens must be at least 1, got \(limits.kvBlockTokens)")
        try require(
            kvBlocksPerRank >= 1,
            "the KV cache has \(kvBlocksPerRank) blocks per attention rank: the weights, activations and workspace leave no HBM for it; use more dies per replica (tp, ep) or a smaller precision")
        try require(
            deployment.mtp.draftTokens >= 0 && (0...1).contains(deployment.mtp.acceptanceRate),
            "MTP needs draft tokens >= 0 and an acceptance rate in [0, 1], got \(deployment.mtp.draftTokens) and \(deployment.mtp.acceptanceRate)")
        let stepTokens = 1 + deployment.mtp.draftTokens
        try require(
            limits.maxBatchedTokensPerRank >= stepTokens,
            "max_batched_tokens_per_rank \(limits.maxBatchedTokensPerRank) cannot hold one decode step of \(stepTokens) tokens")
        try require(diesPerAccelerator.map { $0 >= 1 } ?? true, "dies per accelerator must be at least 1")

        self.deployment = deployment
        self.kvBlocksPerRank = kvBlocksPerRank
        self.timing = timing
        self.mtpSampling = mtpSampling
        self.generator = generator
        self.acceleratorKind = acceleratorKind
        self.diesPerAccelerator = diesPerAccelerator
        ranksPerReplica = layout.attentionDataParallel
        pipelineDepth = layout.pipelineParallel
        maxBatch = limits.maxBatchPerRank
        tokenBudget = limits.maxBatchedTokensPerRank
        chunkedPrefill = limits.chunkedPrefill
        blockTokens = limits.kvBlockTokens
        prefixCaching = limits.prefixCaching
        policy = limits.policy
        reservesWholeSequence = limits.preemption == .guaranteedNoEvict
        decodeStepTokens = stepTokens
        let rank = Rank(pool: KVBlockPool(capacity: kvBlocksPerRank))
        ranks = Array(repeating: rank, count: deployment.replicas * layout.attentionDataParallel)
        inPass = Array(repeating: 0, count: ranks.count * layout.pipelineParallel)
        wordsPerReplica = (layout.attentionDataParallel + 63) / 64
        ranksWithWork = Array(repeating: 0, count: deployment.replicas * wordsPerReplica)
        ranksInPass = Array(repeating: 0, count: deployment.replicas * layout.pipelineParallel * wordsPerReplica)
        loadScores = Array(repeating: 0, count: ranks.count)
        replicas = Array(
            repeating: Replica(freePasses: (0..<Int32(layout.pipelineParallel)).reversed()), count: deployment.replicas)
        loads = Array(repeating: RankLoad(), count: layout.attentionDataParallel)
        counters.blocksPerRank = kvBlocksPerRank
    }

    public var descriptor: BackendDescriptor {
        let layout = deployment.layout, limits = deployment.limits
        let dies = deployment.replicas * layout.diesPerReplica
        var entries: [BackendDescriptor.ConfigurationEntry] = [
            .init("deployment", deployment.name),
            .init("replicas", "\(deployment.replicas)"),
            .init(
                "layout",
                "tp=\(layout.tensorParallel) dp=\(layout.attentionDataParallel) ep=\(layout.expertParallel) pp=\(layout.pipelineParallel)"),
            .init("router", deployment.router.rawValue),
            .init("policy", limits.policy == .decodeFirst ? "decode-first" : "prefill-first"),
            .init("max_batch_per_rank", "\(limits.maxBatchPerRank)"),
            .init("max_batched_tokens_per_rank", "\(limits.maxBatchedTokensPerRank)"),
            .init("chunked_prefill", limits.chunkedPrefill ? "on" : "off"),
            .init("kv_block_tokens", "\(limits.kvBlockTokens)"),
            .init("kv_blocks_per_rank", "\(kvBlocksPerRank)"),
            .init("prefix_caching", limits.prefixCaching ? "on" : "off"),
            .init("preemption", limits.preemption.rawValue),
        ]
        if deployment.mtp.draftTokens > 0 {
            entries.append(
                .init(
                    "mtp",
                    "on (\(deployment.mtp.draftTokens) draft, acceptance \(deployment.mtp.acceptanceRate), \(mtpSampling.rawValue))"))
        } else {
            entries.append(.init("mtp", "off"))
        }
        return BackendDescriptor(
            name: "aggregated", acceleratorKind: acceleratorKind,
            acceleratorCount: diesPerAccelerator.map { (dies + $0 - 1) / $0 }, dieCount: diesPerAccelerator == nil ? nil : dies,
            configuration: entries)
    }

    // MARK: arrival

    public mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>) {
        counters.requestsArrived += 1
        let prompt = max(request.inputTokens, 1)
        // Without chunked prefill a prompt is computed in one iteration; with recompute a
        // preempted request is prefilled again with its output so far, so its whole sequence must fit.
        if !chunkedPrefill {
            if reservesWholeSequence, prompt > tokenBudget {
                reject(
                    request, code: "prompt-exceeds-token-budget",
                    "prompt of \(request.inputTokens) tokens exceeds max_batched_tokens_per_rank \(tokenBudget): without chunked prefill a prompt is computed whole in one iteration (TensorRT-LLM requires max_input_len <= max_num_tokens when chunked context is off)",
                    in: &context)
                return
            }
            if !reservesWholeSequence, prompt + request.outputTokens > tokenBudget {
                reject(
                    request, code: "context-exceeds-token-budget",
                    "prompt of \(request.inputTokens) tokens and \(request.outputTokens) output tokens exceed max_batched_tokens_per_rank \(tokenBudget): without chunked prefill a prompt is computed whole in one iteration, and a preempted request is recomputed with its output so far (vLLM requires max_model_len <= max_num_batched_tokens when chunked prefill is off)",
                    in: &context)
                return
            }
        }
        let reach = kvReach(input: request.inputTokens, output: request.outputTokens)
        let most = blocks(forTokens: reach)
        if most > kvBlocksPerRank {
            reject(
                request, code: "kv-exceeds-rank-blocks",
                "prompt of \(request.inputTokens) tokens and \(request.outputTokens) output tokens need \(most) KV blocks of \(blockTokens) tokens, more than the \(kvBlocksPerRank) an attention rank has",
                in: &context)
            return
        }
        let useHashes = prefixCaching && !request.prefixBlockHashes.isEmpty && request.prefixBlockTokens > 0
            && request.prefixBlockTokens % blockTokens == 0
        let (replica, rank) = route(request, useHashes: useHashes)
        let tracked = Tracked(
            input: request.inputTokens, output: request.outputTokens, rank: Int32(rank),
            prefixBlocks: Int32(clamping: request.prefixBlockHashes.count),
            prefixBlockTokens: useHashes ? Int32(clamping: request.prefixBlockTokens) : 0)
        let slot = allocate(tracked, identity: Identity(request, keepHashes: useHashes))
        ranks[rank].waiting.append(slot)
        loadScores[rank] += Rank.waitingWeight
        let local = rank - replica * ranksPerReplica
        ranksWithWork[replica * wordsPerReplica + local / 64] |= 1 << UInt64(local % 64)
        replicas[replica].requests += 1
        counters.peakWaitingPerRank = max(counters.peakWaitingPerRank, ranks[rank].waitingCount)
        claimBegin(replica, in: &context)
    }

    /// Engine blocks holding `tokens` tokens.
    @inline(__always) func blocks(forTokens tokens: Int) -> Int { (tokens + blockTokens - 1) / blockTokens }

    /// The most context a request's KV ever holds: its last decode step reserves 1 + drafts slots
    /// after prompt + output − 2 tokens (the last token sampled is never written); a request with
    /// no output only its prompt.
    @inline(__always) func kvReach(input: Int, output: Int) -> Int {
        let prompt = max(input, 1)
        return output == 0 ? prompt : prompt + output + decodeStepTokens - 2
    }

    /// The replica and the (global) rank for a new request.
    mutating func route(_ request: ServingRequest, useHashes: Bool) -> (replica: Int, rank: Int) {
        switch deployment.router {
        case .roundRobin:
            let replica = nextRoundRobin
            nextRoundRobin = (nextRoundRobin + 1) % replicas.count
            return (replica, leastLoadedRank(of: replica))
        case .leastLoaded:
            let replica = leastLoadedReplica()
            return (replica, leastLoadedRank(of: replica))
        case .prefixAware:
            if useHashes {
                let hashes = request.prefixBlockHashes
                let limit = min(hashes.count, max(request.inputTokens, 1) / request.prefixBlockTokens)
                var best = -1, bestRun = 0, bestLoad = Int.max
                for rank in ranks.indices {
                    let run = ranks[rank].pool.leadingRunLength(hashes, limit: limit)
                    guard run > 0 else { continue }
                    let load = replicas[rank / ranksPerReplica].requests
                    if run > bestRun || (run == bestRun && load < bestLoad) {
                        best = rank
                        bestRun = run
                        bestLoad = load
                    }
                }
                if best >= 0 { return (best / ranksPerReplica, best) }
            }
            let replica = leastLoadedReplica()
            return (replica, leastLoadedRank(of: replica))
        }
    }

    func leastLoadedReplica() -> Int {
        var best = 0
        for replica in replicas.indices.dropFirst() where replicas[replica].requests < replicas[best].requests { best = replica }
        return best
    }

    func leastLoadedRank(of replica: Int) -> Int {
        let lower = replica * ranksPerReplica
        var best = lower, bestScore = loadScores[lower]
        for rank in (lower + 1)..<(lower + ranksPerReplica) {
            let score = loadScores[rank]
            if score < bestScore {
                best = rank
                bestScore = score
            }
        }
        return best
    }

    mutating func allocate(_ tracked: Tracked, identity: Identity) -> Int32 {
        if let slot = freeSlots.popLast() {
            slots[Int(slot)] = tracked
            identities[Int(slot)] = identity
            return slot
        }
        slots.append(tracked)
        identities.append(identity)
        return Int32(slots.count - 1)
    }

    mutating func reject(_ request: ServingRequest, code: String, _ message: String, in context: inout ServingContext<Event>) {
        counters.requestsRejected += 1
        context.report(.rejected(request, at: context.now, Rejection(code: code, message: message)))
    }

    // MARK: events

    public mutating func handle(_ event: Event, in context: inout ServingContext<Event>) {
        switch event {
        case .begin(let replica): beginPass(Int(replica), in: &context)
        case .end(let replica, let pass): endPass(Int(replica), pass: Int(pass), in: &context)
        }
    }

    /// Schedules a begin event for `replica` when it may start a pass and none is scheduled:
    /// now, or when its first pipeline stage frees.
    mutating func claimBegin(_ replica: Int, in context: inout ServingContext<Event>) {
        guard !replicas[replica].beginScheduled, replicas[replica].passesInFlight < pipelineDepth else { return }
        replicas[replica].beginScheduled = true
        let at = max(context.now, replicas[replica].nextBeginAllowed)
        context.schedule(.begin(replica: Int32(replica)), at: at)
    }

    /// Requests in the backend now (waiting or running).
    public var requestsInFlight: Int { slots.count - freeSlots.count }
}
