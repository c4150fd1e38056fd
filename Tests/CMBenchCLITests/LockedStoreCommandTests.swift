import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI
@testable import ResultsStore

/// A store whose write lock another process keeps past the busy timeout: the run is not
/// recorded, and cmbench says the store is locked, how long it waited and what to do, with the
/// I/O status — instead of a bare SQLite code. (The holder here is a connection in the test
/// process, which SQLite's file locks treat like any other process.)
@Suite(.enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct LockedStoreCommandTests {
    @Test func aStoreLockedByAnotherWriterIsAClearIOError() throws {
        let workspace = try CommandWorkspace(requests: 5)
        defer { workspace.directory.cleanUp() }
        let first = cmbench("replay", workspace.trace, "--backend", "fixed", "--no-progress", "--store", workspace.store)
        try #require(first.status == .ok, "\(first.stderr)")

        let holder = try SQLiteConnection(path: workspace.store)
        try holder.execute("BEGIN IMMEDIATE")
        let locked = cmbench("replay", workspace.trace, "--backend", "fixed", "--no-progress", "--store", workspace.store)
        try holder.execute("ROLLBACK")

        #expect(locked.status == .ioError)
        #expect(locked.stderr.contains("is locked"), "\(locked.stderr)")
        #expect(locked.stderr.contains("another --store"), "\(locked.stderr)")
        #expect(try ResultsStore(path: workspace.store).count() == 1)  // nothing half-recorded
        #expect(try ResultsStore(path: workspace.store).integrityCheck() == ["ok"])
    }
}
