import Foundation

/// Runs the built `cmbench` binary and captures what it printed and its exit status.
///
/// Binary-level tests check what in-process tests cannot: real exit codes, stderr versus
/// stdout, standard input.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CommandRunner {
    /// `.build/debug/cmbench` (built by `swift build --build-tests`, which CI runs).
    public static var binary: URL {
        SharedTraces.packageRoot.appendingPathComponent(".build/debug/cmbench")
    }

    public static var binaryAvailable: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    public static func run(_ arguments: [String], stdin: Data? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = SharedTraces.packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        // Tests keep stderr small, so reading stdout to the end first cannot deadlock.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errBytes = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errBytes, as: UTF8.self))
    }
}
