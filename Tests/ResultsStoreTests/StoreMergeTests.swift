import CMBenchTestSupport
import Foundation
import Testing

@testable import ResultsStore

/// `merge(runs:evaluations:)`: what `cmbench runs merge` writes — keyed, idempotent, and with the
/// same rows and ids whatever the order in which inputs are given (when the caller sorts).
@Suite struct StoreMergeTests {
    /// Two stores holding overlapping runs and points.
    static func inputs() throws -> [(runs: [StoredRun], evaluations: [ResultsStore.StoredEvaluation])] {
        var result: [(runs: [StoredRun], evaluations: [ResultsStore.StoredEvaluation])] = []
        for keys in [["a", "b"], ["b", "c"]] {
            let store = try ResultsStore.inMemory()
            for key in keys { try store.insert(sampleRun(key: "run-\(key)", metrics: ["m_\(key)": 1])) }
            try store.recordPlanEvaluations(keys.map { (key: "point-\($0)", payload: "{\"p\":\"\($0)\"}") }, revision: "r1")
            result.append((try store.allRuns(), try store.allEvaluations()))
        }
        return result
    }

    /// Merges `sources` into a fresh store the way `runs merge` does and returns its export.
    static func merged(_ sources: [(runs: [StoredRun], evaluations: [ResultsStore.StoredEvaluation])], twice: Bool = false) throws -> String {
        let store = try ResultsStore.inMemory()
        for _ in 0..<(twice ? 2 : 1) {
            let runs = sources.flatMap(\.runs).sorted { ($0.createdAt, $0.runKey) < ($1.createdAt, $1.runKey) }
            _ = try store.merge(runs: runs, evaluations: sources.flatMap(\.evaluations).sorted { $0.key < $1.key })
        }
        let points = try store.allEvaluations().map { "\($0.key)=\($0.payload)@\($0.revision)" }.joined(separator: ";")
        return String(decoding: try store.exportJSON(), as: UTF8.self) + points
    }

    @Test func mergingAddsEachRunAndPointOnceAndTwiceAddsNothing() throws {
        let sources = try Self.inputs()
        let store = try ResultsStore.inMemory()
        let first = try store.merge(runs: sources.flatMap(\.runs), evaluations: sources.flatMap(\.evaluations))
        #expect(first.runs == 3)
        #expect(first.evaluations == 3)
        let again = try store.merge(runs: sources.flatMap(\.runs), evaluations: sources.flatMap(\.evaluations))
        #expect(again.runs == 0)
        #expect(again.evaluations == 0)
        #expect(try store.count() == 3)
        #expect(try store.run(key: "run-c")?.metrics == ["m_c": 1])
        #expect(try Self.merged(sources) == Self.merged(sources, twice: true))
    }

    @Test func theOrderOfTheInputsDoesNotMatter() throws {
        let sources = try Self.inputs()
        #expect(try Self.merged(sources) == Self.merged(sources.reversed()))
    }
}
