/// A first-in, first-out queue over an array with a moving head.
///
/// Storage is compacted once the consumed prefix is at least half of it, so memory stays
/// proportional to what is waiting.
/// - Complexity: amortised O(1) per `append` and `popFirst`.
package struct FIFOQueue<Element> {
    private var storage: ContiguousArray<Element> = []
    private var head = 0

    package init() {}

    package var count: Int { storage.count - head }
    package var isEmpty: Bool { head == storage.count }
    /// The oldest element, without removing it.
    package var first: Element? { head < storage.count ? storage[head] : nil }

    package mutating func append(_ element: Element) { storage.append(element) }

    package mutating func popFirst() -> Element? {
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
