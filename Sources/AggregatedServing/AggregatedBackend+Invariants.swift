import CostModel

/// The per-iteration check tests turn on (`checksInvariantsEveryIteration`).
extension AggregatedBackend {
    /// Rank `g` just formed its batch for pass slot `p` with `budgetLeft` tokens of budget
    /// unused: its blocks within capacity and equal to what its requests and cache entries hold,
    /// the budget and the batch cap kept, and every running request's blocks covering the
    /// context it has plus the tokens it computes in this pass (its whole sequence, when
    /// admission reserves it), nothing preempted under guaranteed no-evict, and `load` equal to
    /// the load recomputed from the requests in the pass (whichever path formed the batch: the
    /// fast path for decoding ranks keeps no list of what it scheduled, so this is its check).
    mutating func checkInvariants(rank g: Int, pass p: Int, budgetLeft: Int, load: RankLoad) {
        var problems: [String] = []
        let pool = ranks[g].pool
        if pool.inUse > pool.capacity { problems.append("\(pool.inUse) blocks in use > capacity \(pool.capacity)") }
        if pool.privateBlocks < 0 || pool.evictableBlocks < 0 { problems.append("negative block count") }
        let recount = pool.recount()
        if recount.entryBlocks != pool.entryBlocks { problems.append("cache entries hold \(recount.entryBlocks) blocks, counted \(pool.entryBlocks)") }
        if recount.evictableBlocks != pool.evictableBlocks || recount.listed != pool.evictableBlocks {
            problems.append(
                "evictable blocks \(recount.evictableBlocks) (listed \(recount.listed)), counted \(pool.evictableBlocks)")
        }
        var privateHeld = 0
        for slot in ranks[g].running {
            let request = slots[Int(slot)]
            privateHeld += request.privateBlocks
            if request.state != .running { problems.append("request in slot \(slot) listed as running in state \(request.state)") }
            let room = request.privateBlocks * blockTokens + Int(request.sharedEntries) * Int(request.prefixBlockTokens)
            if room < request.computed + request.scheduled {
                problems.append(
                    "request \(identities[Int(slot)].id) holds room for \(room) tokens, needs \(request.computed + request.scheduled)")
            }
            if reservesWholeSequence, room < kvReach(input: request.input, output: request.output) {
                problems.append(
                    "request \(identities[Int(slot)].id) holds room for \(room) tokens, less than its whole sequence reserved at admission")
            }
        }
        if privateHeld != pool.privateBlocks { problems.append("running requests hold \(privateHeld) private blocks, pool counts \(pool.privateBlocks)") }
        var scheduledTokens = 0
        var inBatch = 0
        // Chunks were added in running order (admissions are appended to it), so the recount adds
        // the same numbers in the same order and must match bit for bit.
        var recounted = RankLoad()
        for slot in ranks[g].running where slots[Int(slot)].scheduled > 0 && slots[Int(slot)].pass == Int32(p) {
            let request = slots[Int(slot)]
            scheduledTokens += request.scheduled
            inBatch += 1
            if request.isPrefilling {
                recounted.addChunk(
                    tokens: request.scheduled, context: request.computed, completesPrompt: request.computed + request.scheduled == request.target)
            } else {
                if request.scheduled != decodeStepTokens {
                    problems.append("request \(identities[Int(slot)].id) decodes \(request.scheduled) tokens in a step of \(decodeStepTokens)")
                }
                recounted.decodeRequests += 1
                recounted.decodeContextTokens += request.computed
            }
        }
        if recounted != load { problems.append("the batch's load \(load) is not its requests' \(recounted)") }
        let counted = inPass[g * pipelineDepth + p]
        if inBatch != Int(counted) { problems.append("\(inBatch) requests found in the pass, counted \(counted)") }
        if scheduledTokens > tokenBudget || scheduledTokens + budgetLeft != tokenBudget {
            problems.append("\(scheduledTokens) tokens scheduled (budget \(tokenBudget), \(budgetLeft) left)")
        }
        if reservesWholeSequence && counters.preemptions > 0 { problems.append("\(counters.preemptions) preemptions under guaranteed no-evict") }
        if ranks[g].running.count > maxBatch { problems.append("\(ranks[g].running.count) running > max batch \(maxBatch)") }
        if inBatch > maxBatch { problems.append("\(inBatch) in the batch > max batch \(maxBatch)") }
        for problem in problems where counters.invariantViolations.count < 100 {
            counters.invariantViolations.append("iteration \(counters.iterations), rank \(g): \(problem)")
        }
    }

    /// Before `replica` forms a pass: every rank with work has its bit in `ranksWithWork` (the
    /// ranks a pass skips have nothing to schedule), every entry of `loads` is idle (the
    /// skipped ranks are timed as idle), and every rank's score in `loadScores` is its queues'.
    mutating func checkRankSets(replica: Int) {
        let lower = replica * ranksPerReplica
        for local in 0..<ranksPerReplica where counters.invariantViolations.count < 100 {
            let g = lower + local
            let hasWork = !ranks[g].running.isEmpty || !ranks[g].resumed.isEmpty || !ranks[g].waiting.isEmpty
            let listed = ranksWithWork[replica * wordsPerReplica + local / 64] & (1 << UInt64(local % 64)) != 0
            if hasWork && !listed { counters.invariantViolations.append("rank \(g) has work but is not listed as having any") }
            if !loads[local].isIdle { counters.invariantViolations.append("the load of rank \(g) was left from an earlier pass") }
            if loadScores[g] != ranks[g].loadScore {
                counters.invariantViolations.append("rank \(g) has load score \(ranks[g].loadScore), kept as \(loadScores[g])")
            }
        }
    }

    /// After pass slot `pass` of `replica` ended: no rank still counts requests in it (none was
    /// skipped by `ranksInPass`).
    mutating func checkPassEnded(replica: Int, pass: Int) {
        let lower = replica * ranksPerReplica
        for g in lower..<(lower + ranksPerReplica) where inPass[g * pipelineDepth + pass] != 0 {
            if counters.invariantViolations.count < 100 {
                counters.invariantViolations.append("rank \(g) still counts \(inPass[g * pipelineDepth + pass]) requests in ended pass \(pass)")
            }
        }
    }
}
