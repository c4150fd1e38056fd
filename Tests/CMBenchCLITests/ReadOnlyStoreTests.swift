import CMBenchTestSupport
import Foundation
import Testing

/// A store this user may only read is listed, shown, exported and gated without writing to it,
/// through the built binary. As root (CI), file permissions do not apply, so the binary runs as
/// `nobody` (`setpriv` from util-linux) on a store in a folder `nobody` cannot write; otherwise
/// the folder and the file are made read-only.
@Suite(.enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct ReadOnlyStoreTests {
    static let setpriv = "/usr/bin/setpriv"

    /// Runs the binary as a user who cannot write the store's folder (see the suite's comment).
    func runReadOnly(_ arguments: [String]) throws -> CommandResult {
        let launcher = getuid() == 0 ? [Self.setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        return try CommandRunner.run(arguments, launcher: launcher)
    }

    @Test(.enabled(if: getuid() != 0 || FileManager.default.isExecutableFile(atPath: setpriv), "needs setpriv to drop root"))
    func readingCommandsWorkOnAStoreThisUserCannotWrite() throws {
        let directory = try TemporaryDirectory()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)
            directory.cleanUp()
        }
        let store = directory.path("ro.db")
        let json = directory.path("run.json")
        let record = cmbench("replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "20", "--store", store, "--json")
        try #require(record.status == .ok, "\(record.stderr)")
        try record.stdout.write(toFile: json, atomically: true, encoding: .utf8)
        // Every writer has closed: the store is one WAL-mode file, without -wal or -shm.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["ro.db", "run.json"])
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: json)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.url.path)

        let list = try runReadOnly(["runs", "list", "--store", store])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("default.csv.zst"))
        let show = try runReadOnly(["runs", "show", "1", "--store", store])
        #expect(show.status == 0 && show.stdout.contains("\"run_key\""), "\(show.stderr)")
        let export = try runReadOnly(["runs", "export", "--store", store])
        #expect(export.status == 0 && export.stdout.hasPrefix("id,run_key"), "\(export.stderr)")
        let gate = try runReadOnly(["gate", "1", "--baseline", json, "--store", store])
        #expect(gate.status == 0 && gate.stdout.contains("passed"), "\(gate.stdout)\(gate.stderr)")

        // Recording still needs a writable store, and says so.
        let write = try runReadOnly(
            ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", store])
        #expect(write.status == 74, "\(write.stderr)")
        #expect(write.stderr.contains("read-only") || write.stderr.contains("writable"), "\(write.stderr)")
        // Nothing was created beside the store: no -shm, no -wal, no journal.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["ro.db", "run.json"])
    }
}
