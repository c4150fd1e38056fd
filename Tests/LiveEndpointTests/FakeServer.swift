import CMBenchTestSupport
import Foundation
import Testing

/// The fake OpenAI server (Fixtures/fake_openai_server.py), started on 127.0.0.1 with an
/// ephemeral port for one test and stopped when the value goes.
final class FakeServer: @unchecked Sendable {
    static let script = SharedTraces.packageRoot.appendingPathComponent("Tests/LiveEndpointTests/Fixtures/fake_openai_server.py").path
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var available: Bool { python != nil }
    static let skipMessage: Comment = "needs python3 for the fake OpenAI server (Tests/LiveEndpointTests/Fixtures)"

    let process = Process()
    let port: Int
    let log: String

    init(_ arguments: [String] = []) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("fake-openai-\(UUID().uuidString).jsonl").path
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [Self.script, "--log", log] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let piece = out.fileHandleForReading.availableData
            guard !piece.isEmpty else { break }
            line.append(piece)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            throw NSError(domain: "FakeServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "no port from the fake server: \(text)"])
        }
        self.port = port
    }

    /// The fixtures' test-only certificate and key for 127.0.0.1 (`--tls`): self-signed, so a
    /// client trusts it only when told to (`ca_file=` the certificate).
    static let certificate = SharedTraces.packageRoot.appendingPathComponent("Tests/LiveEndpointTests/Fixtures/localhost-cert.pem").path
    static let key = SharedTraces.packageRoot.appendingPathComponent("Tests/LiveEndpointTests/Fixtures/localhost-key.pem").path
    static var tlsArguments: [String] { ["--tls", certificate, key] }

    var url: String { "http://127.0.0.1:\(port)/v1" }
    var httpsURL: String { "https://127.0.0.1:\(port)/v1" }

    /// The requests the server logged, one dictionary each.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    deinit {
        // SIGKILL: Foundation starts the child with signals blocked, so SIGTERM would wait.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: log)
    }
}
