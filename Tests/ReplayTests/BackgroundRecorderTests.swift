import CMBenchTestSupport
import DiscreteEvent
import Replay
import Serving
import Testing

/// Recording on a second thread must hand the base recorder the same outcomes and gaps, each in
/// the same order, as recording on the replay's thread.
@Suite struct BackgroundRecorderTests {
    @Test(arguments: [(nil, 3), (4, 11), (64, 2)] as [(Int?, UInt64)])
    func sameRecordsAsRecordingDirectly(concurrency: Int?, seed: UInt64) {
        let requests = SyntheticRequests.make(count: 5000, seed: seed)
        let timing: ReplayOptions.Timing = concurrency.map { .closedLoop(concurrency: $0) } ?? .recorded
        let direct = replay(requests, through: fixed(ttft: 20, tpot: 3, maxConcurrency: 8), options: ReplayOptions(timing: timing))

        var replayer = Replayer(backend: fixed(ttft: 20, tpot: 3, maxConcurrency: 8), options: ReplayOptions(timing: timing))
        var source = InMemoryRequestSource(requests)
        var recorder = BackgroundRecorder(InMemoryRecorder())
        let report = replayer.run(source: &source, recorder: &recorder)
        let recorded = recorder.finish()
        #expect(report == direct.report)
        #expect(recorded.outcomes == direct.outcomes)
        #expect(recorded.interTokenGaps == direct.gaps)
    }

    @Test func recordsOneByOneAndInRunsKeepOrder() {
        var recorder = BackgroundRecorder(InMemoryRecorder())
        var expected: [InterTokenGaps] = []
        for i in 1...5000 {
            let gaps = InterTokenGaps(gap: .milliseconds(Double(i)), count: i)
            expected.append(gaps)
            if i % 3 == 0 {
                var outcomes: ContiguousArray<RequestOutcome> = []
                var run: ContiguousArray<InterTokenGaps> = [gaps]
                recorder.record(outcomes: &outcomes, gaps: &run)
                #expect(run.isEmpty)
            } else {
                recorder.record(gaps)
            }
        }
        #expect(recorder.finish().interTokenGaps == expected)
    }

    /// A recorder dropped unfinished (a replay that threw) lets its thread end.
    @Test func droppingUnfinishedDoesNotHang() {
        for _ in 0..<20 {
            var recorder = BackgroundRecorder(InMemoryRecorder())
            for i in 0..<3000 { recorder.record(InterTokenGaps(gap: .milliseconds(1), count: i + 1)) }
        }
    }
}
