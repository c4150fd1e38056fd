import DiscreteEvent
import Serving

extension AggregatedBackend {
    /// Counters for reports, `cmbench plan` and tests.
    public struct Statistics: Sendable, Equatable {
        public var requestsArrived = 0
        public var requestsCompleted = 0
        public var requestsRejected = 0
        /// Passes of a replica through its model (one per iteration with `pipelineParallel` 1).
        public var iterations = 0
        /// Rank batches that computed something (an idle rank in an iteration is not counted).
        public var rankIterations = 0
        /// Requests scheduled, summed over rank batches: `meanBatch` divides it by `rankIterations`.
        public var scheduledRequests = 0
        /// Rank batches that left work undone for lack of token budget (a prompt cut into a chunk,
        /// a running request skipped, a waiting one left waiting).
        public var budgetLimitedIterations = 0
        /// Rank batches holding both prompt chunks and decode steps.
        public var mixedIterations = 0
        /// Passes in which some rank computed a prompt chunk. With attention DP every rank waits
        /// at each MoE layer for the one with the chunk, and engines that replay captured CUDA
        /// graphs only for decode-only batches (TensorRT-LLM, vLLM's piecewise graphs aside) run
        /// these passes eagerly.
        public var passesWithPrompt = 0
        /// Prompt chunks computed (a prompt admitted whole is one; readmissions count again).
        public var prefillChunks = 0
        /// Requests preempted (freed and sent back to wait), counting each time.
        public var preemptions = 0
        /// Admissions that looked the prefix cache up, the cached trace blocks they found and the
        /// prompt tokens those covered (readmissions after preemption included).
        public var prefixLookups = 0
        public var prefixHitBlocks = 0
        public var prefixHitTokens = 0
        /// Cached prefix entries evicted to make room.
        public var prefixEvictions = 0
        /// Most KV blocks in use on one rank at once (private and cached), and the capacity.
        public var peakBlocksInUse = 0
        public var blocksPerRank = 0
        /// Prompt tokens computed (chunks; recomputation after preemption included) and tokens
        /// computed by decode steps (1 + draft tokens per request per step).
        public var prefillTokensComputed = 0
        public var decodeTokensComputed = 0
        /// Most requests waiting on one rank at once.
        public var peakWaitingPerRank = 0
        /// Simulated time the replicas spent in iterations, summed over replicas (seconds).
        public var busySeconds = 0.0
        /// Failures of the per-iteration invariant check (empty unless it found a bug).
        public var invariantViolations: [String] = []

        /// Tokens computed, prompt and decode together.
        public var tokensComputed: Int { prefillTokensComputed + decodeTokensComputed }
        /// Mean requests per non-idle rank batch.
        public var meanBatch: Double { rankIterations == 0 ? 0 : Double(scheduledRequests) / Double(rankIterations) }
    }

    /// The counts `replay` reports (`backend counts`, JSON `backend_counters`): how the engine
    /// batched, what it recomputed and how full its KV cache got.
    public var runCounters: [BackendCounter] {
        let s = statistics
        return [
            BackendCounter("iterations", s.iterations),
            BackendCounter("mean_batch_per_rank", s.meanBatch),
            BackendCounter("budget_limited_rank_iterations", s.budgetLimitedIterations),
            BackendCounter("mixed_rank_iterations", s.mixedIterations),
            BackendCounter("passes_with_prompt", s.passesWithPrompt),
            BackendCounter("prefill_chunks", s.prefillChunks),
            BackendCounter("preemptions", s.preemptions),
            BackendCounter("prefill_tokens_computed", s.prefillTokensComputed),
            BackendCounter("decode_tokens_computed", s.decodeTokensComputed),
            BackendCounter("prefix_evictions", s.prefixEvictions),
            BackendCounter("peak_kv_blocks_per_rank", s.peakBlocksInUse),
            BackendCounter("kv_blocks_per_rank", s.blocksPerRank),
            BackendCounter("peak_waiting_per_rank", s.peakWaitingPerRank),
        ]
    }

    /// A request in the backend: plain numbers, so reading or writing one copies no array. Its
    /// identity and prefix hashes wait in `identities` for the cache and the outcome.
    ///
    /// The fields are declared in the order the per-pass loops (`scheduleRunning`, `endPass`,
    /// `advance`) read them, so that those loops touch the first of its cache lines and rarely a
    /// second: with a few hundred requests per replica spread over dozens of ranks, these reads
    /// missed the cache more than anything else in the replay.
    struct Tracked {
        /// Tokens whose KV is computed (its context), cached prefix included.
        var computed = 0
        /// Tokens to prefill before it decodes: its prompt, plus what it had produced when it
        /// was preempted (recompute).
        var target = 0
        /// Tokens scheduled in the pass it is in, 0 when it is in none.
        var scheduled = 0
        /// Engine blocks it holds outside the prefix cache.
        var privateBlocks = 0
        /// The pass slot it is in (meaningful while `scheduled` > 0).
        var pass: Int32 = 0
        /// Leading trace blocks of its prompt it references in the cache.
        var sharedEntries: Int32 = 0
        var prefixBlockTokens: Int32
        var state: State = .waiting
        /// Output tokens produced so far.
        var produced = 0
        var output: Int
        /// Decode pacing (Bresenham): the tokens left when decoding (re)started, spread over
        /// `planSteps` steps as `quotient` or `quotient + 1` tokens a step.
        var planQuotient = 0
        var planRemainder = 0
        var planAccumulator = 0
        var planSteps = 0
        /// When its last token was produced.
        var lastToken = SimTime.zero
        var input: Int
        var rank: Int32
        var prefixBlocks: Int32
        var serviceStart: SimTime?
        var firstToken: SimTime?
        /// Inter-token gaps are reported per segment: from `segmentStart` (a token's time) over
        /// the tokens produced after `segmentProduced`.
        var segmentStart = SimTime.zero
        var segmentProduced = 0
        /// The prefix cache's help at its first admission.
        var cachedTokens = 0
        var cachedBlocks: Int32 = 0

        init(input: Int, output: Int, rank: Int32, prefixBlocks: Int32, prefixBlockTokens: Int32) {
            self.input = input
            self.output = output
            self.rank = rank
            self.prefixBlocks = prefixBlocks
            self.prefixBlockTokens = prefixBlockTokens
        }

        enum State: UInt8 { case waiting, running, finished }

        /// Whether it still has prompt (or recomputed) tokens to prefill.
        var isPrefilling: Bool { computed < target }

        /// What computing its scheduled tokens led to.
        enum Progress { case continuing, promptComputed, outputComplete }

        /// Joins pass slot `pass` with `tokens` tokens, after adding `blocks` private blocks.
        /// One call, so the array holding it is checked for uniqueness once, not per field.
        @inline(__always) mutating func schedule(_ tokens: Int, pass: Int32, addingBlocks blocks: Int) {
            if blocks > 0 { privateBlocks += blocks }
            scheduled = tokens
            self.pass = pass
        }

        /// Its pass ended at `now`: the scheduled chunk is computed, or the decode step emits its
        /// next `planQuotient` (+ 1 when the Bresenham accumulator wraps) tokens. The caller
        /// finishes the prompt or the request as the result says.
        /// (Wrapping arithmetic, without overflow checks: every number here is at most the
        /// request's KV reach, which arrival checked against the rank's blocks.)
        @inline(__always) mutating func computeScheduled(at now: SimTime) -> Progress {
            let tokens = scheduled
            scheduled = 0
            if computed < target {
                computed &+= tokens
                return computed == target ? .promptComputed : .continuing
            }
            var emitted = planQuotient
            planAccumulator &+= planRemainder
            if planAccumulator >= planSteps {
                planAccumulator &-= planSteps
                emitted &+= 1
            }
            computed &+= emitted
            produced &+= emitted
            lastToken = now
            return produced >= output ? .outputComplete : .continuing
        }
    }

    /// What only the outcome and the prefix cache read.
    struct Identity {
        var id: Int
        var arrival: SimTime
        var origin: InputLocation
        var prefixBlockHashes: [UInt64]

        init(_ request: ServingRequest, keepHashes: Bool) {
            id = request.id
            arrival = request.arrival
            origin = request.origin
            prefixBlockHashes = keepHashes ? request.prefixBlockHashes : []
        }
    }

    /// One attention rank: its scheduler's queues and its KV blocks.
    struct Rank {
        /// New requests in arrival order.
        var waiting = FIFOQueue<Int32>()
        /// Preempted requests, the last element the head of the waiting queue (ahead of
        /// `waiting`): vLLM prepends each preempted request, and preempts from the back of the
        /// running list, so the earliest admitted of them is readmitted first.
        var resumed: [Int32] = []
        /// Running requests in admission order (vLLM `self.running`).
        var running: [Int32] = []
        var pool: KVBlockPool
        /// Completed requests still listed in `running` (compacted at the end of the pass).
        var finishedInRunning = 0

        @inline(__always) var waitingCount: Int { waiting.count + resumed.count }
        /// The head of the waiting queue. (These accessors are inlined: called out of line on
        /// `ranks[g]`, each copied the whole rank, arrays retained, once per admission attempt.)
        @inline(__always) var headOfWaiting: Int32? { resumed.last ?? waiting.first }
        /// vLLM's data-parallel load score: waiting requests weigh four running ones. The router
        /// reads it from `loadScores`; the invariant check recomputes it here.
        var loadScore: Int { Self.waitingWeight * waitingCount + running.count - finishedInRunning }
        static let waitingWeight = 4
    }

    /// A replica's passes.
    struct Replica {
        var passesInFlight = 0
        var beginScheduled = false
        /// The earliest a new pass may begin (the first stage frees).
        var nextBeginAllowed = SimTime.zero
        var freePasses: [Int32]
        /// Requests in it (waiting and running), for the least-loaded router.
        var requests = 0
    }
}

