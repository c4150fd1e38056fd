import DiscreteEvent
import ServingModel

/// Streams `ServingRequest`s out of a trace file (or stdin), plain or zstd, in any known format.
///
/// The format is detected from the first line (or forced with `Options.format`); compression is
/// detected from the magic bytes, not the file name. Memory is constant in the file size: one
/// read buffer, one line carry buffer bounded by `maxLineBytes`, and a report whose examples are
/// capped. Requests get ids from 0 and `origin` = file and line.
///
/// By default the first bad row ends the run with a `TraceError` (`file:line: reason`); with
/// `skipBadRows` bad rows are counted per reason in `report` instead. Nothing is dropped
/// silently. Arrivals must not go backwards; Azure's absolute timestamps become nanoseconds
/// since the first row, other formats keep their own relative times.
///
/// A class because it owns a file descriptor and buffers, released when it is freed.
///
/// ```swift
/// let reader = try TraceReader(path: "trace.jsonl.zst")
/// while let request = try reader.next() { … }
/// print(reader.report.summaryLines)
/// ```
public final class TraceReader: RequestSource {
    public typealias Failure = TraceError

    /// How to read.
    public struct Options: Sendable, Equatable {
        /// Force a format instead of detecting it from the first line.
        public var format: TraceFormat?
        /// Tokens per prefix-hash block where the trace does not say (Mooncake: 512).
        public var prefixBlockTokens: Int
        /// Count and skip bad rows instead of stopping at the first one.
        public var skipBadRows: Bool
        /// Longest accepted line, in bytes (1 MiB by default; a Mooncake line with thousands of
        /// hash ids is ~60 KB).
        public var maxLineBytes: Int
        /// Refuse zstd input that decodes to more than this many bytes (nil: no cap).
        public var maxDecompressedBytes: Int64?
        /// Size of the read buffer (1 MiB: 64 KiB read 30 % slower, 4 MiB no faster; §2.3).
        public var readBufferBytes: Int

        public init(
            format: TraceFormat? = nil, prefixBlockTokens: Int = 512, skipBadRows: Bool = false,
            maxLineBytes: Int = 1 << 20, maxDecompressedBytes: Int64? = nil, readBufferBytes: Int = 1 << 20
        ) {
            self.format = format
            self.prefixBlockTokens = prefixBlockTokens
            self.skipBadRows = skipBadRows
            self.maxLineBytes = maxLineBytes
            self.maxDecompressedBytes = maxDecompressedBytes
            self.readBufferBytes = readBufferBytes
        }
    }

    public let options: Options
    /// The file name requests and errors carry (`<stdin>` for `-`).
    public let name: String
    /// Everything counted so far; complete once `next()` has returned nil.
    public var report: IngestReport {
        var report = counts
        report.inputBytesRead = lines.chunks.rawBytesRead
        report.decodedBytesRead = lines.chunks.decodedBytes
        report.wasCompressed = lines.chunks.isCompressed
        return report
    }
    /// The format being read (detected or forced).
    public var detectedFormat: TraceFormat { parser.format }

    private let lines: LineReader
    private var parser: RowParser
    private var counts: IngestReport
    private var row = ParsedRow()
    /// The header-line text of a Mooncake file is its first row, parsed on the first `next()`.
    private var pendingFirstLine: [UInt8]?
    private var baseline: Int64?
    private var previousArrival: Int64 = .min
    private var finished = false

    /// Opens a file (or `-` for stdin) and reads up to its header.
    /// - Throws: `.missingInput`, `.io`, `.notATrace`, `.unknownFormat`, `.noRequests` (empty
    ///   input), or a compressed-data error.
    public convenience init(path: String, options: Options = Options()) throws(TraceError) {
        let file = try FileByteSource(path: path)
        try self.init(source: file, name: file.name, options: options)
    }

    /// Reads from any byte source (tests feed memory in chunks of chosen sizes).
    public init(source: some ByteSource, name: String, options: Options = Options()) throws(TraceError) {
        precondition(options.prefixBlockTokens > 0, "prefixBlockTokens must be positive")
        self.options = options
        self.name = name
        let chunks = DecodedChunks(
            source: source, name: name, bufferBytes: options.readBufferBytes,
            maxDecompressedBytes: options.maxDecompressedBytes)
        lines = LineReader(chunks: chunks, maxLineBytes: options.maxLineBytes)
        counts = IngestReport(file: name)
        row.blockTokens = options.prefixBlockTokens
        // Find the first line that is not blank or a '#' comment; it names the format.
        while true {
            switch try lines.next() {
            case .end:
                throw TraceError(.noRequests, "no requests: the input is empty", file: name)
            case .tooLong:
                throw TraceError(
                    .notATrace,
                    "the first line is longer than \(options.maxLineBytes) bytes; this does not look like a request trace",
                    file: name, line: lines.lineNumber)
            case .line(let bytes):
                counts.linesRead += 1
                var bytes = bytes
                if lines.lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // UTF-8 byte-order mark
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
                }
                if bytes.isEmpty {
                    counts.blankLines += 1
                    continue
                }
                if bytes[0] == 0x23 {
                    counts.commentLines += 1
                    continue
                }
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw TraceError(
                        .notATrace, "the first line is not UTF-8 text; this is not a request trace (or it is compressed with something other than zstd)",
                        file: name, line: lines.lineNumber)
                }
                (parser, pendingFirstLine) = try Self.parser(for: text, bytes: bytes, options: options, name: name, line: lines.lineNumber)
                counts.format = parser.format
                return
            }
        }
    }

    private static func parser(
        for text: String, bytes: UnsafeRawBufferPointer, options: Options, name: String, line: Int
    ) throws(TraceError) -> (RowParser, [UInt8]?) {
        let shown = text.count > 100 ? String(text.prefix(100)) + "…" : text
        let known = TraceFormat.allCases.map { "\($0.rawValue): \($0.headerExample)" }.joined(separator: "; ")
        guard let format = options.format ?? RowParser.detect(firstLine: text) else {
            throw TraceError(
                .unknownFormat, "the first line '\(shown)' matches no known trace format (\(known)); pass --format if it is one of them",
                file: name, line: line)
        }
        guard let (parser, isData) = RowParser.make(format: format, firstLine: text, blockTokens: options.prefixBlockTokens) else {
            throw TraceError(
                .unknownFormat, "the first line '\(shown)' is not a \(format.rawValue) header; expected '\(format.headerExample)'",
                file: name, line: line)
        }
        return (parser, isData ? Array(bytes) : nil)
    }

    /// The next request, or nil at the end of the trace.
    /// - Throws: the first bad row (unless `skipBadRows`), any read or decode error, and
    ///   `.noRequests` at the end if no request was produced.
    public func next() throws(TraceError) -> ServingRequest? {
        if let first = pendingFirstLine {
            pendingFirstLine = nil
            let outcome = first.withUnsafeBytes { bytes in
                Result { () throws(TraceError) -> ServingRequest? in try self.request(from: bytes) }
            }
            if let request = try outcome.get() { return request }
        }
        while true {
            switch try lines.next() {
            case .end:
                return try end()
            case .tooLong:
                counts.linesRead += 1
                counts.rowsRead += 1
                try reject(RowIssue(.lineTooLong, "line longer than \(options.maxLineBytes) bytes (raise the line limit if it is genuine)"))
            case .line(let bytes):
                counts.linesRead += 1
                if bytes.isEmpty {
                    counts.blankLines += 1
                    continue
                }
                if let request = try request(from: bytes) { return request }
            }
        }
    }

    /// Parses a data row into a request; nil when the row was skipped or excluded.
    @inline(__always)
    private func request(from bytes: UnsafeRawBufferPointer) throws(TraceError) -> ServingRequest? {
        counts.rowsRead += 1
        row.reset(blockTokens: options.prefixBlockTokens)
        do {
            try parser.parse(bytes, into: &row)
        } catch {
            counts.unknownJSONKeys += row.unknownKeys
            try reject(error)
            return nil
        }
        counts.unknownJSONKeys += row.unknownKeys
        var arrival = row.time
        if parser.timesAreAbsolute {
            if let baseline {
                arrival = row.time &- baseline  // both in the Int64 ns range of years 1678–2261: cannot overflow
            } else {
                baseline = row.time
                arrival = 0
            }
        }
        if arrival < previousArrival {
            try reject(
                RowIssue(
                    .timeWentBackwards,
                    "arrival \(arrival) ns is earlier than the previous row's \(previousArrival) ns; the trace must be sorted by time"))
            return nil
        }
        previousArrival = arrival
        if row.failedRequest {
            counts.failedRequestRowsExcluded += 1
            return nil
        }
        let request = ServingRequest(
            id: counts.requestsProduced, arrival: SimTime(nanoseconds: arrival), inputTokens: row.inputTokens,
            outputTokens: row.outputTokens, prefixBlockHashes: row.hashes.isEmpty ? [] : Array(row.hashes),
            prefixBlockTokens: row.blockTokens, sessionID: row.sessionID,
            origin: InputLocation(file: name, line: lines.lineNumber))
        counts.requestsProduced += 1
        return request
    }

    /// Stops the run with the row error, or counts it when skipping bad rows.
    private func reject(_ issue: RowIssue) throws(TraceError) {
        let error = TraceError(.badRow(issue.reason), issue.message, file: name, line: lines.lineNumber, field: issue.field)
        guard options.skipBadRows else { throw error }
        counts.recordSkip(error)
    }

    private func end() throws(TraceError) -> ServingRequest? {
        guard !finished else { return nil }
        finished = true
        if counts.requestsProduced == 0 {
            var why = "the input has no data rows after its header"
            if counts.skippedRows > 0 { why = "all \(counts.skippedRows) data rows were bad and skipped" }
            if counts.failedRequestRowsExcluded > 0 && counts.rowsRead == counts.failedRequestRowsExcluded {
                why = "every row is a failed request (0 response tokens)"
            }
            throw TraceError(.noRequests, "no requests: \(why)", file: name)
        }
        return nil
    }
}
