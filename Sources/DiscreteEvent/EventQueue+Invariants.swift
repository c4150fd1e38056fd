extension EventQueue {
    /// Traps, naming the offending slot, unless every parent precedes its children.
    ///
    /// For tests: a heap that pops in the right order by luck can still be corrupt.
    /// - Complexity: O(n).
    package func checkInvariants() {
        for child in heap.indices.dropFirst() {
            let parent = (child - 1) / 2
            precondition(
                heap[parent].precedes(heap[child]),
                "heap order broken: slot \(parent) (\(heap[parent].time), #\(heap[parent].sequence)) "
                    + "does not precede slot \(child) (\(heap[child].time), #\(heap[child].sequence))")
        }
    }
}
