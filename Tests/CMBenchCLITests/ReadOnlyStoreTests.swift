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
    /// As root, a copy of the binary in `tools` is run: the checkout may sit where `nobody` cannot
    /// reach (CI clones under /root), and every path given is absolute for the same reason.
    func runReadOnly(_ arguments: [String], tools: TemporaryDirectory) throws -> CommandResult {
        guard getuid() == 0 else { return try CommandRunner.run(arguments) }
        let binary = tools.path("cmbench")
        if !FileManager.default.fileExists(atPath: binary) {
            try FileManager.default.copyItem(atPath: CommandRunner.binary.path, toPath: binary)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tools.url.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        }
        return try CommandRunner.run(
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments, executable: Self.setpriv
        )
    }

    @Test(.enabled(if: getuid() != 0 || FileManager.default.isExecutableFile(atPath: setpriv), "needs setpriv to drop root"))
    func readingCommandsWorkOnAStoreThisUserCannotWrite() throws {
        let directory = try TemporaryDirectory()
        let tools = try TemporaryDirectory()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)
            directory.cleanUp()
            tools.cleanUp()
        }
        let trace = tools.path("default.csv.zst")
        try FileManager.default.copyItem(atPath: SharedTraces.packageRoot.appendingPathComponent("traces/default.csv.zst").path, toPath: trace)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: trace)
        let store = directory.path("ro.db")
        let json = directory.path("run.json")
        let record = cmbench("replay", trace, "--backend", "fixed", "--max-requests", "20", "--store", store, "--json")
        try #require(record.status == .ok, "\(record.stderr)")
        try record.stdout.write(toFile: json, atomically: true, encoding: .utf8)
        // Every writer has closed: the store is one WAL-mode file, without -wal or -shm.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["ro.db", "run.json"])
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: json)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.url.path)

        let list = try runReadOnly(["runs", "list", "--store", store], tools: tools)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("default.csv.zst"))
        let show = try runReadOnly(["runs", "show", "1", "--store", store], tools: tools)
        #expect(show.status == 0 && show.stdout.contains("\"run_key\""), "\(show.stderr)")
        let export = try runReadOnly(["runs", "export", "--store", store], tools: tools)
        #expect(export.status == 0 && export.stdout.hasPrefix("id,run_key"), "\(export.stderr)")
        let gate = try runReadOnly(["gate", "1", "--baseline", json, "--store", store], tools: tools)
        #expect(gate.status == 0 && gate.stdout.contains("passed"), "\(gate.stdout)\(gate.stderr)")

        // Recording still needs a writable store, and says so.
        let write = try runReadOnly(
            ["replay", trace, "--backend", "fixed", "--max-requests", "5", "--store", store], tools: tools)
        #expect(write.status == 74, "\(write.stderr)")
        #expect(write.stderr.contains("read-only") || write.stderr.contains("writable"), "\(write.stderr)")
        // Nothing was created beside the store: no -shm, no -wal, no journal.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["ro.db", "run.json"])
    }
}
