/// A first-in, first-out queue over an array with a moving head.
///
/// Storage is compacted once the consumed prefix is at least half of it, so memory stays
/// proportional to what is waiting. Public and inlinable so that a backend in another module
/// gets a copy specialised for its element: Swift 6.3 does not specialise the `@inlinable`
/// members of a `package` type across modules, and unspecialised each pop went through generic
/// metadata (~1,900 instructions in the CloudMatrix replay, against ~20).
/// - Complexity: amortised O(1) per `append` and `popFirst`.
public struct FIFOQueue<Element> {
    @usableFromInline var storage: ContiguousArray<Element> = []
    @usableFromInline var head = 0

    @inlinable public init() {}

    @inlinable public var count: Int { storage.count - head }
    @inlinable public var isEmpty: Bool { head == storage.count }
    /// The oldest element, without removing it.
    @inlinable public var first: Element? { head < storage.count ? storage[head] : nil }

    @inlinable public mutating func append(_ element: Element) { storage.append(element) }

    @inlinable public mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }
}
