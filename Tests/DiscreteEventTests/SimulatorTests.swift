import DiscreteEvent
import Testing

/// Logs every event it handles; events can ask for follow-ups at the current instant.
private struct LoggingModel: SimulationModel {
    enum Event: Equatable {
        case plain(String)
        /// Schedules `child` at the current instant (both `after: .zero` and `at: now`).
        case spawn(String, child: String)
    }

    var log: [(time: Int64, name: String)] = []

    mutating func handle(_ event: Event, in context: inout SimulationContext<Event>) {
        switch event {
        case .plain(let name):
            log.append((context.now.nanoseconds, name))
        case .spawn(let name, let child):
            log.append((context.now.nanoseconds, name))
            context.schedule(.plain(child + "-after"), after: .zero)
            context.schedule(.plain(child + "-at"), at: context.now)
        }
    }

    var names: [String] { log.map(\.name) }
}

/// Parents follow up at the current instant with a child that schedules a leaf a little later:
/// by scheduling the child, or (`inPlace`) by running it at once when nothing else is due now.
private struct FollowUpModel: SimulationModel {
    enum Event {
        case leaf(Int)
        case parent(Int, delay: Int64)
        case child(Int, delay: Int64)
    }

    let inPlace: Bool
    var log: [String] = []

    mutating func handle(_ event: Event, in context: inout SimulationContext<Event>) {
        switch event {
        case .leaf(let id):
            log.append("\(context.now.nanoseconds) leaf \(id)")
        case .parent(let id, let delay):
            log.append("\(context.now.nanoseconds) parent \(id)")
            if inPlace && context.nothingElseDueNow {
                context.countEventRunInPlace()
                runChild(id, delay: delay, in: &context)
            } else {
                context.schedule(.child(id, delay: delay), after: .zero)
            }
        case .child(let id, let delay):
            runChild(id, delay: delay, in: &context)
        }
    }

    mutating func runChild(_ id: Int, delay: Int64, in context: inout SimulationContext<Event>) {
        log.append("\(context.now.nanoseconds) child \(id)")
        context.schedule(.leaf(id), after: SimDuration(nanoseconds: delay))
    }
}

@Suite struct SimulatorTests {
    /// Running a follow-up in place when `nothingElseDueNow` changes nothing: the same events
    /// at the same times in the same order (ties included), and the same count.
    @Test(arguments: 0..<100 as Range<UInt64>)
    func aFollowUpRunInPlaceWhenNothingElseIsDueRunsAsIfScheduled(seed: UInt64) {
        var runs: [(log: [String], events: Int)] = []
        for inPlace in [false, true] {
            var generator = SeededGenerator(seed: seed)
            var simulator = Simulator(model: FollowUpModel(inPlace: inPlace))
            for id in 0..<40 {
                // Few distinct times and delays (zero included), so ties are common.
                let time = SimTime(nanoseconds: Int64(generator.nextInt(below: 12)))
                let delay = Int64(generator.nextInt(below: 3))
                if generator.nextInt(below: 2) == 0 {
                    simulator.schedule(.parent(id, delay: delay), at: time)
                } else {
                    simulator.schedule(.leaf(id), at: time)
                }
            }
            simulator.run()
            runs.append((simulator.model.log, simulator.eventsProcessed))
        }
        #expect(runs[0].log == runs[1].log, "seed \(seed)")
        #expect(runs[0].events == runs[1].events, "seed \(seed)")
    }

    @Test func sameInstantEventsFromOutsideRunInSchedulingOrder() {
        var simulator = Simulator(model: LoggingModel())
        let t = SimTime(nanoseconds: 100)
        for name in ["a", "b", "c"] { simulator.schedule(.plain(name), at: t) }
        simulator.schedule(.plain("early"), at: SimTime(nanoseconds: 50))
        simulator.run()
        #expect(simulator.model.names == ["early", "a", "b", "c"])
    }

    /// The documented rule: an event scheduled at `now` from a handler runs after every event
    /// already queued for that instant, and same-instant events run FIFO.
    @Test func eventsScheduledAtNowFromAHandlerRunAfterThoseAlreadyQueued() {
        var simulator = Simulator(model: LoggingModel())
        let t = SimTime(nanoseconds: 100)
        simulator.schedule(.spawn("first", child: "x"), at: t)
        simulator.schedule(.plain("second"), at: t)
        simulator.schedule(.spawn("third", child: "y"), at: t)
        simulator.schedule(.plain("later"), at: SimTime(nanoseconds: 101))
        simulator.run()
        #expect(simulator.model.names == ["first", "second", "third", "x-after", "x-at", "y-after", "y-at", "later"])
        #expect(simulator.model.log.prefix(7).allSatisfy { $0.time == 100 })
        #expect(simulator.eventsProcessed == 8)
    }

    @Test func stepRunsOneEventAndRunUntilStopsAtTheLimit() {
        var simulator = Simulator(model: LoggingModel())
        for time: Int64 in [10, 20, 30] { simulator.schedule(.plain("\(time)"), at: SimTime(nanoseconds: time)) }
        let stepped = simulator.step()
        #expect(stepped)
        #expect(simulator.now == SimTime(nanoseconds: 10))
        simulator.run(until: SimTime(nanoseconds: 25))
        #expect(simulator.model.names == ["10", "20"])
        #expect(simulator.now == SimTime(nanoseconds: 25))
        #expect(simulator.nextEventTime == SimTime(nanoseconds: 30))
        simulator.run()
        #expect(simulator.model.names == ["10", "20", "30"])
        let steppedWhenEmpty = simulator.step()
        #expect(!steppedWhenEmpty)
        #expect(simulator.pendingEventCount == 0)
    }

    @Test func twoSimulatorsInOneProcessDoNotInterfere() {
        var first = Simulator(model: LoggingModel())
        var second = Simulator(model: LoggingModel())
        first.schedule(.plain("f1"), at: SimTime(nanoseconds: 5))
        second.schedule(.plain("s1"), at: SimTime(nanoseconds: 1))
        first.schedule(.plain("f2"), at: SimTime(nanoseconds: 5))
        second.schedule(.plain("s2"), at: SimTime(nanoseconds: 1))
        // Interleave their steps: neither clock, queue nor sequence leaks into the other.
        first.step()
        second.step()
        second.step()
        first.step()
        #expect(first.model.names == ["f1", "f2"])
        #expect(second.model.names == ["s1", "s2"])
        #expect(first.now == SimTime(nanoseconds: 5))
        #expect(second.now == SimTime(nanoseconds: 1))
        #expect(first.eventsProcessed == 2 && second.eventsProcessed == 2)
    }

    @Test func schedulingInThePastIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            var simulator = Simulator(model: LoggingModel())
            simulator.schedule(.plain("a"), at: SimTime(nanoseconds: 10))
            simulator.step()
            simulator.schedule(.plain("b"), at: SimTime(nanoseconds: 9))
        }
    }
}

/// The same-instant rule against an oracle: events that schedule random follow-ups (many at
/// the current instant) run in exactly the order of a plain `(time, sequence)` heap, which is
/// what the context's instant queue must not change.
@Suite struct InstantQueueOrderTests {
    /// Draws each handled event's follow-ups: an id, a delay in ns (often 0) and which
    /// `schedule` to call.
    private struct Spawner {
        var generator: SeededGenerator
        var nextID = 1000
        var handled = 0

        mutating func followUps() -> [(id: Int, delay: Int64, at: Bool)] {
            handled += 1
            guard handled < 5000 else { return [] }
            return (0..<(1 + generator.nextInt(below: 2))).map { _ in
                nextID += 1
                return (nextID, [0, 0, 0, 1, 3][Int(generator.nextInt(below: 5))], generator.nextInt(below: 2) == 0)
            }
        }
    }

    private struct Spawning: SimulationModel {
        var spawner: Spawner
        var log: [Int] = []

        mutating func handle(_ id: Int, in context: inout SimulationContext<Int>) {
            log.append(id)
            for next in spawner.followUps() {
                let delay = SimDuration(nanoseconds: next.delay)
                if next.at { context.schedule(next.id, at: context.now + delay) } else { context.schedule(next.id, after: delay) }
            }
        }
    }

    private static let initial: [(id: Int, time: Int64)] = (0..<30).map { ($0, Int64($0 % 4) * 2) }

    /// The order of a plain `EventQueue`: the initial events, each handled event's follow-ups
    /// and, with `ticks`, a recurring event (ids -1, -2, …, 400 of them) 0–2 ns after the last.
    private static func heapOrder(seed: UInt64, ticks: Bool) -> [Int] {
        var spawner = Spawner(generator: SeededGenerator(seed: seed))
        var tickGenerator = SeededGenerator(seed: seed &+ 99)
        var queue = EventQueue<Int>()
        for event in initial { queue.push(event.id, at: SimTime(nanoseconds: event.time)) }
        if ticks { queue.push(-1, at: SimTime(nanoseconds: 1)) }
        var order: [Int] = []
        while let next = queue.popFirst() {
            order.append(next.payload)
            for followUp in spawner.followUps() {
                queue.push(followUp.id, at: next.time + SimDuration(nanoseconds: followUp.delay))
            }
            if next.payload < 0 && next.payload > -400 {
                queue.push(next.payload - 1, at: next.time + SimDuration(nanoseconds: Int64(tickGenerator.nextInt(below: 3))))
            }
        }
        return order
    }

    @Test(arguments: 0..<20)
    func orderMatchesAPlainHeap(seed: UInt64) {
        var simulator = Simulator(model: Spawning(spawner: Spawner(generator: SeededGenerator(seed: seed))))
        for event in Self.initial { simulator.schedule(event.id, at: SimTime(nanoseconds: event.time)) }
        simulator.run()
        #expect(simulator.model.log.count >= 5000)
        #expect(simulator.model.log == Self.heapOrder(seed: seed, ticks: false), "seed \(seed)")
    }

    /// A recurring event kept aside (`scheduleAside`, as a replay's arrivals) comes out where a
    /// plain heap would put it among the cascades, including at the current instant.
    @Test(arguments: 0..<20)
    func anEventAsideKeepsItsPlace(seed: UInt64) {
        var spawner = Spawner(generator: SeededGenerator(seed: seed))
        var ticks = SeededGenerator(seed: seed &+ 99)
        var context = SimulationContext<Int>()
        for event in Self.initial { context.schedule(event.id, at: SimTime(nanoseconds: event.time)) }
        context.scheduleAside(-1, at: SimTime(nanoseconds: 1))
        var log: [Int] = []
        while let id = context.takeNextEvent() {
            log.append(id)
            for next in spawner.followUps() { context.schedule(next.id, after: SimDuration(nanoseconds: next.delay)) }
            if id < 0 && id > -400 {
                context.scheduleAside(id - 1, at: context.now + SimDuration(nanoseconds: Int64(ticks.nextInt(below: 3))))
            }
        }
        #expect(log.filter { $0 < 0 }.count == 400)
        #expect(log == Self.heapOrder(seed: seed, ticks: true), "seed \(seed)")
    }
}
