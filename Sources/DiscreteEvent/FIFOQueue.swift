/// A first-in, first-out queue in a ring of slots whose count is a power of two.
///
/// No operation moves the waiting elements except the doubling when the ring is full, so a
/// queue that empties and refills (a prefill queue holding one prompt at a time, the events of
/// one instant) costs a slot write and a slot read, where clearing an array cost ~100
/// instructions each time. Slots keep a copy of an element after it is taken until they are
/// written again: meant for small plain values (indices, numbers), it holds nothing alive that
/// matters. Public and inlinable so that a backend in another module gets a copy specialised
/// for its element: Swift 6.3 does not specialise the `@inlinable` members of a `package` type
/// across modules, and unspecialised each pop went through generic metadata (~1,900
/// instructions in the CloudMatrix replay, against ~20).
/// - Complexity: `append` amortised O(1) (the ring doubles when full), `popFirst` O(1).
public struct FIFOQueue<Element> {
    @usableFromInline var slots: ContiguousArray<Element> = []
    @usableFromInline var head = 0
    @usableFromInline var stored = 0

    @inlinable public init() {}

    @inlinable public var count: Int { stored }
    @inlinable public var isEmpty: Bool { stored == 0 }
    /// The oldest element, without removing it.
    @inlinable public var first: Element? { stored > 0 ? slots[head] : nil }

    @inlinable public mutating func append(_ element: Element) {
        if stored == slots.count { grow(filling: element) }
        slots[(head &+ stored) & (slots.count &- 1)] = element
        stored &+= 1
    }

    @inlinable public mutating func popFirst() -> Element? {
        guard stored > 0 else { return nil }
        return removeFirst()
    }

    /// The oldest element, removed.
    /// - Precondition: the queue is not empty.
    @inlinable public mutating func removeFirst() -> Element {
        precondition(stored > 0, "removeFirst on an empty FIFOQueue")
        let element = slots[head]
        head = (head &+ 1) & (slots.count &- 1)
        stored &-= 1
        return element
    }

    /// Doubles the ring (at least 8 slots), oldest element first.
    @usableFromInline mutating func grow(filling element: Element) {
        var grown = ContiguousArray(repeating: element, count: Swift.max(8, slots.count * 2))
        for index in 0..<stored { grown[index] = slots[(head + index) & (slots.count - 1)] }
        slots = grown
        head = 0
    }
}
