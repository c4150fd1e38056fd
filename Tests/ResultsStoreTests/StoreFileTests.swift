import CMBenchTestSupport
import Foundation
import Testing

@testable import ResultsStore

/// Opening, reopening, refusing foreign files, and schema migrations.
@Suite struct StoreFileTests {
    @Test func createsParentsSetsWALAndReopens() throws {
        try withTemporaryStore { path, _ in
            let id: Int64
            do {
                let store = try ResultsStore(path: path)
                id = try store.insert(sampleRun(key: "persisted"))
            }
            let raw = try rawConnection(path)
            #expect(try raw.scalarInteger("PRAGMA application_id") == Int64(Schema.applicationID))
            #expect(try raw.scalarInteger("PRAGMA user_version") == Int64(Schema.latestVersion))
            let mode = try raw.prepare("PRAGMA journal_mode")
            #expect(try mode.step() && mode.text(0) == "wal")

            let reopened = try ResultsStore(path: path)
            #expect(try reopened.run(id: id)?.runKey == "persisted")
            #expect(try reopened.integrityCheck() == ["ok"])
            try reopened.checkpoint()
        }
    }

    @Test func directoryPathIsRefused() throws {
        try withTemporaryStore { _, directory in
            let error = try #require(storeError { _ = try ResultsStore(path: directory.url.path) })
            #expect(error.kind == .badPath)
            #expect(error.message.contains("is a directory"))
        }
    }

    @Test func unopenablePathIsABadPath() throws {
        // A parent that is a regular file cannot hold a database, even for root.
        try withTemporaryStore { _, directory in
            try Data("x".utf8).write(to: directory.url.appendingPathComponent("file"))
            let error = try #require(storeError { _ = try ResultsStore(path: directory.path("file/cmbench.sqlite")) })
            #expect(error.kind == .badPath, "\(error)")
        }
    }

    @Test func plainTextFileIsNotAStore() throws {
        try withTemporaryStore { path, directory in
            let notes = directory.path("notes.txt")
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: notes))
            let error = try #require(storeError { _ = try ResultsStore(path: notes) })
            #expect(error.kind == .notAResultsStore)
            #expect(error.message.contains("not an SQLite database"))
            #expect(try String(contentsOfFile: notes, encoding: .utf8).hasPrefix("not a database"))
        }
    }

    @Test func foreignSQLiteFilesAreRefusedAndLeftAlone() throws {
        try withTemporaryStore { _, directory in
            let other = directory.path("other.sqlite")
            try rawConnection(other).execute("CREATE TABLE notes (body TEXT)")
            let tagged = directory.path("tagged.sqlite")
            try rawConnection(tagged).execute("PRAGMA application_id = 1234")
            for path in [other, tagged] {
                let error = try #require(storeError { _ = try ResultsStore(path: path) })
                #expect(error.kind == .notAResultsStore)
                #expect(error.message.contains("not a cmbench results store"))
                let mode = try rawConnection(path).prepare("PRAGMA journal_mode")
                #expect(try mode.step() && mode.text(0) == "delete")  // not switched to WAL
            }
        }
    }

    @Test func newerSchemaIsRefused() throws {
        try withTemporaryStore { path, _ in
            _ = try ResultsStore(path: path)
            try rawConnection(path).execute("PRAGMA user_version = \(Schema.latestVersion + 1)")
            let error = try #require(storeError { _ = try ResultsStore(path: path) })
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.contains("newer than this cmbench"))
        }
    }

    @Test func migrationsRunInOrderOnce() throws {
        try withTemporaryStore { _, directory in
            let path = directory.path("migrated.sqlite")
            let v1 = ["CREATE TABLE a (x INTEGER)"]
            let v2 = v1 + ["ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'migrated')"]
            _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: v1)
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == 1)
            _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: v2)
            _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: v2)  // no rerun
            let raw = try rawConnection(path)
            #expect(try raw.scalarInteger("PRAGMA user_version") == 2)
            #expect(try raw.scalarInteger("SELECT count(*) FROM a") == 1)
        }
    }

    @Test func failedMigrationRollsBackEverything() throws {
        try withTemporaryStore { _, directory in
            let path = directory.path("migrated.sqlite")
            let v1 = ["CREATE TABLE a (x INTEGER)"]
            _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: v1)
            let broken = v1 + ["CREATE TABLE b (x INTEGER)", "CREATE TABLE a (duplicate INTEGER)"]
            #expect(throws: StoreError.self) {
                _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: broken)
            }
            let raw = try rawConnection(path)
            #expect(try raw.scalarInteger("PRAGMA user_version") == 1)
            #expect(try raw.scalarInteger("SELECT count(*) FROM sqlite_schema WHERE name = 'b'") == 0)
        }
    }
}
