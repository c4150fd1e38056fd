import DiscreteEvent
import Serving
import SystemDescription
import CostModel

/// The prefill side of the backend: prompts to the `PrefillPool`, batch timing (compute from
/// `PrefillTimeTable`, EMS loads over UB or VPC), and what a request does at batch end.
extension CloudMatrixBackend {
    /// Queues `slot`'s prompt; an idle instance gets a batch start at this instant. From
    /// `arrive` (`arriving`) the start is held back until the instant's last arrival
    /// (`arrivalsEnded`), so that it can run in place.
    mutating func routeToPrefill(_ slot: Int32, arriving: Bool = false, in context: inout ServingContext<Event>) {
        if let instance = prefill.enqueue(slot, tokens: slots[Int(slot)].inputTokens) {
            // Zero delay: requests arriving at this same instant join the batch.
            if arriving {
                if firstHeldStart < 0 { firstHeldStart = Int32(instance) } else { heldStarts.append(Int32(instance)) }
            } else {
                context.schedule(.prefillStart(instance: Int32(instance)), after: .zero)
            }
        }
    }

    /// The batch starts `arrive` held back, in order: the first at once when it would be the
    /// next event anyway (`runsInPlaceNow`; one per request in a lightly loaded replay), after
    /// scheduling the others, which then come after it as they would have.
    public mutating func arrivalsEnded(in context: inout ServingContext<Event>) {
        guard firstHeldStart >= 0 else { return }
        let first = firstHeldStart
        firstHeldStart = -1
        let inPlace = context.runsInPlaceNow()
        if !inPlace { context.schedule(.prefillStart(instance: first), after: .zero) }
        if !heldStarts.isEmpty {
            for instance in heldStarts { context.schedule(.prefillStart(instance: instance), after: .zero) }
            heldStarts.removeAll(keepingCapacity: true)
        }
        if inPlace { startBatch(Int(first), in: &context) }
    }

    mutating func startBatch(_ instance: Int, in context: inout ServingContext<Event>) {
        guard prefill.startBatch(instance) else { return }
        let count = prefill.batchCount(of: instance)
        // The prompt array is reused (the previous batch left it behind); a batch of one prompt
        // (most of them) needs none.
        if count > 1 { batchPrompts.removeAll(keepingCapacity: true) }
        var single = (tokens: 0, cached: 0)
        var tokens = 0
        var cachedTotal = 0
        // By index: iterating a copy of the batch array would retain and release it.
        for k in 0..<count {
            let slot = prefill.batchSlot(k, of: instance)
            let input = slots[Int(slot)].inputTokens
            tokens += input
            let cached = lookUpPrefix(slot)
            slots[Int(slot)].cachedTokens = cached
            slots[Int(slot)].serviceStart = context.now
            cachedTotal += cached
            if count > 1 { batchPrompts.append((input, cached)) } else { single = (input, cached) }
        }
        let timing = count == 1 ? batchTiming(single: single) : batchTiming(prompts: batchPrompts)
        statistics.prefillBatches += 1
        statistics.prefillTokens += tokens
        statistics.cachedTokens += cachedTotal
        statistics.prefillBusySeconds += timing.load + timing.compute
        statistics.emsLoadSeconds += timing.load
        context.schedule(.prefillEnd(instance: Int32(instance)), after: SimDuration(seconds: timing.load + timing.compute))
    }

    /// Tokens of `slot`'s prompt whose KV the EMS pool holds (`PrefillPool.lookUpPrefix`).
    mutating func lookUpPrefix(_ slot: Int32) -> Int {
        // Fields, not the whole `Identity`: copying it would retain its hashes and origin.
        guard let hit = prefill.lookUpPrefix(
            requests[Int(slot)].prefixBlockHashes, blockTokens: requests[Int(slot)].prefixBlockTokens,
            promptTokens: slots[Int(slot)].inputTokens)
        else { return 0 }
        statistics.cacheLookups += 1
        statistics.cacheHitBlocks += hit.blocks
        slots[Int(slot)].cachedBlocks = Int32(clamping: hit.blocks)
        return hit.tokens
    }

    /// Load and compute seconds of a prefill batch of several prompts.
    mutating func batchTiming(prompts: [(tokens: Int, cached: Int)]) -> (load: Double, compute: Double) {
        let compute = prefillTable.computeSeconds(PrefillBatchShape(prompts: prompts, npus: prefillNPUs))
        let cached = prompts.reduce(0) { $0 + $1.cached }
        return (loadSeconds(cachedTokens: cached), compute)
    }

    /// Load and compute seconds of a batch of one prompt: the same as `batchTiming(prompts:)`
    /// of a one-element array, with nothing cached read from the memo.
    mutating func batchTiming(single prompt: (tokens: Int, cached: Int)) -> (load: Double, compute: Double) {
        let compute =
            prompt.cached == 0
            ? singlePromptSeconds(tokens: prompt.tokens)
            : prefillTable.computeSeconds(PrefillBatchShape(prompts: [prompt], npus: prefillNPUs))
        return (loadSeconds(cachedTokens: prompt.cached), compute)
    }

    /// Compute seconds of a batch of one prompt of `tokens` tokens with nothing cached: the
    /// table's answer for that shape, memoised by length (most batches of a lightly loaded
    /// replay hold one prompt, and the table's trilinear lookup costs ~1,000 instructions).
    /// The table is a pure function of the shape, so the memo answers bit for bit the same.
    mutating func singlePromptSeconds(tokens: Int) -> Double {
        if tokens < singlePromptMemo.count, !singlePromptMemo[tokens].isNaN { return singlePromptMemo[tokens] }
        let seconds = prefillTable.computeSeconds(PrefillBatchShape(prompts: [(tokens, 0)], npus: prefillNPUs))
        if tokens >= singlePromptMemo.count {
            singlePromptMemo.append(contentsOf: repeatElement(.nan, count: tokens + 1 - singlePromptMemo.count))
        }
        singlePromptMemo[tokens] = seconds
        return seconds
    }

    /// Seconds to bring `cachedTokens` tokens of KV from the EMS pool into a prefill instance
    /// (`EMSLoadTiming`).
    public func loadSeconds(cachedTokens: Int) -> Double {
        guard cachedTokens > 0, let emsLoad else { return 0 }
        return emsLoad.seconds(cachedTokens: cachedTokens)
    }

    mutating func endBatch(_ instance: Int, in context: inout ServingContext<Event>) {
        var released = false
        // By index, as in `startBatch`.
        for k in 0..<prefill.batchCount(of: instance) {
            let slot = prefill.batchSlot(k, of: instance)
            slots[Int(slot)].firstToken = context.now
            let input = slots[Int(slot)].inputTokens
            if !requests[Int(slot)].prefixBlockHashes.isEmpty {
                prefill.storePrefix(
                    requests[Int(slot)].prefixBlockHashes, blockTokens: requests[Int(slot)].prefixBlockTokens, promptTokens: input)
                requests[Int(slot)].prefixBlockHashes = []
            }
            if phase == .prefill || slots[Int(slot)].outputTokens <= 1 {
                complete(slot, in: &context)
                released = true
            } else {
                let bytes = Double(input) * kvBytesPerToken
                let seconds = resolved.serving.kvTransferLatencySeconds + bytes / transferBytesPerSecond
                statistics.kvTransfers += 1
                statistics.kvTransferSeconds += seconds
                context.schedule(.kvArrived(slot: slot), after: SimDuration(seconds: seconds))
            }
        }
        prefill.endBatch(instance)
        if prefill.hasQueued(instance) { startBatch(instance, in: &context) }
        if released { admitWaiting(in: &context) }
    }
}
