import CMBenchTestSupport
import Foundation
import Testing

@testable import ResultsStore

/// Several writers, each with its own connection, on one file: nothing lost, nothing doubled.
@Suite struct ConcurrentWriterTests {
    @Test func threadsWritingOneStoreLoseNothing() throws {
        try withTemporaryStore { path, _ in
            let writers = 4
            let runsPerWriter = 250
            let failures = FailureLog()
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                do {
                    // Each thread opens its own store, as separate processes would.
                    let store = try ResultsStore(path: path)
                    for index in 0..<runsPerWriter {
                        try store.insert(sampleRun(key: "w\(writer)-\(index)", metrics: ["i": Double(index)]))
                        // Every writer also retries a shared key: it must be stored once.
                        if index % 50 == 0 { try store.insert(sampleRun(key: "shared-\(index)")) }
                    }
                } catch {
                    failures.append("writer \(writer): \(error)")
                }
            }
            #expect(failures.messages.isEmpty, "\(failures.messages)")

            let store = try ResultsStore(path: path)
            let shared = runsPerWriter / 50
            #expect(try store.count() == writers * runsPerWriter + shared)
            var keys: [String] = []
            try store.forEachRun { keys.append($0.runKey) }
            #expect(Set(keys).count == keys.count)
            for writer in 0..<writers {
                for index in 0..<runsPerWriter { #expect(try store.run(key: "w\(writer)-\(index)")?.metrics["i"] == Double(index)) }
            }
            #expect(try rawConnection(path).scalarInteger("SELECT count(*) FROM run_metrics")
                == Int64(writers * runsPerWriter + shared * 3))
            #expect(try store.integrityCheck() == ["ok"])
        }
    }
}

/// Collects error text from worker threads.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ message: String) { lock.withLock { storage.append(message) } }
    var messages: [String] { lock.withLock { storage } }
}
