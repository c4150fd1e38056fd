/// A first-in, first-out queue over an array with a moving head.
///
/// Storage is compacted once the consumed prefix is at least half of it, so memory stays
/// proportional to what is waiting.
/// - Complexity: amortised O(1) per `append` and `popFirst`.
struct FIFOQueue<Element> {
    private var storage: ContiguousArray<Element> = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ element: Element) { storage.append(element) }

    mutating func popFirst() -> Element? {
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
