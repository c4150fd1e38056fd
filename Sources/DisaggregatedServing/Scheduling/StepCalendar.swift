/// Work ordered by the step at which it completes, then by the order it was pushed, for a
/// step clock that only moves forward: a bucket (calendar) queue.
///
/// Decode completions happen at step boundaries and many requests finish at the same step,
/// so one FIFO list per step replaces `CompletionHeap`'s sift through every decoding request
/// (~4 % of the replay thread). A ring of `window` buckets covers the steps from the
/// cursor (the last step asked about) on; an entry due further out waits in a
/// `CompletionHeap` and comes out first at its step, since it was pushed before any entry of
/// that step could enter the ring (the cursor only advances). So the order is exactly
/// `CompletionHeap`'s: by step, then push order (an oracle test pins it).
///
/// Precondition: a pushed step is at least the last `dueBy` step asked about.
/// The lists live in one node pool with a free list, so pushes allocate nothing once warm.
/// - Complexity: `push` O(1) (O(log n) beyond the window); `popFirst(dueBy:)` O(1) per entry
///   plus O(1) per step the cursor passes.
struct StepCalendar<Payload> {
    private struct Node {
        var payload: Payload
        var next: Int32
    }

    /// Steps the ring covers (a power of two); ~5,000-token outputs at τ ≈ 1.7 fit.
    static var window: Int { 4096 }

    private var nodes: [Node] = []
    private var freeHead: Int32 = -1
    /// First and last node of each bucket's list, −1 when empty; bucket = step mod window.
    private var heads = [Int32](repeating: -1, count: window)
    private var tails = [Int32](repeating: -1, count: window)
    private var overflow = CompletionHeap<Payload>()
    /// Lowest step that may still hold entries; never above the last `dueBy` step.
    private var cursor: Int64 = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `payload`, due at `step` (at least the last `dueBy` step asked about).
    mutating func push(_ payload: Payload, step: Int64) {
        precondition(step >= cursor, "StepCalendar: step \(step) is before the cursor \(cursor)")
        count += 1
        guard step - cursor < Int64(Self.window) else {
            overflow.push(payload, step: step)
            return
        }
        let node: Int32
        if freeHead >= 0 {
            node = freeHead
            freeHead = nodes[Int(node)].next
            nodes[Int(node)] = Node(payload: payload, next: -1)
        } else {
            node = Int32(nodes.count)
            nodes.append(Node(payload: payload, next: -1))
        }
        let bucket = Int(step) & (Self.window - 1)
        let tail = tails[bucket]
        if tail >= 0 { nodes[Int(tail)].next = node } else { heads[bucket] = node }
        tails[bucket] = node
    }

    /// Removes and returns the first entry's payload if it is due at or before `step`.
    mutating func popFirst(dueBy step: Int64) -> Payload? {
        guard count > 0 else {
            if step > cursor { cursor = step }
            return nil
        }
        while true {
            if !overflow.isEmpty, let next = overflow.first, next.step <= cursor {
                count -= 1
                return overflow.popFirst()!.payload
            }
            let bucket = Int(cursor) & (Self.window - 1)
            let head = heads[bucket]
            if head >= 0 {
                let node = nodes[Int(head)]
                heads[bucket] = node.next
                if node.next < 0 { tails[bucket] = -1 }
                nodes[Int(head)].next = freeHead
                freeHead = head
                count -= 1
                return node.payload
            }
            guard cursor < step else { return nil }
            cursor += 1
        }
    }
}
