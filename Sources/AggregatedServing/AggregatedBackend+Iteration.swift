import CostModel
import DiscreteEvent
import Serving

/// How a pass is formed, run and finished.
///
/// **Decode-first** (`SchedulingPolicy.decodeFirst`, vLLM V1 `Scheduler.schedule()` in
/// `vllm/v1/core/sched/scheduler.py`). Each rank has a token budget
/// (`maxBatchedTokensPerRank`, vLLM `max_num_batched_tokens`). First the running requests, in
/// admission order: a decoding request takes one step of 1 + draft tokens (vLLM schedules the
/// sampled token and the spec tokens to verify), a request still prefilling takes its next
/// chunk, as much of what is left as the budget holds. Each needs KV blocks for the tokens it
/// computes; when the pool cannot give them, the last running request is preempted
/// (`self.running.pop()`, `_preempt_request`) until it can, and if that is the request itself
/// the running pass stops. Then, only if nothing was preempted in this pass, waiting requests
/// in order (preempted ones at the head) while budget, `maxBatchPerRank` (`max_num_seqs`) and
/// blocks allow: each gets its cached prefix (leading hashes found in the rank's cache, capped so
/// at least one token is computed: vLLM `max_cache_hit_length = num_tokens - 1`) and a first
/// chunk of what is left — cut to the budget with chunked prefill, or admitted only whole
/// without it (`if not enable_chunked_prefill and num_new_tokens > token_budget: break`). The
/// first waiting request that does not fit stops the admissions (FCFS, no skipping).
/// vLLM's `long_prefill_token_threshold` (off by default) is not modelled. Under guaranteed
/// no-evict (TensorRT-LLM's capacity scheduler) a waiting request needs the blocks of its whole
/// sequence, not of its first chunk, and gets them all at admission; a running request then never
/// needs another block, so nothing is preempted.
///
/// **Prefill-first** (`SchedulingPolicy.prefillFirst`, SGLang `Scheduler.get_next_batch_to_run`
/// in `python/sglang/srt/managers/scheduler.py`). If a prompt is being chunked or prompts wait
/// and blocks allow, the rank's batch is a prefill batch (`get_new_batch_prefill`): the chunked
/// request's next chunk first, then new prompts as above within the budget (SGLang
/// `chunked_prefill_size`) and the running cap (`max_running_requests`); otherwise it is a
/// decode batch of every decoding request (`update_running_batch`), preempting the last admitted
/// when blocks run out (SGLang's `retract_decode` picks its victims by output length instead,
/// fewest first; the rule here is vLLM's for both policies). The two are not mixed, as SGLang
/// without `--enable-mixed-chunk`; a decode batch is held to the same token budget so that every
/// batch keeps it. SGLang's admission also reserves room for the running requests' future output
/// (`new_token_ratio`); this admits on the blocks free now, as vLLM does, and relies on preemption.
///
/// With `pipelineParallel` > 1 a request already in a pass in flight is skipped (vLLM V1
/// schedules no new tokens for it) and is never chosen for preemption.
extension AggregatedBackend {
    /// Forms a pass of `replica` if it may start one and has work; schedules its end.
    mutating func beginPass(_ replica: Int, in context: inout ServingContext<Event>) {
        replicas[replica].beginScheduled = false
        guard replicas[replica].passesInFlight < pipelineDepth else { return }
        if context.now < replicas[replica].nextBeginAllowed {
            claimBegin(replica, in: &context)
            return
        }
        guard let pass = replicas[replica].freePasses.popLast() else { return }
        if checksInvariantsEveryIteration { checkRankSets(replica: replica) }
        let lower = replica * ranksPerReplica
        let workWords = replica * wordsPerReplica
        let passWords = (replica * pipelineDepth + Int(pass)) * wordsPerReplica
        var busy = false, prompt = false
        // The ranks with work, in rank order as before; the others join the pass idle, their
        // `loads` entries already idle.
        for w in 0..<wordsPerReplica {
            var bits = ranksWithWork[workWords + w]
            var joined: UInt64 = 0
            while bits != 0 {
                // Most ranks in one sweep; the first it cannot form, the general way below. With
                // the invariant check on, one rank a sweep, so that each is checked as formed.
                let before = bits
                let requests = formDecodingRanks(
                    lower: lower, base: w * 64, bits: &bits, joined: &joined, pass: Int(pass), oneRank: checksInvariantsEveryIteration)
                if bits != before {
                    if requests > 0 { busy = true }
                    if checksInvariantsEveryIteration {
                        let local = w * 64 + before.trailingZeroBitCount
                        checkInvariants(
                            rank: lower + local, pass: Int(pass), budgetLeft: tokenBudget - loads[local].decodeRequests * decodeStepTokens,
                            load: loads[local])
                    }
                    continue
                }
                let bit = bits.trailingZeroBitCount
                bits &= bits - 1
                let local = w * 64 + bit
                let g = lower + local
                guard !ranks[g].running.isEmpty || !ranks[g].resumed.isEmpty || !ranks[g].waiting.isEmpty else {
                    ranksWithWork[workWords + w] &= ~(1 << UInt64(bit))
                    continue
                }
                let formed = formBatch(rank: g, local: local, pass: Int(pass), in: &context)
                if formed.busy { busy = true }
                if formed.prompt { prompt = true }
                if formed.joined > 0 { joined |= 1 << UInt64(bit) }
            }
            ranksInPass[passWords + w] = joined
        }
        defer { clearLoads(passWords: passWords) }
        guard busy else {
            replicas[replica].freePasses.append(pass)
            return
        }
        let micro = timing.iterationMicroseconds(ranks: loads)
        let stageMicro = pipelineDepth > 1 ? timing.stageMicroseconds(ranks: loads) : micro
        let duration = SimDuration(nanoseconds: max(1, SimDuration(roundingNanoseconds: micro * 1_000).nanoseconds))
        let stage = SimDuration(nanoseconds: max(1, SimDuration(roundingNanoseconds: stageMicro * 1_000).nanoseconds))
        counters.iterations += 1
        if prompt { counters.passesWithPrompt += 1 }
        counters.busySeconds += stage.seconds
        replicas[replica].passesInFlight += 1
        replicas[replica].nextBeginAllowed = context.now + stage
        context.schedule(.end(replica: Int32(replica), pass: pass), after: duration)
        if pipelineDepth > 1 { claimBegin(replica, in: &context) }
    }

    /// The decode steps of rank `g`'s running requests for pass slot `pass`, in admission order:
    /// each request not in a pass takes `step` tokens, provided all of them are decoding and hold
    /// the blocks their step reaches. The requests scheduled and their context before the step;
    /// nil, with nothing changed, if any request fails (the rank is then formed the general way).
    /// Static, over `ranks` and a buffer of `slots`, so that the caller's loops read the running
    /// list by index without retaining it and write the records without a uniqueness check each.
    @inline(__always) static func stepDecoders(
        ranks: [Rank], rank g: Int, pass: Int32, step: Int, blockTokens: Int, slots: UnsafeMutableBufferPointer<Tracked>
    ) -> (requests: Int, contextTokens: Int)? {
        var joined = 0, contextTokens = 0
        let count = ranks[g].running.count
        for index in 0..<count {
            let s = Int(ranks[g].running[index])
            if slots[s].scheduled > 0 { continue }
            let computed = slots[s].computed
            let room = slots[s].privateBlocks &* blockTokens &+ Int(slots[s].sharedEntries) &* Int(slots[s].prefixBlockTokens)
            guard computed >= slots[s].target && computed &+ step <= room else {
                // Undo: the requests this loop put in the pass are the only ones in it (a pass
                // slot being formed holds nobody).
                for earlier in 0..<index {
                    let e = Int(ranks[g].running[earlier])
                    if slots[e].scheduled > 0 && slots[e].pass == pass { slots[e].scheduled = 0 }
                }
                return nil
            }
            slots[s].scheduled = step
            slots[s].pass = pass
            joined &+= 1
            contextTokens &+= computed
        }
        return (joined, contextTokens)
    }

    /// Forms, in rank order, the batches of the ranks in `bits` (bit i: local rank `base + i` of
    /// the replica starting at global rank `lower`) whose running requests are all decoding (or
    /// in a pass in flight), hold the blocks of their next step and fit the budget, with nothing
    /// waiting: each decoder takes a step, as `formBatch` would schedule it. Clears each formed
    /// rank's bit, sets it in `joined` if a request joined the pass, and counts the statistics;
    /// stops, the bit left set and nothing of that rank changed, at the first rank it cannot
    /// form, and with `oneRank` after one rank. Returns the requests it scheduled.
    ///
    /// One sweep for most of a pass's ranks, the arrays it writes checked for uniqueness once: per
    /// rank, `formBatch` cost more (a call, three uniqueness checks, a load built and copied,
    /// counters written back) than the steps of the rank's two or three requests.
    @inline(__always) mutating func formDecodingRanks(
        lower: Int, base: Int, bits: inout UInt64, joined: inout UInt64, pass p: Int, oneRank: Bool
    ) -> Int {
        let step = decodeStepTokens, blockTokens = self.blockTokens, budget = tokenBudget, depth = pipelineDepth
        let pass = Int32(p)
        var requests = 0, ranksJoined = 0
        slots.withUnsafeMutableBufferPointer { slots in
            loads.withUnsafeMutableBufferPointer { loads in
                inPass.withUnsafeMutableBufferPointer { inPass in
                    while bits != 0 {
                        let bit = bits.trailingZeroBitCount
                        let local = base + bit
                        let g = lower + local
                        let count = ranks[g].running.count
                        guard count > 0 && ranks[g].resumed.isEmpty && ranks[g].waiting.isEmpty && count &* step <= budget else { return }
                        guard let (joinedHere, contextTokens) = Self.stepDecoders(
                            ranks: ranks, rank: g, pass: pass, step: step, blockTokens: blockTokens, slots: slots)
                        else { return }
                        if joinedHere > 0 {
                            // The rank's load and pass count were idle and 0 (checked by the invariants).
                            loads[local].decodeRequests = joinedHere
                            loads[local].decodeContextTokens = contextTokens
                            inPass[g &* depth &+ p] = Int32(truncatingIfNeeded: joinedHere)
                            joined |= 1 << UInt64(bit)
                            requests &+= joinedHere
                            ranksJoined &+= 1
                        }
                        bits &= bits &- 1
                        if oneRank { return }
                    }
                }
            }
        }
        counters.rankIterations += ranksJoined
        counters.scheduledRequests += requests
        counters.decodeTokensComputed += requests * step
        return requests
    }

    /// Makes `loads` idle again after a pass was timed: only the ranks that joined it (its bits
    /// at `passWords` in `ranksInPass`) can have a load that is not idle, since a rank computes
    /// something only with a request in the pass (`checkRankSets` checks all idle before a pass).
    mutating func clearLoads(passWords: Int) {
        let words = wordsPerReplica
        loads.withUnsafeMutableBufferPointer { loads in
            for w in 0..<words {
                var bits = ranksInPass[passWords + w]
                while bits != 0 {
                    loads[w * 64 + bits.trailingZeroBitCount] = RankLoad()
                    bits &= bits &- 1
                }
            }
        }
    }

    /// One rank's batch for pass slot `pass`, as its policy forms it, its load written to
    /// `loads[local]`: whether the rank computes anything, whether a prompt chunk, and how many
    /// requests it put in the pass (the slot was empty, so its `inPass` count).
    mutating func formBatch(
        rank g: Int, local: Int, pass p: Int, in context: inout ServingContext<Event>
    ) -> (busy: Bool, prompt: Bool, joined: Int32) {
        var load = RankLoad()
        var budget = tokenBudget
        var limited = false
        // A rank comes here when `formDecodingRanks` could not form it. If only because requests
        // wait, decode-first steps its decoders the fast way and then admits, as after any running
        // pass that preempted nothing (prefill-first would prefill them instead); in every other
        // case the fast path failed already, and the batch is formed the general way.
        if policy == .decodeFirst && ranks[g].waitingCount > 0, scheduleDecodingFast(rank: g, pass: p, budget: &budget, load: &load) {
            admitWaiting(rank: g, pass: p, budget: &budget, load: &load, limited: &limited, now: context.now)
        } else {
            formBatchInGeneral(rank: g, pass: p, budget: &budget, load: &load, limited: &limited, in: &context)
        }
        let scheduled = inPass[g * pipelineDepth + p]
        if scheduled > 0 {
            counters.rankIterations += 1
            counters.scheduledRequests += Int(scheduled)
            if limited { counters.budgetLimitedIterations += 1 }
            if load.prefillTokens > 0 && load.decodeRequests > 0 { counters.mixedIterations += 1 }
        }
        if checksInvariantsEveryIteration { checkInvariants(rank: g, pass: p, budgetLeft: budget, load: load) }
        loads[local] = load
        return (!load.isIdle, load.prefillTokens > 0, scheduled)
    }

    /// Rank `g`'s batch by the general rules of its policy, from the full budget (when the fast
    /// path does not apply).
    mutating func formBatchInGeneral(
        rank g: Int, pass p: Int, budget: inout Int, load: inout RankLoad, limited: inout Bool, in context: inout ServingContext<Event>
    ) {
        switch policy {
        case .decodeFirst:
            let preempted = scheduleRunning(
                rank: g, pass: p, budget: &budget, load: &load, limited: &limited, prefills: true, decodes: true, in: &context)
            // Asked only when something waits: most ranks, most passes, have nothing waiting, and the
            // call alone cost more than the decode steps of a rank's few requests.
            if !preempted && ranks[g].waitingCount > 0 {
                admitWaiting(rank: g, pass: p, budget: &budget, load: &load, limited: &limited, now: context.now)
            }
        case .prefillFirst:
            let preempted = scheduleRunning(
                rank: g, pass: p, budget: &budget, load: &load, limited: &limited, prefills: true, decodes: false, in: &context)
            if !preempted && ranks[g].waitingCount > 0 {
                admitWaiting(rank: g, pass: p, budget: &budget, load: &load, limited: &limited, now: context.now)
            }
            if load.prefillTokens == 0 {
                limited = false
                _ = scheduleRunning(
                    rank: g, pass: p, budget: &budget, load: &load, limited: &limited, prefills: false, decodes: true, in: &context)
            }
        }
    }

    /// The running requests of rank `g` when each is decoding or already in a pass, each decoder
    /// holds the blocks its step reaches, and the budget holds a step for every one of them:
    /// what `scheduleRunning` does then (every decoder takes a step, in admission order, none is
    /// limited, preempted or given a block), with one uniqueness check for the whole rank and
    /// no per-request branch on the policy. False, with nothing changed, when any condition
    /// fails: the caller then forms the batch the general way.
    @inline(__always) mutating func scheduleDecodingFast(rank g: Int, pass p: Int, budget: inout Int, load: inout RankLoad) -> Bool {
        let step = decodeStepTokens, blockTokens = self.blockTokens, pass = Int32(p)
        guard ranks[g].running.count &* step <= budget else { return false }
        let stepped = slots.withUnsafeMutableBufferPointer { slots in
            Self.stepDecoders(ranks: ranks, rank: g, pass: pass, step: step, blockTokens: blockTokens, slots: slots)
        }
        guard let (joined, contextTokens) = stepped else { return false }
        let tokens = joined &* step
        budget -= tokens
        load.decodeRequests += joined
        load.decodeContextTokens += contextTokens
        counters.decodeTokensComputed += tokens
        inPass[g * pipelineDepth + p] += Int32(joined)
        return true
    }

    /// The running requests of rank `g`, in admission order: their decode steps and/or next
    /// prompt chunks, preempting from the back when blocks run out. True if it preempted.
    mutating func scheduleRunning(
        rank g: Int, pass p: Int, budget: inout Int, load: inout RankLoad, limited: inout Bool, prefills: Bool, decodes: Bool,
        in context: inout ServingContext<Event>
    ) -> Bool {
        var preempted = false
        // Counted here and stored once: a write into a nested array per request showed.
        var decodeTokens = 0, joined: Int32 = 0
        defer {
            counters.decodeTokensComputed += decodeTokens
            inPass[g * pipelineDepth + p] += joined
        }
        var i = 0
        while i < ranks[g].running.count {
            let s = Int(ranks[g].running[i])
            // Only the fields needed are read: copying the whole `Tracked` per request per pass showed.
            let computed = slots[s].computed, target = slots[s].target
            let prefilling = computed < target
            if slots[s].scheduled > 0 || (prefilling ? !prefills : !decodes) {
                i += 1
                continue
            }
            let tokens: Int
            if prefilling {
                guard budget > 0 else {
                    limited = true
                    break
                }
                tokens = min(target - computed, budget)
                if tokens < target - computed { limited = true }
            } else {
                guard budget >= decodeStepTokens else {
                    limited = true
                    break
                }
                tokens = decodeStepTokens
            }
            let room = slots[s].privateBlocks * blockTokens + Int(slots[s].sharedEntries) * Int(slots[s].prefixBlockTokens)
            let need = computed + tokens <= room ? 0 : privateBlocksNeeded(s, reaching: computed + tokens)
            assert(need == 0 || !reservesWholeSequence, "a request admitted with its whole sequence reserved asked for more blocks")
            var granted = true
            while need > 0, !ranks[g].pool.allocate(need) {
                guard let victimIndex = lastPreemptable(rank: g) else {
                    granted = false
                    break
                }
                let victim = Int(ranks[g].running[victimIndex])
                preempt(victim, at: victimIndex, in: &context)
                preempted = true
                if victim == s {
                    granted = false
                    break
                }
                if victimIndex < i { i -= 1 }
            }
            // The request cannot be scheduled (vLLM: "Cannot schedule this request.") and neither
            // can those after it.
            guard granted else { break }
            slots[s].schedule(tokens, pass: Int32(p), addingBlocks: need)
            joined += 1
            budget -= tokens
            if prefilling {
                load.addChunk(tokens: tokens, context: computed, completesPrompt: computed + tokens == target)
                counters.prefillTokensComputed += tokens
                counters.prefillChunks += 1
            } else {
                load.decodeRequests += 1
                load.decodeContextTokens += computed
                decodeTokens += tokens
            }
            i += 1
        }
        return preempted
    }

    /// Private blocks request `s` must add so its blocks hold `tokens` tokens of context.
    @inline(__always) func privateBlocksNeeded(_ s: Int, reaching tokens: Int) -> Int {
        let shared = Int(slots[s].sharedEntries) * Int(slots[s].prefixBlockTokens)
        return max(0, blocks(forTokens: tokens - shared) - slots[s].privateBlocks)
    }

    /// The index in rank `g`'s running list of the request to preempt: the last one not in a pass.
    func lastPreemptable(rank g: Int) -> Int? {
        var index = ranks[g].running.count - 1
        while index >= 0 {
            let s = Int(ranks[g].running[index])
            if slots[s].scheduled == 0 && slots[s].state == .running { return index }
            index -= 1
        }
        return nil
    }

    /// Waiting requests of rank `g` in order, while budget, the batch cap and blocks allow.
    mutating func admitWaiting(
        rank g: Int, pass p: Int, budget: inout Int, load: inout RankLoad, limited: inout Bool, now: SimTime
    ) {
        while let head = ranks[g].headOfWaiting {
            guard budget > 0 else {
                limited = true
                return
            }
            guard ranks[g].running.count < maxBatch else { return }
            let s = Int(head)
            let prompt = max(slots[s].input, 1)
            let target = prompt + slots[s].produced
            let blockTokensOfTrace = Int(slots[s].prefixBlockTokens)
            var hit = 0, evictableHit = 0
            if blockTokensOfTrace > 0 {
                let limit = min(identities[s].prefixBlockHashes.count, prompt / blockTokensOfTrace, (target - 1) / blockTokensOfTrace)
                (hit, evictableHit) = ranks[g].pool.leadingRun(identities[s].prefixBlockHashes, limit: limit)
            }
            let cached = hit * blockTokensOfTrace
            let newTokens = target - cached
            if !chunkedPrefill && newTokens > budget {
                limited = true
                return
            }
            let chunk = min(newTokens, budget)
            // Guaranteed no-evict reserves the whole sequence now (TensorRT-LLM's capacity
            // scheduler counts a request's blocks to completion against the free ones).
            let need = reservesWholeSequence
                ? blocks(forTokens: kvReach(input: slots[s].input, output: slots[s].output) - cached)
                : blocks(forTokens: chunk)
            guard ranks[g].pool.available - evictableHit >= need else { return }

            if ranks[g].resumed.isEmpty { _ = ranks[g].waiting.removeFirst() } else { _ = ranks[g].resumed.removeLast() }
            for j in 0..<hit { ranks[g].pool.reference(identities[s].prefixBlockHashes[j]) }
            let allocated = ranks[g].pool.allocate(need)
            assert(allocated, "blocks counted as available could not be allocated")
            if slots[s].serviceStart == nil {
                slots[s].serviceStart = now
                slots[s].cachedTokens = cached
                slots[s].cachedBlocks = Int32(hit)
            }
            if blockTokensOfTrace > 0 {
                counters.prefixLookups += 1
                counters.prefixHitBlocks += hit
                counters.prefixHitTokens += cached
            }
            slots[s].target = target
            slots[s].computed = cached
            slots[s].sharedEntries = Int32(hit)
            slots[s].privateBlocks = need
            slots[s].state = .running
            slots[s].scheduled = chunk
            slots[s].pass = Int32(p)
            ranks[g].running.append(Int32(s))
            loadScores[g] += 1 - Rank.waitingWeight
            inPass[g * pipelineDepth + p] += 1
            budget -= chunk
            if chunk < newTokens { limited = true }
            load.addChunk(tokens: chunk, context: cached, completesPrompt: chunk == newTokens)
            counters.prefillTokensComputed += chunk
            counters.prefillChunks += 1
        }
    }

    /// Frees running request `s` (at `index` in its rank's running list) and puts it at the head
    /// of the waiting queue, to be prefilled again with its output so far (recompute).
    mutating func preempt(_ s: Int, at index: Int, in context: inout ServingContext<Event>) {
        let g = Int(slots[s].rank)
        ranks[g].running.remove(at: index)
        releaseBlocks(s)
        counters.preemptions += 1
        if slots[s].firstToken != nil {
            // Close the request's segment of steady tokens; the stall before its next token is
            // reported as one gap when it resumes.
            reportSegment(s, until: slots[s].lastToken, in: &context)
            slots[s].segmentStart = slots[s].lastToken
            slots[s].segmentProduced = slots[s].produced
        }
        slots[s].computed = 0
        slots[s].target = 0
        slots[s].state = .waiting
        ranks[g].resumed.append(Int32(s))
        loadScores[g] += Rank.waitingWeight - 1
        counters.peakWaitingPerRank = max(counters.peakWaitingPerRank, ranks[g].waitingCount)
    }

    /// Returns request `s`'s blocks: private ones freed, cached prefix entries released in
    /// reverse order (vLLM frees a request's blocks tail first, so its prefix is evicted last).
    mutating func releaseBlocks(_ s: Int) {
        let g = Int(slots[s].rank)
        if slots[s].privateBlocks > 0 {
            ranks[g].pool.releasePrivate(slots[s].privateBlocks)
            slots[s].privateBlocks = 0
        }
        var j = Int(slots[s].sharedEntries) - 1
        while j >= 0 {
            ranks[g].pool.release(identities[s].prefixBlockHashes[j])
            j -= 1
        }
        slots[s].sharedEntries = 0
    }

    // MARK: the end of a pass

    /// A pass of `replica` ends: every request in it advances by the tokens it computed.
    mutating func endPass(_ replica: Int, pass: Int, in context: inout ServingContext<Event>) {
        let lower = replica * ranksPerReplica
        let passWords = (replica * pipelineDepth + pass) * wordsPerReplica
        for w in 0..<wordsPerReplica {
            // The ranks with requests in this pass, in rank order, and within a rank in running
            // (admission) order, as the pass was formed; a request completing here stays listed
            // until its rank is compacted, right after its rank's requests are advanced.
            var bits = ranksInPass[passWords + w]
            var start = 0
            while bits != 0 {
                guard let stop = advanceRanks(base: lower + w * 64, bits: &bits, start: &start, pass: Int32(pass), now: context.now) else {
                    break
                }
                switch stop.progress {
                case .promptComputed: finishPrompt(stop.slot, in: &context)
                case .outputComplete: complete(stop.slot, in: &context)
                case .continuing: compactRunning(rank: stop.rank)
                }
            }
            ranksInPass[passWords + w] = 0
        }
        if checksInvariantsEveryIteration { checkPassEnded(replica: replica, pass: pass) }
        replicas[replica].passesInFlight -= 1
        replicas[replica].freePasses.append(Int32(pass))
        claimBegin(replica, in: &context)
    }

    /// Advances the requests in pass slot `pass` of the ranks in `bits` (bit i: global rank
    /// `base + i`), in rank order, from running index `start` of the first, clearing each rank's
    /// bit and `inPass` count when its requests are done. Stops when a request finishes its prompt
    /// or its output (returned with its progress, `start` set past it, its rank's bit kept: the
    /// caller finishes it and calls again), or after a rank whose requests completed (returned
    /// with `.continuing`: the caller compacts its running list); nil when all are advanced.
    /// The requests that only continue, most of them, are advanced in one sweep, `slots` and
    /// `inPass` checked for uniqueness once.
    @inline(__always) mutating func advanceRanks(
        base: Int, bits: inout UInt64, start: inout Int, pass: Int32, now: SimTime
    ) -> (slot: Int, rank: Int, progress: Tracked.Progress)? {
        let depth = pipelineDepth
        return slots.withUnsafeMutableBufferPointer { slots in
            inPass.withUnsafeMutableBufferPointer { inPass in
                while bits != 0 {
                    let g = base + bits.trailingZeroBitCount
                    let count = ranks[g].running.count
                    var index = start
                    while index < count {
                        let s = Int(ranks[g].running[index])
                        if slots[s].scheduled > 0 && slots[s].pass == pass {
                            let progress = slots[s].computeScheduled(at: now)
                            if progress != .continuing {
                                start = index + 1
                                return (s, g, progress)
                            }
                        }
                        index += 1
                    }
                    inPass[g &* depth &+ Int(pass)] = 0
                    bits &= bits &- 1
                    start = 0
                    if ranks[g].finishedInRunning > 0 { return (-1, g, .continuing) }
                }
                return nil
            }
        }
    }

    /// Request `s`'s prompt (and, after a preemption, its output so far) is computed: its full
    /// prompt blocks join the prefix cache, and it samples a token.
    mutating func finishPrompt(_ s: Int, in context: inout ServingContext<Event>) {
        let traceBlock = Int(slots[s].prefixBlockTokens)
        if traceBlock > 0 {
            let g = Int(slots[s].rank)
            let weight = traceBlock / blockTokens
            let full = min(identities[s].prefixBlockHashes.count, max(slots[s].input, 1) / traceBlock)
            var j = Int(slots[s].sharedEntries)
            while j < full {
                if !ranks[g].pool.insert(identities[s].prefixBlockHashes[j], weight: weight) {
                    ranks[g].pool.releasePrivate(weight)
                }
                slots[s].privateBlocks -= weight
                j += 1
            }
            slots[s].sharedEntries = Int32(max(Int(slots[s].sharedEntries), full))
        }
        guard slots[s].output > 0 else {
            complete(s, in: &context)
            return
        }
        slots[s].produced += 1
        let now = context.now
        if slots[s].firstToken == nil {
            slots[s].firstToken = now
        } else {
            // Readmitted after a preemption: the stall since its last token is one gap.
            context.reportInterTokenGaps(now - slots[s].segmentStart, count: 1)
        }
        slots[s].segmentStart = now
        slots[s].segmentProduced = slots[s].produced
        slots[s].lastToken = now
        guard slots[s].produced < slots[s].output else {
            complete(s, in: &context)
            return
        }
        let left = slots[s].output - slots[s].produced
        let steps: Int
        switch mtpSampling {
        case .expected: steps = MTPProgress.expectedSteps(tokens: left, mtp: deployment.mtp)
        case .sampled: steps = MTPProgress.sampledSteps(tokens: left, mtp: deployment.mtp, generator: &generator)
        }
        slots[s].planSteps = steps
        slots[s].planQuotient = left / steps
        slots[s].planRemainder = left % steps
        slots[s].planAccumulator = 0
    }

    /// Reports request `s`'s gaps since its segment began, evenly spread up to `end`.
    mutating func reportSegment(_ s: Int, until end: SimTime, in context: inout ServingContext<Event>) {
        let count = slots[s].produced - slots[s].segmentProduced
        guard count > 0 else { return }
        let mean = (end - slots[s].segmentStart).nanoseconds / Int64(count)
        context.reportInterTokenGaps(SimDuration(nanoseconds: mean), count: count)
    }

    /// Request `s` produced its last token: its blocks are returned and its outcome reported.
    mutating func complete(_ s: Int, in context: inout ServingContext<Event>) {
        let g = Int(slots[s].rank)
        releaseBlocks(s)
        slots[s].state = .finished
        ranks[g].finishedInRunning += 1
        loadScores[g] -= 1
        replicas[g / ranksPerReplica].requests -= 1
        if slots[s].firstToken != nil { reportSegment(s, until: context.now, in: &context) }
        let request = slots[s]
        if checksInvariantsEveryIteration && request.produced != request.output && counters.invariantViolations.count < 100 {
            counters.invariantViolations.append(
                "request \(identities[s].id): produced \(request.produced) tokens, asked \(request.output)")
        }
        context.report(
            RequestOutcome(
                requestID: identities[s].id, disposition: .completed, arrival: identities[s].arrival,
                serviceStart: request.serviceStart, firstToken: request.firstToken, finish: context.now,
                inputTokens: request.input, outputTokens: request.produced, cachedPrefixTokens: request.cachedTokens,
                prefixBlocks: Int(request.prefixBlocks), cachedPrefixBlocks: Int(request.cachedBlocks),
                origin: identities[s].origin))
        counters.requestsCompleted += 1
        if !identities[s].prefixBlockHashes.isEmpty { identities[s].prefixBlockHashes = [] }
        freeSlots.append(Int32(s))
    }

    /// Drops the finished requests from rank `g`'s running list, keeping the others' order.
    mutating func compactRunning(rank g: Int) {
        var kept = 0
        for index in 0..<ranks[g].running.count {
            let s = ranks[g].running[index]
            if slots[Int(s)].state != .finished {
                ranks[g].running[kept] = s
                kept += 1
            }
        }
        ranks[g].running.removeLast(ranks[g].running.count - kept)
        ranks[g].finishedInRunning = 0
    }
}
