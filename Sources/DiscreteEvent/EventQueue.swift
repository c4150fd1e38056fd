/// An event waiting in an `EventQueue`: its time, its place in scheduling order, its payload.
public struct ScheduledEvent<Payload> {
    public var time: SimTime
    /// The queue's count of events scheduled before this one; breaks ties between equal times.
    public var sequence: UInt64
    public var payload: Payload

    @inlinable public init(time: SimTime, sequence: UInt64, payload: Payload) {
        self.time = time
        self.sequence = sequence
        self.payload = payload
    }

    /// The queue's one ordering key: earlier time first, then earlier scheduling.
    @inlinable func precedes(_ other: ScheduledEvent) -> Bool {
        time < other.time || (time == other.time && sequence < other.sequence)
    }
}

/// A priority queue of future events, ordered by `(time, sequence)`.
///
/// A binary min-heap over a `ContiguousArray` of small structs; sifts move a hole rather than
/// swapping, so each level costs one write. `sequence` is a per-queue counter stamped at
/// `push`, so events with equal times come out in the order they were pushed (FIFO) and the
/// order never depends on the heap's shape. This is the rule the simulators build on: an event
/// scheduled for the current instant runs after every event already queued for that instant.
///
/// Payloads should be small values (an enum of indices, not a request with arrays): every sift
/// copies them. Two queues never share state, so two simulations in one process are
/// independent.
public struct EventQueue<Payload> {
    @usableFromInline var heap: ContiguousArray<ScheduledEvent<Payload>>
    @usableFromInline var nextSequence: UInt64

    @inlinable public init(minimumCapacity: Int = 0) {
        heap = []
        heap.reserveCapacity(minimumCapacity)
        nextSequence = 0
    }

    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }

    /// The earliest event, without removing it.
    /// - Complexity: O(1).
    @inlinable public var first: ScheduledEvent<Payload>? { heap.first }

    /// Adds an event; returns the sequence number it was given.
    /// - Complexity: O(log n).
    @inlinable @discardableResult
    public mutating func push(_ payload: Payload, at time: SimTime) -> UInt64 {
        let sequence = nextSequence
        nextSequence &+= 1
        heap.append(ScheduledEvent(time: time, sequence: sequence, payload: payload))
        siftUp(from: heap.count - 1)
        return sequence
    }

    /// Takes the sequence number the next `push` would have given, for an event kept outside the
    /// queue that must still be ordered among its events (`SimulationContext.scheduleAside`).
    @inlinable mutating func reserveSequence() -> UInt64 {
        let sequence = nextSequence
        nextSequence &+= 1
        return sequence
    }

    /// Removes and returns the earliest event (by time, then sequence), or nil when empty.
    /// - Complexity: O(log n).
    @inlinable public mutating func popFirst() -> ScheduledEvent<Payload>? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let first = heap[0]
        siftDown(placing: last)
        return first
    }

    /// Moves the element at `index` towards the root until its parent precedes it.
    @inlinable mutating func siftUp(from index: Int) {
        heap.withUnsafeMutableBufferPointer { slots in
            let moving = slots[index]
            var hole = index
            while hole > 0 {
                let parent = (hole &- 1) >> 1
                guard moving.precedes(slots[parent]) else { break }
                slots[hole] = slots[parent]
                hole = parent
            }
            slots[hole] = moving
        }
    }

    /// Fills the hole at the root with `element`, moving smaller children up past it.
    @inlinable mutating func siftDown(placing element: ScheduledEvent<Payload>) {
        heap.withUnsafeMutableBufferPointer { slots in
            let count = slots.count
            var hole = 0
            while true {
                var child = 2 &* hole &+ 1
                guard child < count else { break }
                let right = child &+ 1
                if right < count && slots[right].precedes(slots[child]) { child = right }
                guard slots[child].precedes(element) else { break }
                slots[hole] = slots[child]
                hole = child
            }
            slots[hole] = element
        }
    }
}
