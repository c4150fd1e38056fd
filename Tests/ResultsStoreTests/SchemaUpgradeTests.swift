import CMBenchTestSupport
import Digest
import Foundation
import Testing

@testable import ResultsStore

/// Schema 2 (source revision, toolchain, configuration files): a store written by an older
/// cmbench still opens and lists, read-only without being upgraded; recording into it upgrades it
/// and keeps its runs.
@Suite struct SchemaUpgradeTests {
    static let files = [
        FileDigest(role: "hardware", path: "configs/hardware/ascend-910c.json", sha256: String(repeating: "1", count: 64)),
        FileDigest(role: "deployment", path: "configs/deployments/cloudmatrix-infer.json", sha256: String(repeating: "2", count: 64)),
    ]

    /// A store at schema 1, as cmbench wrote it before schema 2, holding one run.
    static func schemaOneStore(at path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try ResultsStore(connection: rawConnection(path), path: path, migrations: Array(Schema.migrations.prefix(1)))
        let raw = try rawConnection(path)
        try raw.execute(
            """
            INSERT INTO runs (run_key, created_at, command, cmbench_version, trace_path, trace_sha256, backend, configuration_json, seed)
            VALUES ('old', '2025-06-01T12:00:00.000Z', 'replay', '0.1.0', 'traces/default.csv.zst', NULL, 'cloudmatrix', '{}', '1');
            INSERT INTO run_metrics (run_id, name, value) VALUES (1, 'ttft_ms.p99', 308.9);
            """)
    }

    @Test func anOldStoreOpensAndListsReadOnlyWithoutBeingUpgraded() throws {
        try withTemporaryStore { path, _ in
            try Self.schemaOneStore(at: path)
            let store = try ResultsStore(readingAt: path)
            #expect(try store.count() == 1)
            let run = try #require(try store.list().first)
            #expect(run.runKey == "old")
            #expect(run.metrics == ["ttft_ms.p99": 308.9])
            #expect(run.sourceRevision == nil && run.toolchain == nil && run.configFiles == nil)
            #expect(try store.exportTable().rows.count == 1)
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == 1)
        }
    }

    @Test func recordingIntoAnOldStoreUpgradesItAndKeepsItsRuns() throws {
        try withTemporaryStore { path, _ in
            try Self.schemaOneStore(at: path)
            var new = sampleRun(key: "new")
            new.sourceRevision = "0123abcd-dirty"
            new.toolchain = "Swift version 6.0.3"
            new.configFiles = Self.files
            var none = sampleRun(key: "fixed")
            none.configFiles = []
            let store = try ResultsStore(path: path)
            let id = try store.insert(new)
            let noneID = try store.insert(none)
            #expect(try rawConnection(path).scalarInteger("PRAGMA user_version") == Int64(Schema.latestVersion))

            let reader = try ResultsStore(readingAt: path)
            #expect(try reader.run(key: "old")?.configFiles == nil)
            let stored = try #require(try reader.run(id: id))
            #expect(stored.sourceRevision == "0123abcd-dirty")
            #expect(stored.toolchain == "Swift version 6.0.3")
            #expect(stored.configFiles == Self.files)
            #expect(try reader.run(id: noneID)?.configFiles == [])
            let export = try reader.exportTable()
            let column = try #require(export.header.firstIndex(of: "config_files"))
            #expect(export.rows.map { $0[column] } == ["", "hardware configs/hardware/ascend-910c.json \(String(repeating: "1", count: 64)); "
                + "deployment configs/deployments/cloudmatrix-infer.json \(String(repeating: "2", count: 64))", "none"])
            // JSON keeps them too, as runs show prints them.
            let json = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
            #expect(json.contains("\"source_revision\":\"0123abcd-dirty\"") && json.contains("\"config_files\""))
        }
    }
}
