import SystemDescription
import CostModel
/// The EMS context cache (paper v3 §4.4.2): prefix KV blocks in pooled CPU DRAM, LRU-evicted.
///
/// A block is keyed by the trace's prefix hash (Mooncake `hash_ids`, which chain the prefix, so
/// equal hashes at a position mean equal preceding tokens). A request reuses its longest run of
/// *leading* blocks already in the pool; the first missing block ends the run, as a prefix
/// lookup must. Each stored block costs its tokens rounded up to whole EMS pages of
/// `pageTokens` tokens (default: the block size itself), times the KV bytes per token, against
/// a capacity in bytes; storing past
/// the capacity evicts least-recently-used blocks first. A lookup that hits refreshes the blocks
/// it reused.
///
/// The list is a doubly linked list over arrays with a hash → slot dictionary, so lookup,
/// insertion, refresh and eviction are O(1) each (amortised for the dictionary).
public struct PrefixCachePool: Sendable {
    /// Bytes the pool may hold.
    public let capacityBytes: Double
    /// Tokens per EMS page: a block occupies its tokens rounded up to whole pages; nil = one
    /// page per block, of the block's size.
    public let pageTokens: Int?
    /// KV bytes one token's cache takes.
    public let bytesPerToken: Double

    public private(set) var usedBytes: Double = 0
    public private(set) var evictedBlocks = 0
    /// Blocks stored now.
    public var blockCount: Int { slotOfHash.count }

    private var slotOfHash: [UInt64: Int32] = [:]
    private var hashes: [UInt64] = []
    private var weights: [Double] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var freeSlots: [Int32] = []
    /// Most recently used end, least recently used end (-1 when empty).
    private var head: Int32 = -1
    private var tail: Int32 = -1

    public init(capacityBytes: Double, pageTokens: Int? = nil, bytesPerToken: Double) {
        precondition(capacityBytes >= 0 && (pageTokens ?? 1) > 0 && bytesPerToken > 0, "invalid cache pool geometry")
        self.capacityBytes = capacityBytes
        self.pageTokens = pageTokens
        self.bytesPerToken = bytesPerToken
    }

    /// Bytes a block of `tokens` tokens (of a prompt cut in `blockTokens`-token blocks) occupies:
    /// whole pages.
    public func blockBytes(tokens: Int, blockTokens: Int) -> Double {
        let page = pageTokens ?? blockTokens
        return Double((tokens + page - 1) / page * page) * bytesPerToken
    }

    /// The number of leading blocks of `blockHashes` present in the pool; refreshes them.
    /// - Complexity: O(hits + 1).
    public mutating func lookupLeadingRun(_ blockHashes: [UInt64]) -> Int {
        var run = 0
        for hash in blockHashes {
            guard let slot = slotOfHash[hash] else { break }
            moveToFront(slot)
            run += 1
        }
        return run
    }

    /// Leading blocks present, without refreshing them (for inspection and tests).
    public func peekLeadingRun(_ blockHashes: [UInt64]) -> Int {
        var run = 0
        for hash in blockHashes {
            guard slotOfHash[hash] != nil else { break }
            run += 1
        }
        return run
    }

    /// Stores the blocks of a prompt of `promptTokens` tokens cut in blocks of `blockTokens`
    /// (the last may be partial); blocks already present are refreshed. Blocks larger than the
    /// whole pool are not stored.
    /// - Complexity: O(blocks + evictions).
    public mutating func store(_ blockHashes: [UInt64], promptTokens: Int, blockTokens: Int) {
        for (index, hash) in blockHashes.enumerated() {
            if let slot = slotOfHash[hash] {
                moveToFront(slot)
                continue
            }
            let tokens = min(blockTokens, promptTokens - index * blockTokens)
            guard tokens > 0 else { break }
            let bytes = blockBytes(tokens: tokens, blockTokens: blockTokens)
            guard bytes <= capacityBytes else { continue }
            while usedBytes + bytes > capacityBytes, tail >= 0 { evictLeastRecent() }
            insertAtFront(hash, bytes: bytes)
        }
    }

    private mutating func insertAtFront(_ hash: UInt64, bytes: Double) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            hashes[Int(slot)] = hash
            weights[Int(slot)] = bytes
        } else {
            slot = Int32(hashes.count)
            hashes.append(hash)
            weights.append(bytes)
            previous.append(-1)
            next.append(-1)
        }
        slotOfHash[hash] = slot
        usedBytes += bytes
        link(slot)
    }

    private mutating func evictLeastRecent() {
        let slot = tail
        unlink(slot)
        slotOfHash[hashes[Int(slot)]] = nil
        usedBytes -= weights[Int(slot)]
        if slotOfHash.isEmpty { usedBytes = 0 }  // no drift from repeated float subtraction
        freeSlots.append(slot)
        evictedBlocks += 1
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard slot != head else { return }
        unlink(slot)
        link(slot)
    }

    private mutating func link(_ slot: Int32) {
        previous[Int(slot)] = -1
        next[Int(slot)] = head
        if head >= 0 { previous[Int(head)] = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let p = previous[Int(slot)], n = next[Int(slot)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { previous[Int(n)] = p } else { tail = p }
        previous[Int(slot)] = -1
        next[Int(slot)] = -1
    }
}
