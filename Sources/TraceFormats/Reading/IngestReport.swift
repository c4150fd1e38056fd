/// What reading a trace did: how many lines, rows and requests, and everything not turned into a
/// request, with reasons.
///
/// Nothing is dropped silently: failed requests (BurstGPT rows with 0 response tokens), skipped
/// bad rows (per reason, with the first few examples), blank lines and unknown JSON keys are all
/// counted here, so the command line can print them at the end of a run.
public struct IngestReport: Sendable, Equatable {
    /// Bad rows skipped for one reason.
    public struct Skipped: Sendable, Equatable {
        public var reason: BadRowReason
        public var count: Int
        /// The first few errors of this kind (at most `IngestReport.examplesKept`), in file order.
        public var examples: [TraceError]
    }

    /// How many examples are kept per skip reason.
    public static let examplesKept = 5

    /// The input as the user named it (`<stdin>` for standard input).
    public var file: String
    /// The format read (detected or forced); nil until the first line has been read.
    public var format: TraceFormat?
    /// Every line read, including header, comments and blank lines.
    public var linesRead = 0
    /// Data rows: lines after the header that are not comments or blank.
    public var rowsRead = 0
    /// Requests handed out by the reader.
    public var requestsProduced = 0
    /// Rows that record a failed request (BurstGPT `Response tokens` = 0): excluded, not errors.
    public var failedRequestRowsExcluded = 0
    /// Empty lines, ignored.
    public var blankLines = 0
    /// `#` provenance lines before the header (cmbench format).
    public var commentLines = 0
    /// JSON keys other than the ones the Mooncake schema uses, skipped.
    public var unknownJSONKeys = 0
    /// Bad rows skipped under `skipBadRows`, per reason, sorted by reason.
    public private(set) var skipped: [Skipped] = []
    /// Bytes read from the file or stdin (compressed bytes when the input is zstd).
    public var inputBytesRead: Int64 = 0
    /// Decoded text bytes (equal to `inputBytesRead` for plain input).
    public var decodedBytesRead: Int64 = 0
    /// Whether the input was zstd-compressed (detected by magic bytes, not the file name).
    public var wasCompressed = false

    public init(file: String) { self.file = file }

    /// Total bad rows skipped, all reasons.
    public var skippedRows: Int { skipped.reduce(0) { $0 + $1.count } }

    /// How many rows were skipped for one reason.
    public func skippedCount(_ reason: BadRowReason) -> Int {
        skipped.first { $0.reason == reason }?.count ?? 0
    }

    /// Counts one skipped row, keeping it as an example if it is among the first few of its kind.
    mutating func recordSkip(_ error: TraceError) {
        guard let reason = error.badRowReason else { return }
        if let index = skipped.firstIndex(where: { $0.reason == reason }) {
            skipped[index].count += 1
            if skipped[index].examples.count < Self.examplesKept { skipped[index].examples.append(error) }
        } else {
            skipped.append(Skipped(reason: reason, count: 1, examples: [error]))
            skipped.sort { $0.reason < $1.reason }
        }
    }

    /// One line per non-request outcome, for stderr at the end of a run, e.g.
    /// `skipped 3 of 19366 rows: 2 invalid timestamp (first at line 88), 1 negative value (first at line 9)`.
    public var summaryLines: [String] {
        var lines: [String] = []
        if skippedRows > 0 {
            let parts = skipped.map { entry in
                let first = entry.examples.first.flatMap { $0.line }.map { " (first at line \($0))" } ?? ""
                return "\(entry.count) \(entry.reason.rawValue)\(first)"
            }
            lines.append("\(file): skipped \(skippedRows) of \(rowsRead) rows: " + parts.joined(separator: ", "))
        }
        if failedRequestRowsExcluded > 0 {
            lines.append("\(file): excluded \(failedRequestRowsExcluded) failed-request rows (0 response tokens)")
        }
        if unknownJSONKeys > 0 { lines.append("\(file): ignored \(unknownJSONKeys) unknown JSON keys") }
        if blankLines > 0 { lines.append("\(file): ignored \(blankLines) blank lines") }
        return lines
    }
}
