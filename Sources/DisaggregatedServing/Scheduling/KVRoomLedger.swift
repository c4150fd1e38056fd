/// Where the next request's KV cache goes: per-die reservations of KV bytes and of requests,
/// under a byte capacity and a batch cap per die.
///
/// A request reserves its whole KV (prompt + output tokens) on one die when it is admitted and
/// releases it when it leaves, so a die never runs out of HBM mid-request (paper v3 §4.3.3: the
/// decode side allocates the KV buffer before prefill starts). The choice is the least-loaded
/// die by reserved bytes among those under the batch cap, ties to the lowest index, and only if
/// it has room for the request: the least loaded has the most room, so no other die could.
/// Nothing here assumes disaggregation: an aggregated engine's dies reserve the same way.
/// - Complexity: `pick` O(dies / 16 + 16), `reserve` O(16) and `release` O(1) (a
///   `LeastLoadedTree`), short loops.
struct KVRoomLedger {
    /// KV bytes a die may hold (HBM after weights, buffers and workspace).
    let capacityBytes: Double
    /// Requests a die may hold at once.
    let batchCap: Int32
    /// Bytes reserved on each die.
    private(set) var reservedBytes: [Double]
    /// Requests reserved on each die.
    private(set) var reservedCount: [Int32]
    /// The least reserved bytes among dies under the batch cap (+∞ for a die at the cap).
    private var choice: LeastLoadedTree

    init(dies: Int, capacityBytes: Double, batchCap: Int32) {
        self.capacityBytes = capacityBytes
        self.batchCap = batchCap
        reservedBytes = Array(repeating: 0, count: dies)
        reservedCount = Array(repeating: 0, count: dies)
        choice = LeastLoadedTree(count: dies)
        for die in 0..<dies { choice.update(die, load: 0) }
    }

    var dieCount: Int { reservedBytes.count }

    /// The least-loaded die under the batch cap (ties to the lowest index) if it has room for
    /// `need` more bytes; nil when no die can take the request now.
    func pick(need: Double) -> Int? {
        let least = choice.minimumLoad
        guard least.isFinite, least <= capacityBytes - need else { return nil }
        return choice.firstIndex(holding: least)
    }

    /// Reserves `bytes` and one request on `die`.
    /// - Precondition: the die has the room (`pick` chose it).
    @inline(__always)  // one call per admission; a call of its own cost ~25 instructions more
    mutating func reserve(_ bytes: Double, on die: Int) {
        reservedBytes[die] += bytes
        reservedCount[die] += 1
        refresh(die)
        precondition(
            reservedBytes[die] <= capacityBytes * (1 + 1e-12),
            "decode die \(die) over-reserved: \(reservedBytes[die]) of \(capacityBytes) bytes")
    }

    /// Returns `bytes` and one request to `die`. A die left with no request holds exactly 0
    /// bytes, so rounding errors from repeated float subtraction do not accumulate.
    @inline(__always)  // as `reserve`
    mutating func release(_ bytes: Double, on die: Int) {
        reservedCount[die] -= 1
        reservedBytes[die] = reservedCount[die] == 0 ? 0 : reservedBytes[die] - bytes
        refresh(die)
    }

    /// Keeps `choice` in step with `die`'s reservations.
    private mutating func refresh(_ die: Int) {
        let eligible = reservedCount[die] < batchCap
        choice.update(die, load: eligible ? reservedBytes[die] : .infinity)
    }
}
