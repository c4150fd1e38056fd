import DiscreteEvent
import Serving

/// The state and row loop of a `TraceReader`: line reader, parser, counters and ordering checks.
struct ReaderCore {
    let options: TraceReader.Options
    let name: String
    var report: IngestReport {
        var report = counts
        report.inputBytesRead = prefetcher?.rawBytesRead ?? lines.chunks.rawBytesRead
        report.decodedBytesRead = prefetcher?.decodedBytes ?? lines.chunks.decodedBytes
        report.wasCompressed = wasCompressed
        return report
    }
    /// Read on this thread, or (once `prefetcher` exists) on the prefetcher's, never again here.
    private var lines: LineReader
    /// Parses ahead on another thread (`parsesInBackground`).
    private var prefetcher: RowPrefetcher?
    /// The line of the last item taken from `prefetcher`.
    private var prefetchedLine = 0
    private var wasCompressed = false
    private(set) var parser: RowParser
    private var counts: IngestReport
    private var row = ParsedRow()
    /// The header-line text of a Mooncake file is its first row, parsed on the first `next()`.
    private var pendingFirstLine: [UInt8]?
    private var baseline: Int64?
    private var previousArrival: Int64 = .min
    private var finished = false

    /// Reads up to the first line that names the format.
    init(source: some ByteSource, name: String, options: TraceReader.Options) throws(TraceError) {
        self.options = options
        self.name = name
        let chunks = ChunkStream(
            DecodedChunks(
                source: source, name: name, bufferBytes: options.readBufferBytes,
                maxDecompressedBytes: options.maxDecompressedBytes),
            name: name, pipelined: options.decompressInBackground)
        lines = LineReader(chunks: chunks, maxLineBytes: options.maxLineBytes)
        counts = IngestReport(file: name)
        row.fields.blockTokens = options.prefixBlockTokens
        // Find the first line that is not blank or a '#' comment; it names the format.
        while true {
            switch try lines.next() {
            case .end:
                throw TraceError(.noRequests, "no requests: the input is empty", file: name)
            case .tooLong:
                throw TraceError(
                    .notATrace,
                    "the \(Self.headerLine(lines.lineNumber)) is longer than \(options.maxLineBytes) bytes; this does not look like a request trace",
                    file: name, line: lines.lineNumber)
            case .line(let bytes):
                counts.linesRead += 1
                var bytes = bytes
                if lines.lineNumber == 1, let encoding = QuotedInput.otherEncoding(firstLine: bytes) {
                    throw TraceError(.notATrace, encoding, file: name, line: 1)
                }
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
                        .notATrace, "the \(Self.headerLine(lines.lineNumber)) is not UTF-8 text; this is not a request trace (or it is compressed with something other than zstd)",
                        file: name, line: lines.lineNumber)
                }
                (parser, pendingFirstLine) = try Self.parser(for: text, bytes: bytes, options: options, name: name, line: lines.lineNumber)
                counts.format = parser.format
                wasCompressed = lines.chunks.isCompressed
                if options.parsesInBackground {
                    prefetchedLine = lines.lineNumber
                    prefetcher = RowPrefetcher(lines: lines, parser: parser, blockTokens: options.prefixBlockTokens)
                }
                return
            }
        }
    }

    /// "first line", or "first line after the comments" when comments or blank lines came first.
    private static func headerLine(_ line: Int) -> String {
        line == 1 ? "first line" : "first line after the comments (line \(line))"
    }

    private static func parser(
        for text: String, bytes: UnsafeRawBufferPointer, options: TraceReader.Options, name: String, line: Int
    ) throws(TraceError) -> (RowParser, [UInt8]?) {
        let shown = QuotedInput.quoted(bytes, limit: 100)
        let first = headerLine(line)
        let known = TraceFormat.allCases.map { "\($0.rawValue): \($0.headerExample)" }.joined(separator: "; ")
        guard let format = options.format ?? RowParser.detect(firstLine: text) else {
            throw TraceError(
                .unknownFormat, "the \(first) \(shown) matches no known trace format (\(known)); pass --format if it is one of them",
                file: name, line: line)
        }
        guard let (parser, isData) = RowParser.make(format: format, firstLine: text, blockTokens: options.prefixBlockTokens) else {
            throw TraceError(
                .unknownFormat, "the \(first) \(shown) is not a \(format.rawValue) header; expected '\(format.headerExample)'",
                file: name, line: line)
        }
        return (parser, isData ? Array(bytes) : nil)
    }

    /// The next request, or nil at the end of the trace (see `TraceReader.next()`).
    mutating func next() throws(TraceError) -> ServingRequest? {
        if let first = pendingFirstLine {
            pendingFirstLine = nil
            var core = self
            let outcome = first.withUnsafeBytes { bytes in
                Result { () throws(TraceError) -> ServingRequest? in try core.request(from: bytes) }
            }
            self = core
            if let request = try outcome.get() { return request }
        }
        if let prefetcher { return try next(from: prefetcher) }
        while true {
            switch try lines.next() {
            case .end:
                return try end()
            case .tooLong:
                counts.linesRead += 1
                counts.rowsRead += 1
                try reject(lineTooLong)
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

    /// `next()` over rows parsed on the prefetcher's thread: the same bookkeeping, item by item,
    /// as the serial loop above and `request(from:)` do line by line.
    private mutating func next(from prefetcher: RowPrefetcher) throws(TraceError) -> ServingRequest? {
        while true {
            switch prefetcher.next() {
            case .end:
                return try end()
            case .failure:
                throw prefetcher.failure
            case .tooLong(let line):
                prefetchedLine = line
                counts.linesRead += 1
                counts.rowsRead += 1
                try reject(lineTooLong)
            case .blank(let line):
                prefetchedLine = line
                counts.linesRead += 1
                counts.blankLines += 1
            case .badRow(let issue, let unknownKeys, let line):
                prefetchedLine = line
                counts.linesRead += 1
                counts.rowsRead += 1
                counts.unknownJSONKeys += unknownKeys
                try reject(prefetcher.issue(issue))
            case .row(let parsed, let line, let hashes):
                prefetchedLine = line
                counts.linesRead += 1
                counts.rowsRead += 1
                counts.unknownJSONKeys += parsed.unknownKeys
                if let request = try request(parsed, hashes: prefetcher.hashes(in: hashes)) { return request }
            }
        }
    }

    private var lineTooLong: RowIssue {
        RowIssue(.lineTooLong, "line longer than \(options.maxLineBytes) bytes (raise the line limit if it is genuine)")
    }

    /// The line the last row came from.
    private var lineNumber: Int { prefetcher == nil ? lines.lineNumber : prefetchedLine }

    /// Parses a data row into a request; nil when the row was skipped or excluded.
    @inline(__always)
    private mutating func request(from bytes: UnsafeRawBufferPointer) throws(TraceError) -> ServingRequest? {
        counts.rowsRead += 1
        row.reset(blockTokens: options.prefixBlockTokens)
        do {
            try parser.parse(bytes, into: &row)
        } catch {
            counts.unknownJSONKeys += row.fields.unknownKeys
            try reject(error)
            return nil
        }
        counts.unknownJSONKeys += row.fields.unknownKeys
        return try request(row.fields, hashes: row.hashes.isEmpty ? [] : Array(row.hashes))
    }

    /// The request a parsed row makes, after the checks on its time; nil when it was skipped or
    /// excluded. `hashes` is the row's prefix hashes in an array of their own.
    @inline(__always)
    private mutating func request(_ row: RowFields, hashes: [UInt64]) throws(TraceError) -> ServingRequest? {
        let arrival: Int64
        if parser.timesAreAbsolute, let baseline {
            let (since, overflow) = row.time.subtractingReportingOverflow(baseline)
            arrival = overflow ? (row.time > baseline ? .max : .min) : since
        } else if parser.timesAreAbsolute {
            baseline = row.time
            arrival = 0
        } else {
            arrival = row.time
        }
        if arrival > SimTime.limit.nanoseconds {
            try reject(beyondTheLimit(arrival, rowTime: row.time))
            return nil
        }
        if arrival < previousArrival {
            try reject(
                RowIssue(
                    .timeWentBackwards,
                    "arrival \(arrival) ns is earlier than the previous row's \(previousArrival) ns; the trace must be sorted by time",
                    field: parser.format.timeField))
            return nil
        }
        previousArrival = arrival
        if row.failedRequest {
            counts.failedRequestRowsExcluded += 1
            return nil
        }
        let request = ServingRequest(
            id: counts.requestsProduced, arrival: SimTime(nanoseconds: arrival), inputTokens: row.inputTokens,
            outputTokens: row.outputTokens, prefixBlockHashes: hashes,
            prefixBlockTokens: row.blockTokens, sessionID: row.sessionID,
            origin: InputLocation(file: name, line: lineNumber))
        counts.requestsProduced += 1
        return request
    }

    /// The refusal of a row whose arrival is past the limit of simulated time.
    private func beyondTheLimit(_ arrival: Int64, rowTime: Int64) -> RowIssue {
        let limit = "the limit of simulated time, \(SimTime.limitDescription)"
        guard parser.timesAreAbsolute, let baseline else {
            let years = Int((Double(arrival) / Self.nanosecondsPerYear).rounded())
            return RowIssue(
                .overflow, "arrival \(arrival) ns (\(years) years) exceeds \(limit)", field: parser.format.timeField)
        }
        // In Double: the span itself may not fit in 64 bits (year 1680 to 2260).
        let years = Int(((Double(rowTime) - Double(baseline)) / Self.nanosecondsPerYear).rounded())
        return RowIssue(
            .overflow, "the row is \(years) years after the first row, which exceeds \(limit)",
            field: parser.format.timeField)
    }

    private static let nanosecondsPerYear = 365.25 * 86_400 * 1e9

    /// Stops the run with the row error, or counts it when skipping bad rows.
    private mutating func reject(_ issue: RowIssue) throws(TraceError) {
        let error = TraceError(.badRow(issue.reason), issue.message, file: name, line: lineNumber, field: issue.field)
        guard options.skipBadRows else { throw error }
        counts.recordSkip(error)
    }

    private mutating func end() throws(TraceError) -> ServingRequest? {
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
