/// How fast a trace file is read and parsed, for `cmbench bench-ingest`.
public struct IngestBenchmark: Sendable, Equatable {
    public var requests: Int
    public var rows: Int
    public var seconds: Double
    /// Decoded (uncompressed) text bytes.
    public var decodedBytes: Int64
    /// Bytes read from disk (compressed size for zstd input).
    public var inputBytes: Int64
    public var wasCompressed: Bool
    public var format: TraceFormat

    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
    /// Decoded megabytes (10^6 bytes) per second, comparable to `zstd -dc file | pv`.
    public var decodedMBPerSecond: Double { seconds > 0 ? Double(decodedBytes) / 1e6 / seconds : 0 }

    /// Reads the whole file through `TraceReader` and times it (open and header included).
    public static func measure(path: String, options: TraceReader.Options = .init()) throws(TraceError) -> IngestBenchmark {
        let clock = ContinuousClock()
        let start = clock.now
        let reader = try TraceReader(path: path, options: options)
        var requests = 0
        while try reader.next() != nil { requests += 1 }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let report = reader.report
        return IngestBenchmark(
            requests: requests, rows: report.rowsRead, seconds: seconds, decodedBytes: report.decodedBytesRead,
            inputBytes: report.inputBytesRead, wasCompressed: report.wasCompressed, format: reader.detectedFormat)
    }
}
