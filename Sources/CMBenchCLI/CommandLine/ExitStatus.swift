/// The process exit statuses cmbench uses, documented in `--help` and the README.
///
/// sysexits.h meanings where one fits; 2 is the gate's "regression found", as in
/// package-benchmark; 129, 130, 141 and 143 are the shell's statuses for SIGHUP, SIGINT,
/// SIGPIPE and SIGTERM (128 + the signal's number).
package enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    case internalError = 1
    case regression = 2
    case usage = 64
    case badData = 65
    case missingInput = 66
    case ioError = 74
    case hangUp = 129
    case interrupted = 130
    /// Standard output was closed by its reader (`cmbench … --requests-csv - | head`) while a
    /// stream was still being written: cmbench stops at once, says nothing, stores nothing, and
    /// exits as `yes | head` does. Output written at the end of a finished command (a table,
    /// JSON) is dropped quietly instead, with the command's own status.
    case brokenPipe = 141
    case terminated = 143

    package var meaning: String {
        switch self {
        case .ok: "success"
        case .internalError: "internal error (a bug: please report it)"
        case .regression: "the gate found a performance regression"
        case .usage: "usage error: unknown command or flag, malformed value, an output onto an input or another output"
        case .badData: "bad input data: a malformed trace row, a corrupt or truncated zstd stream, an invalid configuration file, a gate input that compares nothing"
        case .missingInput: "an input does not exist: a trace, a configuration file or folder, a results store or run"
        case .ioError: "I/O error: unreadable input, unwritable output (a full disk or device, a failed stdout), database error"
        case .hangUp: "stopped by SIGHUP (the terminal closed): nothing half-written is left"
        case .interrupted: "interrupted (Ctrl-C): nothing half-written is left"
        case .brokenPipe: "stdout closed by its reader (| head) mid-stream: stopped quietly, nothing stored"
        case .terminated: "stopped by SIGTERM (kill, timeout, a batch scheduler): nothing half-written is left"
        }
    }
}
