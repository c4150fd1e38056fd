import CMBenchTestSupport
import Foundation
import ResultsStore
import Testing

@testable import CMBenchCLI

/// Ctrl-C and a closed stdout, sent to the built `cmbench` binary while it works.
///
/// The trace is synthesised by `cmbench synth`: 200,000 requests, several seconds of replay in a
/// debug build, so the signal always lands mid-run (each test checks that it did).
@Suite(.serialized, .enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct SignalTests {
    /// A folder holding a long synthetic trace and a store that already holds one run.
    struct Workspace {
        let base: CommandWorkspace
        var directory: TemporaryDirectory { base.directory }
        var trace: String { base.trace }
        var store: String { base.store }
        func entries() throws -> Set<String> { try base.entries() }

        init() throws {
            base = try CommandWorkspace(requests: 200_000)
            let first = cmbench("replay", base.trace, "--backend", "fixed", "--max-requests", "10", "--store", base.store)
            try #require(first.status == .ok, "replay: \(first.stderr)")
        }

        /// Waits until `command` has been working for a while: for `file` to appear when given
        /// (a temporary output opened at the start of the run), then half a second.
        func letRun(_ command: BackgroundCommand, until file: String? = nil) throws {
            let deadline = Date().addingTimeInterval(30)
            while let file, command.isRunning, Date() < deadline,
                try !entries().contains(where: { $0.hasPrefix(file) })
            {
                usleep(10_000)
            }
            usleep(500_000)
            try #require(command.isRunning, "the command finished before the signal: make the trace longer")
        }

        /// The store still holds exactly its one earlier run, and SQLite finds the file sound.
        func expectStoreUnchanged() throws {
            let results = try ResultsStore(path: store)
            #expect(try results.count() == 1)
            #expect(try results.integrityCheck() == ["ok"])
        }
    }

    @Test func ctrlCStopsAReplayWithinASecondAndWritesNothing() throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let before = try workspace.entries()
        let replay = try BackgroundCommand([
            "replay", workspace.trace, "--backend", "fixed", "--no-progress", "--store", workspace.store,
            "--requests-csv", workspace.directory.path("requests.csv"),
        ])
        try workspace.letRun(replay, until: ".requests.csv.tmp-")

        let seconds = replay.signal(SIGINT)
        #expect(replay.process.terminationReason == .exit)
        #expect(replay.process.terminationStatus == CMBenchCLI.ExitStatus.interrupted.rawValue)
        #expect(seconds < 1, "exited \(seconds) s after SIGINT")
        #expect(replay.stderr.contains("interrupted"))
        // No requests.csv, no temporary file; the store's WAL files may come and go.
        let left = try workspace.entries().filter { !$0.hasPrefix("runs.sqlite") }
        #expect(left == before.filter { !$0.hasPrefix("runs.sqlite") })
        try workspace.expectStoreUnchanged()
    }

    @Test func ctrlCStopsASweepWithinASecondAndWritesNothing() throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let before = try workspace.entries()
        let sweep = try BackgroundCommand([
            "sweep", workspace.trace, "--over", "rate", "--values", "500,1000,2000,4000", "--backend", "fixed",
            "--csv", workspace.directory.path("curve.csv"),
        ])
        try workspace.letRun(sweep)

        let seconds = sweep.signal(SIGINT)
        #expect(sweep.process.terminationReason == .exit)
        #expect(sweep.process.terminationStatus == CMBenchCLI.ExitStatus.interrupted.rawValue)
        #expect(seconds < 1, "exited \(seconds) s after SIGINT")
        #expect(sweep.stderr.contains("interrupted"))
        #expect(try workspace.entries() == before)
        try workspace.expectStoreUnchanged()
    }

    /// Ctrl-C during a plan: the replays in flight stop, the best plan found so far is printed,
    /// no deployment file is written, exit 130.
    @Test func ctrlCDuringAPlanPrintsTheBestSoFarAndWritesNoDeployment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let output = directory.path("stdout.txt")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let plan = try BackgroundCommand(
            ["plan", "traces/default.csv.zst", "--slo", "ttft=2s,tpot=50ms", "--speed", "4", "--no-progress",
             "--write-deployment", directory.path("planned.json")], stdout: handle)
        usleep(3_000_000)
        try #require(plan.isRunning, "the plan finished before the signal")
        let seconds = plan.signal(SIGINT)
        try handle.close()
        #expect(plan.process.terminationStatus == CMBenchCLI.ExitStatus.interrupted.rawValue)
        #expect(seconds < 2, "exited \(seconds) s after SIGINT")
        #expect(plan.stderr.contains("best found before the stop"), "\(plan.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("Plan for traces/default.csv.zst"))
        #expect(text.contains("Stopped before the search finished"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["stdout.txt"])
    }

    /// `cmbench … | head -c 100`: the reader takes 100 bytes and closes the pipe. A stream still
    /// being written (per-request CSV, a synthetic trace on stdout) stops at once with status
    /// 141 and not a word on stderr; nothing is stored.
    @Test(arguments: ["replay", "synth"])
    func aClosedStdoutEndsAStreamQuietly(command: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let arguments =
            command == "replay"
            ? ["replay", workspace.trace, "--backend", "fixed", "--no-progress", "--requests-csv", "-", "--store", workspace.store]
            : ["synth", "-", "--requests", "1000000"]
        let pipe = Pipe()
        let process = try BackgroundCommand(arguments, stdout: pipe)
        let head = pipe.fileHandleForReading.readData(ofLength: 100)
        try pipe.fileHandleForReading.close()
        process.wait()

        #expect(head.count == 100)
        #expect(process.process.terminationReason == .exit)
        #expect(process.process.terminationStatus == CMBenchCLI.ExitStatus.brokenPipe.rawValue)
        #expect(process.stderr == "", "stderr: \(process.stderr)")
        try workspace.expectStoreUnchanged()
    }

    /// A finished command whose table is cut short by its reader keeps its own status: the work
    /// was done, only output nobody wanted was dropped.
    @Test func aClosedStdoutAfterTheWorkIsDoneKeepsStatusZero() throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let pipe = Pipe()
        let process = try BackgroundCommand(["inspect", workspace.trace, "--json"], stdout: pipe)
        try pipe.fileHandleForReading.close()
        process.wait()
        #expect(process.process.terminationStatus == CMBenchCLI.ExitStatus.ok.rawValue)
        #expect(process.stderr.contains("error") == false, "stderr: \(process.stderr)")
    }
}
