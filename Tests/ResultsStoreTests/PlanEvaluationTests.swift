import CMBenchTestSupport
import Digest
import Foundation
import Testing

@testable import ResultsStore

/// Schema 3: the cache of `cmbench plan`'s evaluated points, keyed by a digest the caller computes.
@Suite struct PlanEvaluationTests {
    static let keyA = String(repeating: "a", count: 64)
    static let keyB = String(repeating: "b", count: 64)

    @Test func pointsRoundTripAndUnknownKeysReadAsNil() throws {
        let store = try ResultsStore.inMemory()
        #expect(try store.planEvaluationCount() == 0)
        #expect(try store.planEvaluation(key: Self.keyA) == nil)
        try store.recordPlanEvaluations(
            [(key: Self.keyA, payload: #"{"tpot_ms":47.2}"#), (key: Self.keyB, payload: #"{"feasible":false}"#)], revision: "0123abcd")
        #expect(try store.planEvaluation(key: Self.keyA) == #"{"tpot_ms":47.2}"#)
        #expect(try store.planEvaluation(key: Self.keyB) == #"{"feasible":false}"#)
        #expect(try store.planEvaluation(key: String(repeating: "c", count: 64)) == nil)
        #expect(try store.planEvaluationCount() == 2)
        // Nothing to record is not an error and writes nothing.
        try store.recordPlanEvaluations([], revision: "0123abcd")
        #expect(try store.planEvaluationCount() == 2)
    }

    @Test func recordingAKeyAgainReplacesItsPayloadAndRevision() throws {
        try withTemporaryStore { path, _ in
            let store = try ResultsStore(path: path)
            try store.recordPlanEvaluations([(key: Self.keyA, payload: "1")], revision: "old")
            try store.recordPlanEvaluations([(key: Self.keyA, payload: "2"), (key: Self.keyB, payload: "3")], revision: "new")
            #expect(try store.planEvaluation(key: Self.keyA) == "2")
            #expect(try store.planEvaluationCount() == 2)
            let raw = try rawConnection(path)
            let statement = try raw.prepare("SELECT cmbench_revision, created_at FROM plan_evaluations WHERE key = '\(Self.keyA)'")
            #expect(try statement.step())
            #expect(statement.text(0) == "new")
            #expect(statement.text(1)?.hasSuffix("Z") == true)
            statement.reset()
            // Another process reading the file sees the points.
            #expect(try ResultsStore(readingAt: path).planEvaluation(key: Self.keyB) == "3")
        }
    }

    @Test func aBatchWithAnEmptyKeyIsRefusedWhole() throws {
        let store = try ResultsStore.inMemory()
        let error = storeError { try store.recordPlanEvaluations([(key: Self.keyA, payload: "1"), (key: "", payload: "2")], revision: "r") }
        #expect(error?.kind == .invalidRun)
        #expect(try store.planEvaluationCount() == 0)
    }

    /// A store written before schema 3 (here at schema 2, with a run) reads as having no points
    /// while read-only and unchanged; opening it to record upgrades it and keeps its run.
    @Test func aSchemaTwoStoreIsUpgradedAndKeepsItsRuns() throws {
        try withTemporaryStore { path, _ in
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let previous = Array(Schema.migrations.prefix(Schema.planEvaluationsVersion - 1))
            try ResultsStore(connection: rawConnection(path), path: path, migrations: previous).insert(sampleRun(key: "before"))
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == 2)

            let reader = try ResultsStore(readingAt: path)
            #expect(try reader.planEvaluation(key: Self.keyA) == nil)
            #expect(try reader.planEvaluationCount() == 0)
            #expect(try reader.count() == 1)
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == 2)

            let store = try ResultsStore(path: path)
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == Int64(Schema.latestVersion))
            try store.recordPlanEvaluations([(key: Self.keyA, payload: "{}")], revision: "r")
            try store.insert(sampleRun(key: "after"))
            // What `runs list`, `runs show` and `runs export` read is unaffected by the new table.
            let upgraded = try ResultsStore(readingAt: path)
            #expect(try upgraded.list().map(\.runKey) == ["after", "before"])
            #expect(try upgraded.run(key: "before")?.metrics == sampleRun().metrics)
            #expect(try upgraded.exportTable().rows.count == 2)
            #expect(try upgraded.planEvaluation(key: Self.keyA) == "{}")
            #expect(try upgraded.integrityCheck() == ["ok"])
        }
    }
}
