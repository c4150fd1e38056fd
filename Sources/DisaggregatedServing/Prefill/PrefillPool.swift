import DiscreteEvent
import Serving

/// Prefill instances fed from FIFO queues: which instance a prompt goes to, which prompts form
/// its next batch, and the EMS prefix-cache lookups and stores around a batch.
///
/// *Routing*: a prompt joins the queue of the instance with the fewest outstanding prompt tokens
/// (queued or in its running batch), ties to the lowest index. *Batching*: an idle instance
/// takes prompts from the head of its queue, in order, while they fit its token budget (tokens
/// per NPU × NPUs); the first prompt is always taken, so a prompt up to the whole budget runs
/// alone, spread over the instance by sequence parallelism (no chunking). *Caching* (EMS, paper
/// v3 §4.4.2): at batch start each prompt's leading run of prefix blocks found in the
/// `PrefixCachePool` is loaded instead of computed, leaving at least the last token to compute;
/// at batch end its blocks are stored.
///
/// The pool holds request slots (indices the backend gives) and prompt lengths, never requests;
/// what happens to a slot when its batch ends is the backend's business.
/// - Complexity: `enqueue` O(instances); `startBatch` O(prompts in the batch); a lookup
///   O(hit blocks + 1) and a store O(blocks + evictions), amortised (`PrefixCachePool`).
struct PrefillPool {
    /// A queued prompt: its slot and its length in tokens.
    struct Waiting {
        var slot: Int32
        var tokens: Int
    }

    /// One instance's queue and batch. The pool's operations are its methods, so that each
    /// reaches the instance through `instances` once: an `instances[i].field` access per field
    /// repeated the bounds check and the element's address every time (`startBatch` and
    /// `endBatch` this way take ~20 instructions fewer per batch on the week's slice).
    struct Instance {
        var queue = FIFOQueue<Waiting>()
        /// Prompt tokens queued or in the running batch.
        var outstandingTokens = 0
        var busy = false
        /// A start event is scheduled and has not run yet.
        var startScheduled = false
        /// The running batch's slots, in queue order, are `batch[0..<batchLength]`; the array
        /// keeps its storage (and stale slots past the length) from batch to batch, since
        /// clearing it cost ~100 instructions per batch.
        var batch: [Int32] = []
        var batchLength = 0
        var batchTokens = 0

        /// `PrefillPool.enqueue` on this instance: true when the caller is to schedule a start.
        mutating func enqueue(_ waiting: Waiting) -> Bool {
            queue.append(waiting)
            outstandingTokens += waiting.tokens
            guard !busy && !startScheduled else { return false }
            startScheduled = true
            return true
        }

        /// `PrefillPool.startBatch` on this instance.
        mutating func startBatch(tokenBudget: Int) -> Bool {
            startScheduled = false
            guard !busy, !queue.isEmpty else { return false }
            var tokens = 0
            var length = 0
            while let next = queue.first {
                if length > 0 && tokens + next.tokens > tokenBudget { break }
                _ = queue.popFirst()
                tokens += next.tokens
                if length < batch.count {
                    batch[length] = next.slot
                } else {
                    batch.append(next.slot)
                }
                length += 1
            }
            batchLength = length
            batchTokens = tokens
            busy = true
            return true
        }

        /// `PrefillPool.endBatch` on this instance.
        mutating func endBatch() {
            outstandingTokens -= batchTokens
            batchTokens = 0
            batchLength = 0
            busy = false
        }
    }

    /// Prompt tokens one batch may hold.
    let tokenBudget: Int
    private(set) var instances: [Instance]
    /// The EMS pool, or nil without context caching.
    private(set) var cache: PrefixCachePool?

    init(instances: Int, tokenBudget: Int, cache: PrefixCachePool?) {
        self.tokenBudget = tokenBudget
        self.instances = Array(repeating: Instance(), count: instances)
        self.cache = cache
    }

    /// Queues a prompt of `tokens` tokens on the instance with the fewest outstanding tokens
    /// (ties to the lowest index). Returns that instance when it is idle with no start scheduled
    /// (the caller schedules one and the pool records it), else nil.
    /// - Precondition: at least one instance.
    mutating func enqueue(_ slot: Int32, tokens: Int) -> Int? {
        var best = 0
        for i in instances.indices.dropFirst() where instances[i].outstandingTokens < instances[best].outstandingTokens { best = i }
        return instances[best].enqueue(Waiting(slot: slot, tokens: tokens)) ? best : nil
    }

    /// Starts `instance`'s next batch if it is idle and has prompts: takes them from the head of
    /// its queue while they fit the budget (the first always does). Clears a scheduled start.
    /// Returns whether a batch started; its slots are then `batchSlot(_:of:)`.
    mutating func startBatch(_ instance: Int) -> Bool {
        instances[instance].startBatch(tokenBudget: tokenBudget)
    }

    func batchCount(of instance: Int) -> Int { instances[instance].batchLength }
    /// The running batch's `index`-th slot, in queue order.
    func batchSlot(_ index: Int, of instance: Int) -> Int32 { instances[instance].batch[index] }

    /// Ends `instance`'s running batch (after the caller has moved its requests on): its tokens
    /// are no longer outstanding and the instance is idle.
    mutating func endBatch(_ instance: Int) {
        instances[instance].endBatch()
    }

    func hasQueued(_ instance: Int) -> Bool { !instances[instance].queue.isEmpty }

    /// The EMS lookup for a prompt of `promptTokens` tokens naming `blockHashes` (blocks of
    /// `blockTokens` tokens): the leading run of blocks the pool holds (refreshed) and the tokens
    /// they cover, capped at `promptTokens − 1` so that at least the last token is computed.
    /// Nil when no lookup happens: no pool, no hashes, or a one-token prompt.
    @inline(__always)  // else the caller retains and releases the hashes for the call
    mutating func lookUpPrefix(_ blockHashes: [UInt64], blockTokens: Int, promptTokens: Int) -> (blocks: Int, tokens: Int)? {
        guard cache != nil, !blockHashes.isEmpty, promptTokens > 1 else { return nil }
        let run = cache!.lookupLeadingRun(blockHashes)
        return (run, min(run * blockTokens, promptTokens - 1))
    }

    /// Stores a prefilled prompt's blocks in the pool, if there is one. Called at prefill end
    /// (the asynchronous write is off the critical path); decode-generated KV is not stored
    /// (paper v3 §4.4.2).
    mutating func storePrefix(_ blockHashes: [UInt64], blockTokens: Int, promptTokens: Int) {
        guard cache != nil else { return }
        cache!.store(blockHashes, promptTokens: promptTokens, blockTokens: blockTokens)
    }
}
