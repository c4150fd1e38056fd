import CMBenchTestSupport
import Foundation
import Testing

@testable import ResultsStore

@Suite struct ResultsStoreTests {
    @Test func roundTripInMemory() throws {
        let store = try ResultsStore.inMemory()
        let run = sampleRun(key: "k1", metrics: ["ttft_p99_ms": 812.5, "goodput_rps": .nan, "tiny": 1e-300], seed: .max)
        let id = try store.insert(run)
        let stored = try #require(try store.run(id: id))
        #expect(stored.runKey == "k1")
        #expect(stored.createdAt == "2025-06-15T15:06:40.250Z")
        #expect(stored.command == run.command)
        #expect(stored.cmbenchVersion == run.cmbenchVersion)
        #expect(stored.tracePath == run.tracePath)
        #expect(stored.traceSHA256 == run.traceSHA256)
        #expect(stored.backend == "fixed-latency")
        #expect(stored.configurationJSON == run.configurationJSON)
        #expect(stored.seed == .max)
        #expect(stored.metrics["ttft_p99_ms"] == 812.5)
        #expect(stored.metrics["tiny"] == 1e-300)
        #expect(stored.metrics["goodput_rps"]?.isNaN == true)
        #expect(try store.run(key: "k1")?.id == id)
        #expect(try store.run(id: id + 1) == nil)
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let store = try ResultsStore.inMemory()
        let id = try store.insert(NewRun(command: "cost", cmbenchVersion: "0.6.0", backend: "model", metrics: [:]))
        let stored = try #require(try store.run(id: id))
        #expect(stored.tracePath == nil && stored.traceSHA256 == nil && stored.seed == nil)
        #expect(stored.metrics.isEmpty)
        #expect(stored.configurationJSON == "{}")
    }

    @Test func retriedInsertReturnsTheSameRow() throws {
        let store = try ResultsStore.inMemory()
        let first = try store.insert(sampleRun(key: "retry"))
        let second = try store.insert(sampleRun(key: "retry", metrics: ["other_ms": 1]))
        #expect(first == second)
        #expect(try store.count() == 1)
        #expect(try store.run(id: first)?.metrics["other_ms"] == nil)  // the first write stands
    }

    @Test func emptyRunKeyIsRefused() throws {
        let store = try ResultsStore.inMemory()
        #expect(throws: StoreError.self) { try store.insert(sampleRun(key: "")) }
    }

    @Test func listIsNewestFirstAndLimited() throws {
        let store = try ResultsStore.inMemory()
        for index in 0..<5 { try store.insert(sampleRun(key: "run-\(index)")) }
        #expect(try store.list(limit: 3).map(\.runKey) == ["run-4", "run-3", "run-2"])
        #expect(try store.list(limit: 0).isEmpty)
        #expect(try store.list().count == 5)
    }

    @Test func failedInsertLeavesNoPartialRun() throws {
        try withTemporaryStore { path, _ in
            let store = try ResultsStore(path: path)
            try store.insert(sampleRun(key: "good"))
            // A trigger fails the metric rows after the runs row was written, mid-transaction.
            try rawConnection(path).execute(
                """
                CREATE TRIGGER poison BEFORE INSERT ON run_metrics WHEN NEW.name = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned metric'); END
                """)
            #expect(throws: StoreError.self) {
                try store.insert(sampleRun(key: "bad", metrics: ["a_ms": 1, "poison": 2]))
            }
            #expect(try store.count() == 1)
            #expect(try store.run(key: "bad") == nil)
            #expect(try rawConnection(path).scalarInteger("SELECT count(*) FROM run_metrics") == 3)
        }
    }

    @Test func errorsKeepSQLitesWords() throws {
        let store = try ResultsStore.inMemory()
        try store.insert(sampleRun(key: "x"))
        let connection = try SQLiteConnection(path: ":memory:")
        do {
            try connection.execute("SELECT * FROM no_such_table")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("no such table: no_such_table"))
            #expect(error.sql == "SELECT * FROM no_such_table")
            #expect(error.extendedCode == StoreError.ResultCode.error)
            #expect(error.description.contains("SQLite code \(StoreError.ResultCode.error)"))
            #expect(!error.isLockConflict)
        }
    }

    @Test func exportTableAndJSON() throws {
        let store = try ResultsStore.inMemory()
        try store.insert(sampleRun(key: "a", metrics: ["ttft_p99_ms": 1.5]))
        try store.insert(sampleRun(key: "b", metrics: ["goodput_rps": 2, "ttft_p99_ms": .nan]))
        let table = try store.exportTable()
        #expect(table.header == ResultsStore.exportColumns + ["goodput_rps", "ttft_p99_ms"])
        #expect(table.rows.map(\.[1]) == ["a", "b"])
        #expect(table.rows[0].suffix(2) == ["", "1.5"])
        #expect(table.rows[1].suffix(2) == ["2.0", ""])

        let runs = try JSONDecoder().decode([StoredRun].self, from: store.exportJSON())
        #expect(runs.map(\.runKey) == ["a", "b"])
        #expect(runs[1].metrics["ttft_p99_ms"]?.isNaN == true)
        let text = String(decoding: try store.exportJSON(), as: UTF8.self)
        #expect(text.contains("\"ttft_p99_ms\" : null"))
    }

    @Test func forEachRunPagesThroughEverything() throws {
        let store = try ResultsStore.inMemory()
        for index in 0..<1203 { try store.insert(sampleRun(key: "r\(index)", metrics: ["i": Double(index)])) }
        var seen: [Double] = []
        try store.forEachRun { run in seen.append(run.metrics["i"]!) }
        #expect(seen == (0..<1203).map(Double.init))
    }
}
