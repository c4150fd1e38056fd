/// One attention rank's KV cache: a fixed number of blocks, held privately by running requests
/// or as cached prefix entries, the unreferenced entries evicted least recently used first.
///
/// This is vLLM V1's block pool at the granularity the trace can name (`vllm/v1/core/block_pool.py`,
/// `kv_cache_manager.py`): a running request holds ⌈tokens/blockTokens⌉ blocks; with prefix
/// caching a full prompt block, once computed, is kept under its hash with a reference count
/// (the requests using it), and when its count drops to zero it stays cached but becomes
/// evictable, appended to the most-recently-used end of the free queue (vLLM's
/// `FreeKVCacheBlockQueue`: freed blocks go to the tail, allocation evicts from the head). A
/// trace names prefix blocks of `prefixBlockTokens` tokens (Mooncake `hash_ids`, 512), so an entry
/// here is one trace block and weighs `prefixBlockTokens / kvBlockTokens` engine blocks; the
/// engine's finer blocks inside one trace block are cached and evicted together.
///
/// Accounting, in engine blocks: `inUse` = private blocks + the weight of every entry (in use or
/// evictable); `free` = capacity − inUse; an allocation may take `free` plus whatever evicting
/// unreferenced entries releases (`available`).
///
/// Entries live in arrays with a hash → slot dictionary and a doubly linked LRU list of the
/// unreferenced ones, so lookup, reference, release, insertion and eviction are O(1) each
/// (amortised for the dictionary).
struct KVBlockPool {
    /// Engine blocks the rank has for KV.
    let capacity: Int
    /// Blocks held by running requests outside the cache.
    private(set) var privateBlocks = 0
    /// Blocks held by cached entries, referenced or not.
    private(set) var entryBlocks = 0
    /// Blocks held by cached entries no request references (evictable).
    private(set) var evictableBlocks = 0
    /// Entries evicted so far.
    private(set) var evictions = 0
    /// Most blocks in use at once so far.
    private(set) var peakInUse = 0

    private var slotOfHash: [UInt64: Int32] = [:]
    private var hashes: [UInt64] = []
    private var weights: [Int32] = []
    private var references: [Int32] = []
    /// LRU links among unreferenced entries: `previous` towards the most recent end.
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var freeSlots: [Int32] = []
    /// Most recently released (evicted last) and least recently released (evicted first) entries.
    private var newest: Int32 = -1
    private var oldest: Int32 = -1

    init(capacity: Int) {
        precondition(capacity > 0, "a KV block pool needs at least one block, got \(capacity)")
        self.capacity = capacity
    }

    /// Blocks held now (private and cached).
    @inline(__always) var inUse: Int { privateBlocks + entryBlocks }
    /// Blocks held by nothing.
    @inline(__always) var free: Int { capacity - inUse }
    /// Blocks an allocation may get: the free ones and those evicting every unreferenced entry frees.
    @inline(__always) var available: Int { free + evictableBlocks }
    /// Cached entries (referenced or not).
    var entryCount: Int { slotOfHash.count }

    /// Takes `count` private blocks, evicting unreferenced entries (oldest first) as needed;
    /// false, and nothing changes, when even evicting all of them would not free enough.
    mutating func allocate(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard count <= available else { return false }
        while free < count { evictOldest() }
        privateBlocks += count
        peakInUse = max(peakInUse, inUse)
        return true
    }

    /// Returns `count` private blocks.
    mutating func releasePrivate(_ count: Int) {
        privateBlocks -= count
        assert(privateBlocks >= 0, "released more private blocks than were held")
    }

    /// How many leading hashes of `hashes[..<limit]` are cached, and the blocks of those that no
    /// request references (what referencing them takes out of `available`).
    func leadingRun(_ hashes: [UInt64], limit: Int) -> (entries: Int, evictableBlocks: Int) {
        var run = 0, evictable = 0
        while run < limit, let slot = slotOfHash[hashes[run]] {
            if references[Int(slot)] == 0 { evictable += Int(weights[Int(slot)]) }
            run += 1
        }
        return (run, evictable)
    }

    /// Leading cached hashes, up to `limit` (the prefix-aware router's question).
    func leadingRunLength(_ hashes: [UInt64], limit: Int) -> Int {
        var run = 0
        while run < limit, slotOfHash[hashes[run]] != nil { run += 1 }
        return run
    }

    /// References the cached entry `hash` (which must be present): out of the LRU list if it was
    /// unreferenced.
    mutating func reference(_ hash: UInt64) {
        guard let slot = slotOfHash[hash] else { preconditionFailure("reference to an uncached block") }
        acquire(slot)
    }

    /// Drops one reference to the cached entry `hash`; at zero it becomes the most recent evictable entry.
    mutating func release(_ hash: UInt64) {
        guard let slot = slotOfHash[hash] else { preconditionFailure("release of an uncached block") }
        let s = Int(slot)
        references[s] -= 1
        assert(references[s] >= 0, "cached block released more often than referenced")
        if references[s] == 0 {
            evictableBlocks += Int(weights[s])
            linkNewest(slot)
        }
    }

    /// A request that computed the block `hash` (`weight` of its private blocks) offers it to the
    /// cache: if absent it becomes an entry referenced once, its blocks moving from private to
    /// cached (true); if another request cached it meanwhile, the existing entry is referenced and
    /// the caller returns its own copy's blocks (false).
    mutating func insert(_ hash: UInt64, weight: Int) -> Bool {
        if let slot = slotOfHash[hash] {
            acquire(slot)
            return false
        }
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            hashes[Int(slot)] = hash
            weights[Int(slot)] = Int32(weight)
            references[Int(slot)] = 1
        } else {
            slot = Int32(hashes.count)
            hashes.append(hash)
            weights.append(Int32(weight))
            references.append(1)
            previous.append(-1)
            next.append(-1)
        }
        slotOfHash[hash] = slot
        privateBlocks -= weight
        entryBlocks += weight
        assert(privateBlocks >= 0, "cached more blocks than the request held")
        return true
    }

    private mutating func acquire(_ slot: Int32) {
        let s = Int(slot)
        if references[s] == 0 {
            unlink(slot)
            evictableBlocks -= Int(weights[s])
        }
        references[s] += 1
    }

    private mutating func evictOldest() {
        let slot = oldest
        precondition(slot >= 0, "no evictable block")
        unlink(slot)
        let s = Int(slot)
        slotOfHash[hashes[s]] = nil
        entryBlocks -= Int(weights[s])
        evictableBlocks -= Int(weights[s])
        freeSlots.append(slot)
        evictions += 1
    }

    private mutating func linkNewest(_ slot: Int32) {
        previous[Int(slot)] = -1
        next[Int(slot)] = newest
        if newest >= 0 { previous[Int(newest)] = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let p = previous[Int(slot)], n = next[Int(slot)]
        if p >= 0 { next[Int(p)] = n } else { newest = n }
        if n >= 0 { previous[Int(n)] = p } else { oldest = p }
        previous[Int(slot)] = -1
        next[Int(slot)] = -1
    }

    /// Recounts the entries' blocks from scratch (the invariant check): (all, unreferenced).
    func recount() -> (entryBlocks: Int, evictableBlocks: Int, listed: Int) {
        var all = 0, evictable = 0
        for slot in slotOfHash.values {
            all += Int(weights[Int(slot)])
            if references[Int(slot)] == 0 { evictable += Int(weights[Int(slot)]) }
        }
        var listed = 0
        var cursor = newest
        while cursor >= 0 {
            listed += Int(weights[Int(cursor)])
            cursor = next[Int(cursor)]
        }
        return (all, evictable, listed)
    }
}
