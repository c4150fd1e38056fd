import CMBenchTestSupport
import Foundation

@testable import ResultsStore

/// A small run with distinct values, so round trips can be compared field by field.
func sampleRun(key: String = UUID().uuidString, metrics: [String: Double]? = nil, seed: UInt64? = 42) -> NewRun {
    NewRun(
        runKey: key, createdAt: Date(timeIntervalSince1970: 1_750_000_000.25), command: "replay --backend fixed",
        cmbenchVersion: "0.6.0-test", tracePath: "../shared/traces/azure-llm-2023-conv.csv",
        traceSHA256: String(repeating: "ab", count: 32), backend: "fixed-latency",
        configurationJSON: #"{"decodeBatchPerDie":96}"#, seed: seed,
        metrics: metrics ?? ["ttft_p99_ms": 812.5, "goodput_rps": 10.25, "requests_completed": 1000])
}

/// Runs `body` with a fresh store file in a temporary directory, removed afterwards.
func withTemporaryStore<T>(_ body: (_ path: String, _ directory: TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    return try body(directory.path("results/cmbench.sqlite"), directory)
}

/// A raw connection for inspecting or corrupting a file behind the store's back.
func rawConnection(_ path: String) throws -> SQLiteConnection {
    try SQLiteConnection(path: path)
}

/// The ``StoreError`` that `body` throws, or `nil` when it succeeds.
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return StoreError(kind: .sqlite, message: "unexpected error type: \(error)", path: "")
    }
}
