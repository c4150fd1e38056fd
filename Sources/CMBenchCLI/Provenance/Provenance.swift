import Foundation

/// What produced an output, recorded in every report, JSON file and store row, so any number
/// can be traced back: cmbench version, the trace and its SHA-256, the configuration and the
/// seed.
struct Provenance: Codable, Sendable, Equatable {
    var cmbenchVersion = CMBenchVersion.string
    var command: String
    var trace: String?
    /// SHA-256 of the trace file's bytes as stored (compressed or not); nil for stdin.
    var traceSHA256: String?
    var configuration: [String: String]
    var seed: UInt64

    enum CodingKeys: String, CodingKey {
        case cmbenchVersion = "cmbench_version"
        case command, trace
        case traceSHA256 = "trace_sha256"
        case configuration, seed
    }

    /// Human-readable lines for the foot of a text report.
    var lines: [String] {
        var lines = ["cmbench \(cmbenchVersion) \(command)"]
        if let trace { lines.append("trace \(trace) sha256 \(traceSHA256 ?? "n/a (stdin)")") }
        let settings = configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)" }
        if !settings.isEmpty { lines.append("configuration " + settings.joined(separator: " ")) }
        lines.append("seed \(seed)")
        return lines
    }
}

/// SHA-256 of a file's bytes, read in 1 MiB chunks.
enum FileDigest {
    static func sha256(path: String) throws(CLIError) -> String? {
        if path == "-" { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let status: ExitStatus = errno == ENOENT ? .missingInput : .ioError
            throw CLIError(status, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var hash = SHA256()
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError(.ioError, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hash.finalizeHex()
    }
}

/// A file's SHA-256 computed on a second thread while the caller works (a replay), so that
/// hashing a large trace (~4 s for the 296 MB synthetic week) costs no wall time on a machine
/// with a core to spare. `value()` waits for it and rethrows its error. Only a regular file is
/// read in the background; anything else (a pipe such as `<(zstd -dc …)`, which a second reader
/// would steal bytes from) is hashed in `value()`, after the replay, as before.
final class BackgroundDigest: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<String?, CLIError>?
    private let path: String
    private let inBackground: Bool

    /// Starts hashing `path` now if it is a regular file.
    init(path: String) {
        self.path = path
        var status = stat()
        inBackground = path != "-" && stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        guard inBackground else { return }
        let thread = Thread { [self] in
            let outcome: Result<String?, CLIError>
            do throws(CLIError) { outcome = .success(try FileDigest.sha256(path: path)) } catch { outcome = .failure(error) }
            condition.lock()
            result = outcome
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "cmbench.sha256"
        thread.start()
    }

    /// The digest, once computed.
    func value() throws(CLIError) -> String? {
        guard inBackground else { return try FileDigest.sha256(path: path) }
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
