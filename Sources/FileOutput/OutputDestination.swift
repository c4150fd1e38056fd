#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an output goes, opened so that nothing is lost whatever the destination is.
///
/// * A regular file (or a new name) is written to a hidden temporary file beside it and renamed
///   into place by ``commit()``: a failed or interrupted run never leaves a half-written file, and
///   an earlier file stays untouched until the new one is complete. A symbolic link is followed:
///   the file it points to is replaced and the link stays.
/// * A character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe a reader is
///   waiting on) is written directly, as the shell's `>` would: replacing it with a regular file
///   would leave its reader with nothing. Its write errors (`/dev/full`) are reported.
/// * `-` is standard output, written directly.
/// * A directory is refused.
///
/// With ``ProtectedFiles``, a destination that is one of the command's inputs, or another of its
/// outputs, is refused before anything is created.
public final class OutputDestination {
    public enum Mode: Sendable {
        case standardOutput
        /// Written to a temporary file, renamed over the destination by `commit()`.
        case replacedOnCommit
        /// An existing device, FIFO or socket, written in place.
        case direct
    }

    /// The path as given (`-` for stdout).
    public let path: String
    public let mode: Mode
    private let descriptor: Int32
    private let temporaryPath: String?
    /// Where the temporary file is renamed to (the symbolic link's target, if the path is one).
    private let finalPath: String
    private var finished = false

    public init(path: String, protecting files: ProtectedFiles? = nil) throws(OutputError) {
        self.path = path
        if path == "-" {
            mode = .standardOutput
            descriptor = STDOUT_FILENO
            temporaryPath = nil
            finalPath = path
            return
        }
        guard !path.isEmpty else { throw OutputError(kind: .cannotCreate, path: path, message: "an empty path names no file") }
        var info = stat()
        let exists = stat(path, &info) == 0
        let target = exists ? (PathResolution.resolved(path) ?? path) : path
        let (directory, name) = PathResolution.split(target)
        guard !name.isEmpty else { throw OutputError(kind: .notAFile, path: path, message: "names a directory, not a file") }
        try files?.claimOutput(path: path)

        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw OutputError(kind: .notAFile, path: path, message: "is a directory; name a file inside it")
            }
            let fd = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else { throw Self.failure(.cannotCreate, path, "cannot open for writing") }
            mode = .direct
            descriptor = fd
            temporaryPath = nil
            finalPath = target
            return
        }
        // A hidden name in the same directory, so the final rename stays on one filesystem (atomic).
        let temporary = directory + "." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let shown = directory.isEmpty ? "." : String(directory.dropLast())
            throw Self.failure(.cannotCreate, path, "cannot create a file in \(shown)")
        }
        TemporaryFiles.register(temporary)
        mode = .replacedOnCommit
        descriptor = fd
        temporaryPath = temporary
        finalPath = target
    }

    deinit {
        guard !finished else { return }
        if mode != .standardOutput { close(descriptor) }
        if let temporaryPath {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
        }
    }

    /// Writes every byte, retrying short writes and interrupted calls.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        precondition(!finished, "write to \(path) after commit()")
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure(.writeFailed, path, "cannot write")
            }
            offset += written
        }
    }

    /// Writes every byte of `bytes`.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(OutputError) in try write(raw) } }.get()
    }

    /// Completes the output: syncs and renames a temporary file into place (replacing any earlier
    /// file atomically), or closes a device. Standard output is left open.
    public func commit() throws(OutputError) {
        precondition(!finished, "commit() of \(path) twice")
        finished = true
        switch mode {
        case .standardOutput:
            return
        case .direct:
            if close(descriptor) != 0 { throw Self.failure(.writeFailed, path, "cannot close") }
        case .replacedOnCommit:
            let temporaryPath = temporaryPath!
            defer { TemporaryFiles.unregister(temporaryPath) }
            // fsync before rename: otherwise a crash could leave the new name pointing at empty data.
            if fsync(descriptor) != 0 || close(descriptor) != 0 {
                let error = Self.failure(.writeFailed, path, "cannot complete the write")
                unlink(temporaryPath)
                throw error
            }
            if rename(temporaryPath, finalPath) != 0 {
                let error = Self.failure(.cannotRename, path, "cannot move the finished file into place")
                unlink(temporaryPath)
                throw error
            }
        }
    }

    private static func failure(_ kind: OutputError.Kind, _ path: String, _ what: String) -> OutputError {
        let code = errno
        return OutputError(kind: kind, path: path, message: "\(what): \(String(cString: strerror(code)))", errno: code)
    }
}

@available(*, unavailable)
extension OutputDestination: Sendable {}

/// The C `write`, named apart from ``OutputDestination/write(_:)``.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}
