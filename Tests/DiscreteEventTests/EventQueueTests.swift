import DiscreteEvent
import Testing

@Suite struct EventQueueTests {
    @Test func popsInTimeOrder() {
        var queue = EventQueue<String>()
        queue.push("c", at: SimTime(nanoseconds: 30))
        queue.push("a", at: SimTime(nanoseconds: 10))
        queue.push("b", at: SimTime(nanoseconds: 20))
        var popped: [String] = []
        while let event = queue.popFirst() { popped.append(event.payload) }
        #expect(popped == ["a", "b", "c"])
        #expect(queue.isEmpty)
    }

    @Test func equalTimesPopInPushOrder() {
        var queue = EventQueue<Int>()
        let now = SimTime(nanoseconds: 5)
        for value in 0..<100 { queue.push(value, at: value % 2 == 0 ? now : SimTime(nanoseconds: 7)) }
        var popped: [Int] = []
        while let event = queue.popFirst() { popped.append(event.payload) }
        #expect(popped == Array(stride(from: 0, to: 100, by: 2)) + Array(stride(from: 1, to: 100, by: 2)))
    }

    /// Random interleavings of push and pop against a sorted-array oracle, over many seeds.
    @Test(arguments: 0..<200 as Range<UInt64>)
    func matchesSortedArrayOracle(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var queue = EventQueue<Int>()
        var oracle: [(time: Int64, sequence: UInt64, payload: Int)] = []
        var sequence: UInt64 = 0
        var clock: Int64 = 0
        for step in 0..<400 {
            if generator.nextInt(below: 3) > 0 || oracle.isEmpty {
                // Few distinct times, so ties are common.
                let time = clock + Int64(generator.nextInt(below: 8))
                queue.push(step, at: SimTime(nanoseconds: time))
                oracle.append((time, sequence, step))
                sequence += 1
            } else {
                let index = oracle.indices.min { (oracle[$0].time, oracle[$0].sequence) < (oracle[$1].time, oracle[$1].sequence) }!
                let expected = oracle.remove(at: index)
                let actual = queue.popFirst()
                #expect(
                    actual?.payload == expected.payload && actual?.time.nanoseconds == expected.time,
                    "seed \(seed), step \(step): popped \(String(describing: actual?.payload)), expected \(expected.payload)")
                clock = expected.time
            }
            queue.checkInvariants()
        }
        #expect(queue.count == oracle.count, "seed \(seed)")
    }
}
