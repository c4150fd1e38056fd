import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a command writes: results to `out`, everything else (progress, warnings, skipped-row
/// counts, errors) to `err`, so `cmbench … --json | jq` always works.
///
/// The process uses `Console.standard`; tests use `Console.capturing()` and read the text
/// back.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    /// Whether a progress line may be drawn on `err` (a terminal, not `TERM=dumb`).
    public var showsProgress: Bool
    /// Whether `err` may carry colour (a terminal, `NO_COLOR` unset, not `TERM=dumb`).
    public var usesColor: Bool

    public init(
        out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
        showsProgress: Bool = false, usesColor: Bool = false
    ) {
        self.out = out
        self.err = err
        self.showsProgress = showsProgress
        self.usesColor = usesColor
    }

    /// The process's stdout and stderr.
    public static var standard: Console {
        let environment = ProcessEnvironment()
        let stderrIsTerminal = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb"
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        return Console(
            out: { text in StandardStream.output.write(text) },
            err: { text in StandardStream.error.write(text) },
            showsProgress: stderrIsTerminal,
            usesColor: stderrIsTerminal && !noColor)
    }

    /// A console that records what is written, for tests.
    public static func capturing() -> (console: Console, output: CapturedOutput) {
        let captured = CapturedOutput()
        let console = Console(out: { captured.append(out: $0) }, err: { captured.append(err: $0) })
        return (console, captured)
    }

    public func printOut(_ line: String) { out(line + "\n") }
    public func printErr(_ line: String) { err(line + "\n") }
}

/// Text a capturing console has received.
public final class CapturedOutput: Sendable {
    private let text = Mutex((out: "", err: ""))

    public var stdout: String { text.withLock { $0.out } }
    public var stderr: String { text.withLock { $0.err } }

    func append(out more: String) { text.withLock { $0.out += more } }
    func append(err more: String) { text.withLock { $0.err += more } }
}

/// Buffered writes to a file descriptor (stdout, stderr).
///
/// A closed pipe (`cmbench … | head`) is a normal end, not an error: SIGPIPE is ignored at
/// start-up and writes after EPIPE are dropped quietly. Any other failed write (`>/dev/full`, a
/// closed stdout) is kept in ``failure`` and ends the command with an I/O error: a result that
/// did not reach its reader must not look like success.
final class StandardStream: Sendable {
    static let output = StandardStream(descriptor: STDOUT_FILENO, bufferLimit: 1 << 16)
    static let error = StandardStream(descriptor: STDERR_FILENO, bufferLimit: 0)

    private struct State {
        var buffer: [UInt8] = []
        var closed = false
        var firstFailure: Int32?
    }

    private let descriptor: Int32
    private let bufferLimit: Int
    private let state = Mutex(State())

    private init(descriptor: Int32, bufferLimit: Int) {
        self.descriptor = descriptor
        self.bufferLimit = bufferLimit
    }

    func write(_ text: String) {
        state.withLock { state in
            state.buffer.append(contentsOf: text.utf8)
            if state.buffer.count > bufferLimit { drain(&state) }
        }
    }

    func flush() { state.withLock { drain(&$0) } }

    /// The `errno` of the first write that failed for a reason other than a closed pipe.
    var failure: Int32? { state.withLock { $0.firstFailure } }

    private func drain(_ state: inout State) {
        defer { state.buffer.removeAll(keepingCapacity: true) }
        guard !state.closed, !state.buffer.isEmpty else { return }
        let code = state.buffer.withUnsafeBytes { writeAll(descriptor, $0) }
        guard code != 0 else { return }
        state.closed = true  // nobody can read what follows either
        if code != EPIPE { state.firstFailure = code }
    }
}

/// The standard descriptors a process may start without (`cmbench … >&-`).
enum StandardDescriptors {
    /// Occupies each closed descriptor 0–2 with `/dev/null`, before anything else is opened:
    /// otherwise the next file opened (the trace, a temporary output) would *become* stdout, and
    /// the report would be written into it. Stdin and stdout get it read-only, so reading finds an
    /// empty input and writing fails with EBADF, reported as an I/O error like any other.
    static func occupyClosed() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) < 0 {
            let opened = open("/dev/null", descriptor == STDERR_FILENO ? O_WRONLY : O_RDONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
    }
}

/// Writes every byte to `descriptor`, retrying short writes and EINTR; returns 0 or errno.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return 0
}

/// Read access to the process environment without Foundation.
struct ProcessEnvironment {
    subscript(name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
