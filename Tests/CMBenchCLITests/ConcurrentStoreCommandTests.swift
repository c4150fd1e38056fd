import CMBenchTestSupport
import Foundation
import ResultsStore
import Testing

@testable import CMBenchCLI

/// Four writers recording runs into one store at once through the built binary, each a loop of
/// `cmbench replay tiny.csv --backend fixed --store S` processes (one run per process: the
/// command line has no way to store many runs from one process). The seed tells the runs apart.
///
/// A debug `cmbench` takes about 50 ms per run, so 4 × 75 runs fit in seconds on two cores;
/// `ResultsStoreTests.ProcessWriterTests` drives 4 × 200 runs, plus a victim, through the store
/// library directly.
@Suite(.serialized, .enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct ConcurrentStoreCommandTests {
    static let runsPerWriter = 75

    struct Workspace {
        let base: CommandWorkspace
        var directory: TemporaryDirectory { base.directory }
        var trace: String { base.trace }
        var store: String { base.store }

        init() throws { base = try CommandWorkspace(requests: 5) }

        func replay(seed: Int) throws -> BackgroundCommand {
            try BackgroundCommand(["replay", trace, "--backend", "fixed", "--no-progress", "--seed", String(seed), "--store", store])
        }

        /// Writer `writer`'s run `index` has seed `writer * 10_000 + index`.
        static func seed(writer: Int, index: Int) -> Int { writer * 10_000 + index }

        /// Every stored run's seed, with how many times it occurs; every run has `metrics` metrics.
        func storedSeeds() throws -> (seeds: [Int: Int], metricCounts: Set<Int>) {
            let results = try ResultsStore(path: store)
            var seeds: [Int: Int] = [:]
            var metricCounts: Set<Int> = []
            try results.forEachRun { run in
                seeds[Int(run.seed ?? 0), default: 0] += 1
                metricCounts.insert(run.metrics.count)
            }
            #expect(try results.integrityCheck() == ["ok"])
            return (seeds, metricCounts)
        }
    }

    /// Runs `body(writer)` for writers 0..<count on threads of their own, at once.
    static func concurrently(_ count: Int, _ body: @Sendable @escaping (Int) throws -> Void) throws {
        let failures = FailureList()
        DispatchQueue.concurrentPerform(iterations: count) { writer in
            do { try body(writer) } catch { failures.append("writer \(writer): \(error)") }
        }
        try #require(failures.items.isEmpty, "\(failures.items)")
    }

    @Test func fourWritersEveryRunPresentOnce() throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let statuses = FailureList()
        try Self.concurrently(4) { writer in
            for index in 0..<Self.runsPerWriter {
                let command = try workspace.replay(seed: Workspace.seed(writer: writer, index: index))
                let status = command.wait()
                if status != 0 { statuses.append(Self.failure(command, status, writer: writer, index: index)) }
            }
        }
        #expect(statuses.items.isEmpty, "\(statuses.items)")
        let (seeds, metricCounts) = try workspace.storedSeeds()
        let expected = Set((0..<4).flatMap { w in (0..<Self.runsPerWriter).map { Workspace.seed(writer: w, index: $0) } })
        #expect(Set(seeds.keys) == expected)
        #expect(seeds.values.allSatisfy { $0 == 1 }, "duplicated runs: \(seeds.filter { $0.value > 1 })")
        #expect(metricCounts.count == 1)
    }

    /// Writer 3's processes are each killed with SIGKILL after a delay that sweeps from 0 to
    /// past a run's length, so some die starting up, some mid-replay and some inside the store's
    /// transaction. The other writers lose nothing; a killed run is there whole or not at all.
    /// A failed writer run, with how it ended and what it said, so a failure can be diagnosed.
    static func failure(_ command: BackgroundCommand, _ status: Int32, writer: Int, index: Int) -> String {
        let how = command.process.terminationReason == .uncaughtSignal ? "signal" : "exit status"
        return "writer \(writer) run \(index): \(how) \(status), stderr: \(command.stderr)"
    }

    @Test func fourWritersOneKilledRepeatedly() throws {
        let workspace = try Workspace()
        defer { workspace.directory.cleanUp() }
        let statuses = FailureList()
        let killed = FailureList()
        try Self.concurrently(4) { writer in
            for index in 0..<Self.runsPerWriter {
                let command = try workspace.replay(seed: Workspace.seed(writer: writer, index: index))
                if writer == 3 {
                    usleep(UInt32(index * 1_000))  // 0 to 74 ms
                    command.signal(SIGKILL)  // too late when it has already exited: then it must have succeeded
                    if command.process.terminationReason == .uncaughtSignal {
                        killed.append("\(index)")
                        continue
                    }
                }
                let status = command.wait()
                if status != 0 { statuses.append(Self.failure(command, status, writer: writer, index: index)) }
            }
        }
        #expect(statuses.items.isEmpty, "\(statuses.items)")
        #expect(!killed.items.isEmpty, "no writer-3 process was killed: the kill came too late")
        let (seeds, metricCounts) = try workspace.storedSeeds()
        for writer in 0..<3 {
            for index in 0..<Self.runsPerWriter { #expect(seeds[Workspace.seed(writer: writer, index: index)] == 1) }
        }
        #expect(seeds.values.allSatisfy { $0 == 1 }, "duplicated runs: \(seeds.filter { $0.value > 1 })")
        let killedIndices = Set(killed.items.compactMap(Int.init))
        for index in 0..<Self.runsPerWriter where !killedIndices.contains(index) {
            #expect(seeds[Workspace.seed(writer: 3, index: index)] == 1, "writer 3's finished run \(index) is missing")
        }
        let expected = Set((0..<4).flatMap { w in (0..<Self.runsPerWriter).map { Workspace.seed(writer: w, index: $0) } })
        #expect(Set(seeds.keys).isSubset(of: expected))
        #expect(metricCounts.count == 1, "a run with missing metrics: \(metricCounts)")
    }
}

/// Strings appended from several threads.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var items: [String] { lock.withLock { list } }
    func append(_ item: String) { lock.withLock { list.append(item) } }
}
