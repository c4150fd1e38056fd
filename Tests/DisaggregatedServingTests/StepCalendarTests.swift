import DiscreteEvent
import Testing

@testable import DisaggregatedServing

@Suite struct StepCalendarTests {
    @Test func popsByStepThenPushOrderAndOnlyWhatIsDue() {
        var calendar = StepCalendar<Int32>()
        for (slot, step) in [(0, 5), (1, 3), (2, 5), (3, 1), (4, 3), (5, 5)] { calendar.push(Int32(slot), step: Int64(step)) }
        #expect(calendar.count == 6)
        var order: [Int32] = []
        for step in Int64(0)...6 {
            while let slot = calendar.popFirst(dueBy: step) { order.append(slot) }
        }
        #expect(order == [3, 1, 4, 0, 2, 5])
        #expect(calendar.isEmpty)
    }

    /// An entry due at the step just asked about (a request with no token left joins at the
    /// current step) still comes out at the next ask.
    @Test func takesAnEntryDueAtTheCursor() {
        var calendar = StepCalendar<Int32>()
        #expect(calendar.popFirst(dueBy: 9) == nil)
        calendar.push(1, step: 9)
        #expect(calendar.popFirst(dueBy: 10) == 1)
    }

    /// Oracle: `CompletionHeap`, step by step as a decode instance uses it (pushes at or after
    /// the current step, then everything due), with spans beyond the ring's window, so the
    /// overflow heap and the ring hold entries of the same step.
    @Test(arguments: [Int64(8), 3 * Int64(StepCalendar<Int>.window)])
    func agreesWithCompletionHeap(maximumSpan: Int64) {
        for seed in UInt64(1)...10 {
            var generator = SeededGenerator(seed: seed)
            var calendar = StepCalendar<Int>()
            var heap = CompletionHeap<Int>()
            var nextID = 0
            for step in Int64(0)..<Int64(4 * StepCalendar<Int>.window) {
                for _ in 0..<generator.nextInt(below: 3) {
                    // Spans near the window's edge too, where ring and overflow meet.
                    let span = generator.nextInt(below: 4) == 0
                        ? Int64(StepCalendar<Int>.window) - 2 + Int64(generator.nextInt(below: 4))
                        : Int64(generator.nextInt(below: UInt64(maximumSpan)))
                    calendar.push(nextID, step: step + span)
                    heap.push(nextID, step: step + span)
                    nextID += 1
                }
                while true {
                    let expected = heap.popFirst(dueBy: step + 1)
                    let actual = calendar.popFirst(dueBy: step + 1)
                    #expect(actual == expected, "seed \(seed), step \(step)")
                    if expected == nil || actual == nil { break }
                }
                #expect(calendar.count == heap.count, "seed \(seed), step \(step)")
            }
        }
    }
}
