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

    /// - Parameter launcher: a command that runs the binary (`["/usr/bin/setpriv", "--reuid=65534", …]`),
    ///   given the binary's path and `arguments` after its own.
    /// - Parameter executable: a program run instead of the binary, with `arguments` as they are
    ///   (`/bin/bash` with `-c SCRIPT`, for a test that needs redirections).
    public static func run(
        _ arguments: [String], stdin: Data? = nil, launcher: [String] = [], executable: String? = nil
    ) throws -> CommandResult {
        let process = Process()
        if let executable {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = launcher.dropFirst() + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
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

/// A `cmbench` process running in the background, for tests that signal it or read its
/// output while it runs. Its stderr goes to a file (read with ``stderr`` after it exits), so a
/// chatty process can never block on a full pipe.
public final class BackgroundCommand: @unchecked Sendable {
    public let process = Process()
    private let stderrURL: URL

    /// Starts `cmbench arguments`; stdout goes to `stdout` (a `Pipe` or `FileHandle`), or nowhere.
    public init(_ arguments: [String], stdout: Any? = nil) throws {
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("cmbench-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = CommandRunner.binary
        process.arguments = arguments
        process.currentDirectoryURL = SharedTraces.packageRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    deinit { try? FileManager.default.removeItem(at: stderrURL) }

    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` and returns how many seconds passed until the process had exited.
    @discardableResult
    public func signal(_ signal: Int32) -> Double {
        let start = DispatchTime.now()
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Waits for the process to exit; returns its exit status (or the signal that ended it).
    @discardableResult
    public func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the process wrote on stderr (complete once it has exited).
    public var stderr: String {
        (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
    }
}
