import CMBenchTestSupport
import Foundation
import Testing
import Digest
import TraceFormats

@testable import CMBenchCLI

/// What the built binary does with its outputs and inputs when the world is hostile: a full or
/// closed stdout, SIGTERM and SIGHUP mid-run, a FIFO or a pipe as the trace, a FIFO as an output
/// with nobody reading it.
@Suite(.serialized, .enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct OutputSafetyTests {
    static let header = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
    static let trace = header + (0..<2000).map { "\($0 * 1_000_000),\(100 + $0 % 7),\(5 + $0 % 3),,," }.joined(separator: "\n") + "\n"

    static func sha256(_ text: String) -> String {
        var hash = SHA256()
        hash.update(Array(text.utf8))
        return hash.finalizeHex()
    }

    /// Runs `script` in bash with `$CMBENCH` set to the binary, in `directory`.
    static func shell(_ script: String, in directory: TemporaryDirectory) throws -> CommandResult {
        try CommandRunner.run(
            ["-c", "cd \"\(directory.url.path)\" && CMBENCH=\"\(CommandRunner.binary.path)\" && \(script)"], executable: "/bin/bash")
    }

    static func field(_ name: String, in json: String) throws -> Any? {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["provenance"] as? [String: Any])?[name] ?? object?[name]
    }

    @Test(arguments: [
        "$CMBENCH replay t.csv --backend fixed --json > /dev/full",
        "$CMBENCH inspect t.csv > /dev/full",
        "$CMBENCH replay t.csv --backend fixed --requests-csv - > /dev/full",
    ])
    func aFullStdoutIsAnIOError(script: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Self.trace.write(toFile: directory.path("t.csv"), atomically: true, encoding: .utf8)
        let result = try Self.shell(script, in: directory)
        #expect(result.status == ExitStatus.ioError.rawValue, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("No space left on device"), "stderr: \(result.stderr)")
    }

    /// With stdout closed, the next file opened would become descriptor 1 and receive the report:
    /// the per-request CSV must hold only its rows, and the lost report is an I/O error.
    @Test func aClosedStdoutIsAnIOErrorAndNeverLandsInAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Self.trace.write(toFile: directory.path("t.csv"), atomically: true, encoding: .utf8)
        let result = try Self.shell("$CMBENCH replay t.csv --backend fixed --requests-csv r.csv >&-", in: directory)
        #expect(result.status == ExitStatus.ioError.rawValue, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("standard output"), "stderr: \(result.stderr)")
        let rows = try String(contentsOfFile: directory.path("r.csv"), encoding: .utf8)
        #expect(rows.hasPrefix("id,"))
        #expect(!rows.contains("TTFT"), "the report went into the CSV")
        #expect(try String(contentsOfFile: directory.path("t.csv"), encoding: .utf8) == Self.trace)
    }

    @Test(arguments: [(SIGTERM, ExitStatus.terminated, "SIGTERM"), (SIGHUP, ExitStatus.hangUp, "SIGHUP")])
    func terminationSignalsStopCleanlyWithTheirStatus(signal: Int32, status: ExitStatus, name: String) throws {
        let workspace = try CommandWorkspace(requests: 200_000)
        defer { workspace.directory.cleanUp() }
        let before = try workspace.entries()
        let replay = try BackgroundCommand([
            "replay", workspace.trace, "--backend", "fixed", "--no-progress", "--requests-csv", workspace.directory.path("requests.csv"),
        ])
        let deadline = Date().addingTimeInterval(30)
        while replay.isRunning, Date() < deadline, try !workspace.entries().contains(where: { $0.hasPrefix(".requests.csv.tmp-") }) {
            usleep(10_000)
        }
        usleep(300_000)
        try #require(replay.isRunning, "the replay finished before the signal")
        let seconds = replay.signal(signal)
        #expect(replay.process.terminationReason == .exit)
        #expect(replay.process.terminationStatus == status.rawValue)
        #expect(seconds < 1, "exited \(seconds) s after \(name)")
        #expect(replay.stderr.contains(name), "stderr: \(replay.stderr)")
        let after = try workspace.entries()
        #expect(after == before, "left \(after.subtracting(before))")
    }

    /// A FIFO output nobody reads blocks `open` forever; SIGTERM cannot be polled there, so the
    /// watchdog stops the process after its grace period.
    @Test func aStopWhileBlockedEndsAfterTheGracePeriod() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Self.trace.write(toFile: directory.path("t.csv"), atomically: true, encoding: .utf8)
        #expect(mkfifo(directory.path("nobody-reads"), 0o600) == 0)
        let replay = try BackgroundCommand([
            "replay", directory.path("t.csv"), "--backend", "fixed", "--summary-csv", directory.path("s.csv"),
            "--requests-csv", directory.path("nobody-reads"),
        ])
        usleep(500_000)
        try #require(replay.isRunning)
        let seconds = replay.signal(SIGTERM)
        #expect(replay.process.terminationStatus == ExitStatus.terminated.rawValue)
        #expect(seconds >= Double(Interrupt.gracePeriodSeconds) - 0.5 && seconds < Double(Interrupt.gracePeriodSeconds) + 2)
        #expect(replay.stderr.contains("did not stop by itself"), "stderr: \(replay.stderr)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(Set(entries) == ["t.csv", "nobody-reads"], "left \(entries)")
    }

    /// The checksum in the provenance is of the bytes read, for every kind of input, and of the
    /// whole input even when the replay stops early.
    @Test(arguments: [
        "$CMBENCH replay t.csv --backend fixed --json",
        "$CMBENCH replay t.csv --backend fixed --json --max-requests 3",
        "$CMBENCH replay - --backend fixed --json --max-requests 3 < t.csv",
        "cat t.csv | $CMBENCH replay - --backend fixed --json",
        "$CMBENCH replay <(cat t.csv) --backend fixed --json",
        "mkfifo p && (cat t.csv > p &) && $CMBENCH replay p --backend fixed --json",
        "zstd -q -c t.csv > t.zst && $CMBENCH replay t.zst --backend fixed --json --max-requests 3 && sha256sum t.zst >&2",
    ])
    func theTraceChecksumIsOfWhatWasRead(script: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Self.trace.write(toFile: directory.path("t.csv"), atomically: true, encoding: .utf8)
        let result = try Self.shell(script, in: directory)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let expected = script.contains("t.zst") ? String(result.stderr.split(separator: "\n").last!.prefix(64)) : Self.sha256(Self.trace)
        #expect(try Self.field("trace_sha256", in: result.stdout) as? String == expected)
    }

    /// `--requests-csv` has its provenance beside it, as every CSV output does.
    @Test func thePerRequestCSVHasItsProvenance() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Self.trace.write(toFile: directory.path("t.csv"), atomically: true, encoding: .utf8)
        let result = try Self.shell("$CMBENCH replay t.csv --backend fixed --requests-csv r.csv --seed 7", in: directory)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.url.appendingPathComponent("r.csv.meta.json"))) as? [String: Any]
        #expect(meta?["trace_sha256"] as? String == Self.sha256(Self.trace))
        #expect(meta?["seed"] as? Int == 7)
        #expect(meta?["command"] as? String == "replay")
    }
}
