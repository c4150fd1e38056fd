import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written to a temporary name beside its destination and renamed into place on
/// ``commit()``, so a failed or interrupted run never leaves a half-written file.
///
/// The path `-` means standard output (no temporary file; `commit()` only flushes).
/// Writes are buffered (64 KiB) so per-request CSVs with millions of rows stream without
/// holding the file in memory. If the object is released without `commit()`, the temporary
/// file is removed and any earlier file at the destination is left untouched.
///
/// ```swift
/// let out = try OutputFile(path: "out/summary.csv")
/// try out.write("a,b\n1,2\n")
/// try out.commit()
/// ```
public final class OutputFile {
    /// The destination path, or `-`.
    public let path: String
    private let descriptor: Int32
    private let temporaryPath: String?
    private var buffer: [UInt8] = []
    private var finished = false
    private static let bufferLimit = 1 << 16

    public var isStandardOutput: Bool { temporaryPath == nil }
    /// Whether a write has failed (a full disk, or stdout's reader gone): long producers poll
    /// this to stop instead of computing output nobody can receive.
    public private(set) var hasFailed = false

    public init(path: String) throws(ReportingError) {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            temporaryPath = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        // A hidden name in the same directory, so the final rename stays on one filesystem (atomic).
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let code = errno
            throw ReportingError(
                kind: .cannotCreate, path: path,
                message: "cannot create a file in \(directory): \(String(cString: strerror(code)))", errno: code)
        }
        descriptor = fd
        temporaryPath = temporary
        buffer.reserveCapacity(Self.bufferLimit)
    }

    deinit {
        if let temporaryPath, !finished {
            close(descriptor)
            unlink(temporaryPath)
        }
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

    /// Flushes, syncs and renames the file into place (replacing any earlier file atomically).
    public func commit() throws(ReportingError) {
        precondition(!finished, "commit() of \(path) twice")
        try flush()
        guard let temporaryPath else {
            finished = true
            return
        }
        // fsync before rename: otherwise a crash could leave the new name pointing at empty data.
        if fsync(descriptor) != 0 { throw systemError(.writeFailed, "cannot sync") }
        if close(descriptor) != 0 { throw systemError(.writeFailed, "cannot close") }
        finished = true
        if rename(temporaryPath, path) != 0 {
            let error = systemError(.cannotRename, "cannot move the finished file into place")
            unlink(temporaryPath)
            throw error
        }
    }

    /// Writes `text` to `path` atomically in one call.
    public static func write(_ text: String, to path: String) throws(ReportingError) {
        let file = try OutputFile(path: path)
        try file.write(text)
        try file.commit()
    }

    /// Writes `data` to `path` atomically in one call.
    public static func write(_ data: Data, to path: String) throws(ReportingError) {
        let file = try OutputFile(path: path)
        try file.write(data)
        try file.commit()
    }

    private func flush() throws(ReportingError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                hasFailed = true
                throw systemError(.writeFailed, "cannot write")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func systemError(_ kind: ReportingError.Kind, _ what: String) -> ReportingError {
        let code = errno
        return ReportingError(kind: kind, path: path, message: "\(what): \(String(cString: strerror(code)))", errno: code)
    }
}

@available(*, unavailable)
extension OutputFile: Sendable {}

/// The C `write`, named apart from ``OutputFile/write(_:)-(String)``.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}
