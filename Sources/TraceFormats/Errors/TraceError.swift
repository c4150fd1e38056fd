import ZstdStream

/// Why a trace could not be read or written: a code, a message that says what to fix, and where.
///
/// Every error names the file and, for row problems, the 1-based line (and field when known);
/// compressed-data errors carry the compressed byte offset zstd had reached. `description` renders
/// `file:line: reason`, the form editors and terminals link to. The command line maps `category`
/// to an exit code; nothing in this module prints or exits.
public struct TraceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: Sendable, Equatable {
        /// One row is malformed; the reason says how.
        case badRow(BadRowReason)
        /// The input file does not exist.
        case missingInput
        /// Reading or writing failed at the operating-system level (`errno` kept).
        case io(errno: Int32)
        /// The zstd data is damaged (or is not zstd where zstd was required).
        case corruptCompressed
        /// The zstd data ends inside a frame.
        case truncatedCompressed
        /// The zstd data is valid but refused: window too large, or over the decoded-size cap.
        case unsupportedCompressed
        /// The input is not text, or its first line is not any known trace header.
        case notATrace
        /// The first line is text but matches no known format (or not the one asked for).
        case unknownFormat
        /// The input holds no requests (empty, header only, or every row skipped).
        case noRequests
    }

    /// How the command line should treat the error (which exit code it maps to).
    public enum Category: String, Sendable, Equatable {
        /// The data is wrong (`EX_DATAERR`, 65).
        case badData
        /// The input file is missing (`EX_NOINPUT`, 66).
        case missingInput
        /// The system failed to read or write (`EX_IOERR`, 74).
        case io
    }

    public var code: Code
    /// What happened and what to do about it, without the location prefix.
    public var message: String
    /// The file as the user named it (`<stdin>` for standard input).
    public var file: String
    /// 1-based line number, when the error concerns a line.
    public var line: Int?
    /// The column or JSON key concerned, when known.
    public var field: String?
    /// Offset in the (compressed) input, for errors found while decoding bytes.
    public var byteOffset: Int64?

    public init(
        _ code: Code, _ message: String, file: String, line: Int? = nil, field: String? = nil,
        byteOffset: Int64? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.byteOffset = byteOffset
    }

    public var category: Category {
        switch code {
        case .missingInput: .missingInput
        case .io: .io
        case .badRow, .corruptCompressed, .truncatedCompressed, .unsupportedCompressed, .notATrace,
            .unknownFormat, .noRequests:
            .badData
        }
    }

    /// The bad-row reason, when this is a row error.
    public var badRowReason: BadRowReason? {
        if case .badRow(let reason) = code { return reason }
        return nil
    }

    /// `file:line: reason` (or `file: reason`, with the byte offset when there is one).
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let byteOffset, line == nil { text += "at byte \(byteOffset): " }
        if let field, badRowReason != nil { text += "field '\(field)': " }
        return text + message
    }

    /// Converts a zstd error found while reading `file`.
    init(_ error: ZstdError, file: String, line: Int?) {
        let code: Code =
            switch error.code {
            case .truncated, .empty: .truncatedCompressed
            case .windowTooLarge, .outputLimitExceeded: .unsupportedCompressed
            case .corrupt, .notZstd, .compressionFailed: .corruptCompressed
            }
        let where_ = line.map { " (after line \($0), the last line decoded)" } ?? ""
        self.init(code, error.message + where_, file: file, byteOffset: error.compressedOffset)
    }
}

/// The kinds of malformed row, used to count skipped rows per reason.
public enum BadRowReason: String, Sendable, Equatable, Hashable, Codable, CaseIterable, Comparable {
    case unparsableNumber = "unparsable number"
    case missingField = "missing field"
    case wrongColumnCount = "wrong column count"
    case negativeValue = "negative value"
    case overflow = "number too large"
    case notFinite = "not finite"
    case invalidTimestamp = "invalid timestamp"
    case timeWentBackwards = "time went backwards"
    case invalidUTF8 = "invalid UTF-8"
    case lineTooLong = "line too long"
    case invalidJSON = "invalid JSON"
    case notAList = "not a list"
    case invalidValue = "invalid value"

    public static func < (a: BadRowReason, b: BadRowReason) -> Bool { a.rawValue < b.rawValue }
}
