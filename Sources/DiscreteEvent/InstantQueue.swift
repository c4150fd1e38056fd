/// A FIFO ring of events due at the current instant: what `SimulationContext` keeps beside its
/// heap for events scheduled for the instant the clock is at (zero-delay "begin a step" or "form
/// a batch" events), so they cost a ring slot instead of a sift up and a sift down.
///
/// Slots keep a copy of an element after it is taken until it is overwritten; events are small
/// values (indices), so that holds nothing alive that matters.
/// - Complexity: `append` and `popFirst` O(1) (amortised: the ring doubles when full).
@usableFromInline struct InstantQueue<Element> {
    @usableFromInline var slots: ContiguousArray<Element> = []
    @usableFromInline var head = 0
    @usableFromInline var count = 0

    @inlinable init() {}

    @inlinable var isEmpty: Bool { count == 0 }

    @inlinable mutating func append(_ element: Element) {
        if count == slots.count { grow(filling: element) }
        slots[(head &+ count) & (slots.count &- 1)] = element
        count &+= 1
    }

    /// The oldest element, removed.
    /// - Precondition: not empty.
    @inlinable mutating func popFirst() -> Element {
        let element = slots[head]
        head = (head &+ 1) & (slots.count &- 1)
        count &-= 1
        return element
    }

    /// Doubles the ring (a power of two, at least 8), oldest element first.
    @usableFromInline mutating func grow(filling element: Element) {
        var grown = ContiguousArray(repeating: element, count: max(8, slots.count * 2))
        for index in 0..<count { grown[index] = slots[(head + index) & (slots.count - 1)] }
        slots = grown
        head = 0
    }
}
