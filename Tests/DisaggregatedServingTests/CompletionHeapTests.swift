import DiscreteEvent
import Testing

@testable import DisaggregatedServing

@Suite struct CompletionHeapTests {
    @Test func popsByStepThenPushOrder() {
        var heap = CompletionHeap<Int32>()
        for (slot, step) in [(0, 5), (1, 3), (2, 5), (3, 1), (4, 3), (5, 5)] { heap.push(Int32(slot), step: Int64(step)) }
        #expect(heap.count == 6)
        var order: [Int32] = []
        while let entry = heap.popFirst() { order.append(entry.payload) }
        // Step 1; then step 3 in push order (1, 4); then step 5 in push order (0, 2, 5).
        #expect(order == [3, 1, 4, 0, 2, 5])
        #expect(heap.isEmpty && heap.first == nil)
    }

    @Test func popsOnlyWhatIsDue() {
        var heap = CompletionHeap<Int32>()
        heap.push(7, step: 4)
        heap.push(8, step: 2)
        #expect(heap.popFirst(dueBy: 1) == nil)
        #expect(heap.popFirst(dueBy: 3) == 8)
        #expect(heap.popFirst(dueBy: 3) == nil)
        #expect(heap.popFirst(dueBy: 4) == 7)
        #expect(heap.popFirst(dueBy: .max) == nil)
    }

    /// Oracle: a stable sort by step of everything pushed, under interleaved pushes and pops.
    @Test func agreesWithAStableSortUnderInterleavedPushesAndPops() {
        for seed in UInt64(1)...20 {
            var generator = SeededGenerator(seed: seed)
            var heap = CompletionHeap<Int>()
            var pending: [(step: Int64, id: Int)] = []
            var nextID = 0
            for _ in 0..<400 {
                if generator.nextInt(below: 3) != 0 || pending.isEmpty {
                    // Few distinct steps, so ties are common.
                    let step = Int64(generator.nextInt(below: 8))
                    heap.push(nextID, step: step)
                    pending.append((step, nextID))
                    nextID += 1
                } else {
                    let index = pending.indices.min { pending[$0].step < pending[$1].step || (pending[$0].step == pending[$1].step && pending[$0].id < pending[$1].id) }!
                    let expected = pending.remove(at: index)
                    let actual = heap.popFirst()
                    #expect(actual?.payload == expected.id && actual?.step == expected.step, "seed \(seed)")
                }
            }
            #expect(heap.count == pending.count, "seed \(seed)")
        }
    }
}
