import Foundation

/// Locates the real public traces in `../shared/traces` beside the checkout.
///
/// Tests that read them are disabled, with a message naming the folder, where it is absent:
/// `@Test(.enabled(if: SharedTraces.available, SharedTraces.missingMessage))`.
public enum SharedTraces {
    /// The package root, found from this source file's path (Tests/CMBenchTestSupport/…).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let directory: URL = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/traces")

    public static var azureConversation: String { directory.appendingPathComponent("azure-llm-2023-conv.csv").path }
    public static var mooncakeConversation: String {
        directory.appendingPathComponent("mooncake-conversation.jsonl").path
    }

    public static var available: Bool {
        FileManager.default.fileExists(atPath: azureConversation)
            && FileManager.default.fileExists(atPath: mooncakeConversation)
    }

    public static let missingMessage =
        "../shared/traces not found beside the checkout: the real-trace tests are skipped"
}

/// A fresh temporary directory for one test; removed by the caller with `cleanUp()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("cmbench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
