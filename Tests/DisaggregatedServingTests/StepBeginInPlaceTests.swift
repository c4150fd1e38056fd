import DiscreteEvent
import Replay
import Serving
import Testing

@testable import DisaggregatedServing

/// A decode step's begin runs in place at the step's end only when it would have been the next
/// event with nothing in between (`ServingContext.runsInPlaceNow()`): never across a progress
/// call. With a progress call after every event nothing runs in place, so each progress call of
/// a sparser run must see exactly the state the every-event run saw at the same count.
@Suite struct StepBeginInPlaceTests {
    struct Snapshot: Equatable {
        var events: Int
        var time: SimTime
        var admitted: Int
        var finished: Int
    }

    static func snapshots(interval: Int, timing: ReplayOptions.Timing) throws -> (snapshots: [Snapshot], run: ServingHarness.Run) {
        let requests = ServingHarness.conversations(count: 300, meanGap: .milliseconds(40))
        var replayer = Replayer(
            backend: try ServingHarness.backend(), options: ReplayOptions(timing: timing, progressInterval: interval))
        var source = InMemoryRequestSource(requests)
        var recorder = InMemoryRecorder()
        var seen: [Snapshot] = []
        let report = replayer.run(source: &source, recorder: &recorder) { progress in
            seen.append(
                Snapshot(
                    events: progress.eventsProcessed, time: progress.simulatedTime, admitted: progress.requestsAdmitted,
                    finished: progress.requestsFinished))
            return .continue
        }
        return (seen, ServingHarness.Run(outcomes: recorder.outcomes, gaps: recorder.interTokenGaps, report: report, backend: replayer.backend))
    }

    @Test(arguments: [2, 3, 7, 64])
    func progressCallsSeeWhatAnEveryEventRunSees(interval: Int) throws {
        for timing in [ReplayOptions.Timing.recorded, .closedLoop(concurrency: 40)] {
            let every = try Self.snapshots(interval: 1, timing: timing)
            let sparse = try Self.snapshots(interval: interval, timing: timing)
            #expect(sparse.snapshots == every.snapshots.filter { $0.events % interval == 0 }, "interval \(interval), \(timing)")
            #expect(sparse.run.outcomes == every.run.outcomes)
            #expect(sparse.run.report == every.run.report)
            #expect(sparse.run.backend.statistics == every.run.backend.statistics)
        }
    }
}
