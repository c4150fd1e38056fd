import Foundation

/// A text file written through a buffer to a temporary name and renamed into place by
/// `commit()`, so a run that fails or is interrupted leaves no half-written file.
///
/// `-` writes to standard output instead (nothing to rename).
final class OutputFile {
    let path: String
    private let temporaryPath: String?
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false

    init(path: String) throws(CLIError) {
        self.path = path
        if path == "-" {
            temporaryPath = nil
            descriptor = STDOUT_FILENO
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        temporaryPath = temporary
        descriptor = fd
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        if let temporaryPath, !committed {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    func write(_ text: String) throws(CLIError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try drain() }
    }

    func write(bytes: [UInt8]) throws(CLIError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try drain() }
    }

    /// Flushes, and renames the temporary file to its final name.
    func commit() throws(CLIError) {
        try drain()
        guard let temporaryPath else { return }
        guard fsync(descriptor) == 0 || errno == EINVAL, close(descriptor) == 0 else {
            throw CLIError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        committed = true
        guard rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw CLIError(.ioError, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func drain() throws(CLIError) {
        let failure = buffer.withUnsafeBytes { writeAll(descriptor, $0) }
        buffer.removeAll(keepingCapacity: true)
        if failure != 0 && !(failure == EPIPE && temporaryPath == nil) {
            throw CLIError(.ioError, "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }
}
