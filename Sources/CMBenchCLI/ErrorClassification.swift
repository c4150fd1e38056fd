import ServingMetrics
import Serving
import TraceFormats
import DisaggregatedServing
import Replay
import Reporting
import ResultsStore
import RegressionGate
import ZstdStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SystemDescription
import CostModel
import PaperReproduction

/// Maps the errors of every module to an exit status and a message, in one place.
enum ErrorClassification {
    static func classify(_ error: any Error) -> CLIError {
        switch error {
        case let error as CLIError:
            return error
        case _ where closedStandardOutput(error):
            // The reader of stdout has gone (`| head`): the end of the stream, not a failure to report.
            return CLIError(.brokenPipe, "")
        case let error as TraceError:
            let status: ExitStatus
            switch error.category {
            case .badData: status = .badData
            case .missingInput: status = .missingInput
            case .io: status = .ioError
            }
            let hint = error.badRowReason != nil ? "fix the row, or pass --skip-bad-rows to skip and count such rows" : nil
            return CLIError(status, error.description, hint: hint)
        case let error as ZstdError:
            return CLIError(.badData, "\(error)")
        case let error as WorkloadSpecError:
            return CLIError(.usage, error.description)
        case let error as BackendConfigurationError:
            // A file the backend read is to blame: report it as that file's error is reported
            // by every other command (explain, reproduce), with the same status and words.
            if let cause = error.cause { return classify(cause) }
            return CLIError(.usage, error.description)
        case let error as ReportingError where error.kind == .sameAsInput || error.kind == .notAFile:
            // The command line named an output that cannot be one: a usage error, nothing was written.
            return CLIError(.usage, "cannot write \(error.description)")
        case let error as ReportingError:
            return CLIError(.ioError, "cannot write \(error.description)")
        case let error as StoreError where error.isLockConflict:
            // Another writer kept the lock past the store's busy timeout.
            let seconds = Double(ResultsStore.busyTimeoutMilliseconds) / 1000
            return CLIError(
                .ioError,
                "results store \(error.path) is locked: another process kept its write lock past cmbench's "
                    + "\(formatFixed(seconds, digits: 0)) s wait (\(error.message))",
                hint: "retry once the other writer has finished, or record into another --store file")
        case let error as StoreError where error.kind == .invalidPath:
            return CLIError(.usage, "--store '\(error.path)': \(error.message)")
        case let error as StoreError where error.kind == .missing:
            return CLIError(
                .missingInput, "\(error.path): \(error.message)",
                hint: "record a run with 'cmbench replay TRACE --store \(error.path)'")
        case let error as StoreError:
            return CLIError(.ioError, "results store: \(error)")
        case let error as GatePolicyError:
            return CLIError(.badData, "thresholds: \(error)")
        case let error as ConfigError where error.code == .missingFile:
            return CLIError(.missingInput, "\(error)")
        case let error as ConfigError where error.code == .unreadableFile:
            return CLIError(.ioError, "\(error)")
        case let error as ConfigError:
            return CLIError(.badData, "\(error)", hint: "fix the configuration file named above")
        case let error as SLOParseError:
            return CLIError(.usage, error.description)
        case let error as ReplayOptionsError:
            return CLIError(.usage, error.description)
        default:
            return CLIError(
                .internalError, "internal error: \(error)", hint: "please report this with the command line that caused it")
        }
    }

    /// Whether `error` is a write to stdout (`-`) that failed because its reader closed the pipe.
    static func closedStandardOutput(_ error: any Error) -> Bool {
        switch error {
        case let error as ReportingError: return error.path == "-" && error.errno == EPIPE
        case let error as TraceError: return error.file == "-" && error.code == .io(errno: EPIPE)
        default: return false
        }
    }
}
