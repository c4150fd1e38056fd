import DiscreteEvent

/// Work ordered by the step at which it completes, then by the order it was pushed.
///
/// A *step* is whatever integer clock a batch advances in lock step: a decode instance's step
/// counter, or an aggregated engine's iteration. Entries due at the same step come out in push
/// order (FIFO), never in an order the heap's shape decides.
///
/// It is `EventQueue`'s heap, shared rather than copied: a step number rides in the time key
/// (`SimTime(nanoseconds: step)`, never read as a time), and the queue's push counter breaks
/// ties. Keep `Payload` small (indices and numbers): every sift copies it.
/// - Complexity: `push` and `popFirst` O(log n); `first` O(1).
struct CompletionHeap<Payload> {
    private var queue = EventQueue<Payload>()

    var count: Int { queue.count }
    var isEmpty: Bool { queue.isEmpty }
    /// The entry due first (earliest step, then earliest push), without removing it.
    var first: (step: Int64, payload: Payload)? {
        queue.first.map { ($0.time.nanoseconds, $0.payload) }
    }

    /// Adds `payload`, due at `step`.
    mutating func push(_ payload: Payload, step: Int64) {
        queue.push(payload, at: SimTime(nanoseconds: step))
    }

    /// Removes and returns the entry due first, or nil when empty.
    mutating func popFirst() -> (step: Int64, payload: Payload)? {
        queue.popFirst().map { ($0.time.nanoseconds, $0.payload) }
    }

    /// Removes and returns the first entry's payload if it is due at or before `step`.
    mutating func popFirst(dueBy step: Int64) -> Payload? {
        guard let next = queue.first, next.time.nanoseconds <= step else { return nil }
        return queue.popFirst()!.payload
    }
}
