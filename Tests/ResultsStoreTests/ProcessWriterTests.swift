import CMBenchTestSupport
import Foundation
import Testing

@testable import ResultsStore

/// Several *processes* writing one store, one of them killed with SIGKILL midway.
///
/// The test binary re-runs itself with `--filter` naming ``worker()``, which only acts when
/// the environment says so; this gives real separate processes without a helper executable.
@Suite struct ProcessWriterTests {
    static let pathVariable = "CMBENCH_STORE_WORKER_PATH"
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment[pathVariable] != nil, "runs only as a child of fourProcessesAndOneKilled"))
    func worker() throws {
        let path = try #require(Self.environment[Self.pathVariable])
        let name = Self.environment["CMBENCH_STORE_WORKER_NAME"] ?? "worker"
        let runs = Int(Self.environment["CMBENCH_STORE_WORKER_RUNS"] ?? "") ?? 0
        let store = try ResultsStore(path: path)
        for index in 0..<runs {
            try store.insert(sampleRun(key: "\(name)-\(index)", metrics: ["i": Double(index), "a_ms": 1, "b_rps": 2]))
        }
    }

    @Test(.enabled(if: environment[pathVariable] == nil))
    func fourProcessesAndOneKilled() throws {
        try withTemporaryStore { path, _ in
            _ = try ResultsStore(path: path)  // create it, so the children race only on writes
            let runsPerWriter = 200
            let writers = try (0..<4).map { try spawnWorker(path: path, name: "p\($0)", runs: runsPerWriter) }
            let victim = try spawnWorker(path: path, name: "victim", runs: 1_000_000)

            // Kill the victim once it has committed some runs, while it is still writing.
            let store = try ResultsStore(path: path)
            let deadline = Date().addingTimeInterval(60)
            while try store.run(key: "victim-20") == nil && Date() < deadline { usleep(10_000) }
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            for writer in writers { writer.waitUntilExit() }

            #expect(victim.terminationReason == .uncaughtSignal)
            for writer in writers { #expect(writer.terminationStatus == 0) }
            for writer in 0..<4 {
                for index in 0..<runsPerWriter { #expect(try store.run(key: "p\(writer)-\(index)") != nil) }
            }
            let victimRuns = try rawConnection(path).scalarInteger("SELECT count(*) FROM runs WHERE run_key LIKE 'victim-%'")
            #expect(victimRuns > 20)
            // No partial run: every stored run has all three metric rows.
            let incomplete = try rawConnection(path).scalarInteger(
                "SELECT count(*) FROM runs WHERE (SELECT count(*) FROM run_metrics WHERE run_id = runs.id) != 3")
            #expect(incomplete == 0)
            #expect(try store.count() == 4 * runsPerWriter + Int(victimRuns))
            #expect(try store.integrityCheck() == ["ok"])
        }
    }

    private func spawnWorker(path: String, name: String, runs: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["--testing-library", "swift-testing", "--filter", "ProcessWriterTests/worker"]
        var environment = Self.environment
        environment[Self.pathVariable] = path
        environment["CMBENCH_STORE_WORKER_NAME"] = name
        environment["CMBENCH_STORE_WORKER_RUNS"] = String(runs)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
