import FileOutput
import Foundation

/// A buffered output: a file written to a temporary name beside its destination and renamed into
/// place on ``commit()``, so a failed or interrupted run never leaves a half-written file.
///
/// The path `-` means standard output; an existing device or FIFO is written in place
/// (``OutputDestination`` says why). Writes are buffered (64 KiB) so per-request CSVs with
/// millions of rows stream without holding the file in memory. If the object is released without
/// `commit()`, the temporary file is removed and any earlier file at the destination is left
/// untouched. With ``ProtectedFiles``, an output onto an input of the command is refused.
///
/// ```swift
/// let out = try OutputFile(path: "out/summary.csv")
/// try out.write("a,b\n1,2\n")
/// try out.commit()
/// ```
public final class OutputFile {
    /// The destination path, or `-`.
    public var path: String { destination.path }
    /// The inputs and outputs this output was checked against; companions (a CSV's
    /// `.meta.json`) are checked against the same.
    public let protection: ProtectedFiles?
    private let destination: OutputDestination
    private var buffer: [UInt8] = []
    private var finished = false
    private static let bufferLimit = 1 << 16

    public var isStandardOutput: Bool { destination.mode == .standardOutput }
    /// Whether this is a regular file renamed into place on commit, not stdout, a device or a
    /// FIFO: only a regular file gets a provenance companion beside it (`/dev/null.meta.json`
    /// is not a place to write).
    public var isRegularFile: Bool { destination.mode == .replacedOnCommit }
    /// Whether a write has failed (a full disk, or stdout's reader gone): long producers poll
    /// this to stop instead of computing output nobody can receive.
    public private(set) var hasFailed = false

    public init(path: String, protecting protection: ProtectedFiles? = nil) throws(ReportingError) {
        self.protection = protection
        destination = try OutputDestination(path: path, protecting: protection)
        buffer.reserveCapacity(Self.bufferLimit)
    }

    public func write(_ text: String) throws(ReportingError) {
        precondition(!finished, "write to \(path) after commit()")
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.bufferLimit { try flush() }
    }

    public func write(_ bytes: some Sequence<UInt8>) throws(ReportingError) {
        precondition(!finished, "write to \(path) after commit()")
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferLimit { try flush() }
    }

    /// Flushes and moves the file into place (replacing any earlier file atomically).
    public func commit() throws(ReportingError) {
        precondition(!finished, "commit() of \(path) twice")
        try flush()
        finished = true
        try destination.commit()
    }

    /// Writes `text` to `path` atomically in one call.
    public static func write(_ text: String, to path: String, protecting protection: ProtectedFiles? = nil) throws(ReportingError) {
        let file = try OutputFile(path: path, protecting: protection)
        try file.write(text)
        try file.commit()
    }

    /// Writes `data` to `path` atomically in one call.
    public static func write(_ data: Data, to path: String, protecting protection: ProtectedFiles? = nil) throws(ReportingError) {
        let file = try OutputFile(path: path, protecting: protection)
        try file.write(data)
        try file.commit()
    }

    private func flush() throws(ReportingError) {
        defer { buffer.removeAll(keepingCapacity: true) }
        do {
            try destination.write(buffer)
        } catch {
            hasFailed = true
            throw error
        }
    }
}

@available(*, unavailable)
extension OutputFile: Sendable {}
