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
            #expect(error.kind == .invalidPath)
            #expect(error.message.contains("is a directory"))
        }
    }

    /// Names SQLite would open as a database that keeps nothing (or fails only at the first
    /// write) are refused before SQLite sees them, and nothing is created.
    @Test(arguments: [
        ("", "empty path"), (":memory:", "in-memory"), ("file:kept.db?mode=memory", "SQLite URI"),
        ("file:kept.db", "SQLite URI"), ("/dev/null", "character device"), ("missing-dir/", "directory"),
    ])
    func namesThatAreNotFilesAreRefused(path: String, words: String) throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.currentDirectoryPath)
        for open in [{ _ = try ResultsStore(path: path) }, { _ = try ResultsStore(readingAt: path) }] {
            let error = try #require(storeError(open))
            #expect(error.kind == .invalidPath, "\(error)")
            #expect(error.message.contains(words), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: FileManager.default.currentDirectoryPath) == before)
    }

    @Test func relativeNamesThatLookSpecialAreFiles() throws {
        try withTemporaryStore { _, directory in
            // SQLite is handed the absolute path, so "./:memory:" and "./file:x" are ordinary files.
            for name in [":memory:", "file:x.db?mode=memory"] {
                let path = directory.path(".") + "/" + name
                try ResultsStore(path: path).insert(sampleRun(key: name))
                #expect(try ResultsStore(readingAt: path).count() == 1)
            }
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

    @Test func readingNeverWritesOrMigrates() throws {
        try withTemporaryStore { _, directory in
            // An empty database file reads as a store with no runs, and stays untouched.
            let empty = directory.path("empty.sqlite")
            try Data().write(to: URL(fileURLWithPath: empty))
            let store = try ResultsStore(readingAt: empty)
            #expect(try store.count() == 0 && store.list().isEmpty && store.run(id: 1) == nil)
            #expect(try store.exportTable().rows.isEmpty)
            #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)

            // A store in rollback-journal mode is read without being switched to WAL.
            let rollback = directory.path("rollback.sqlite")
            try ResultsStore(connection: rawConnection(rollback), path: rollback).insert(sampleRun(key: "r"))
            try rawConnection(rollback).execute("PRAGMA journal_mode = DELETE")
            #expect(try ResultsStore(readingAt: rollback).run(key: "r") != nil)
            let mode = try rawConnection(rollback).prepare("PRAGMA journal_mode")
            #expect(try mode.step() && mode.text(0) == "delete")

            // Writing through a reading store fails; it does not upgrade to read-write.
            #expect(throws: StoreError.self) { try ResultsStore(readingAt: rollback).insert(sampleRun()) }
        }
    }

    @Test func readingRefusesWhatItCannotRead() throws {
        try withTemporaryStore { path, directory in
            #expect(storeError { _ = try ResultsStore(readingAt: path) }?.kind == .missing)
            let notes = directory.path("notes.txt")
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: notes))
            #expect(storeError { _ = try ResultsStore(readingAt: notes) }?.kind == .notAResultsStore)

            // A store one migration behind this binary: reading does not migrate, and says so.
            let old = directory.path("old.sqlite")
            let v1 = ["CREATE TABLE a (x INTEGER)"]
            _ = try ResultsStore(connection: rawConnection(old), path: old, migrations: v1)
            let error = try #require(storeError { _ = try ResultsStore(readingAt: old, migrations: v1 + ["CREATE TABLE b (y)"]) })
            #expect(error.kind == .schemaTooOld)
            #expect(error.message.contains("older than this cmbench"))
            #expect(try rawConnection(old).scalarInteger("PRAGMA user_version") == 1)

            _ = try ResultsStore(path: path)
            try rawConnection(path).execute("PRAGMA user_version = \(Schema.latestVersion + 1)")
            #expect(storeError { _ = try ResultsStore(readingAt: path) }?.kind == .schemaTooNew)
        }
    }

    @Test func uriPathsAreEscaped() {
        #expect(SQLiteConnection.percentEncoded("/a b/c?d#e%f.db") == "/a%20b/c%3Fd%23e%25f.db")
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
