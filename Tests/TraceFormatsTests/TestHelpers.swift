import Serving
import Testing
import TraceFormats

/// Everything a test needs back from reading a trace.
struct ReadResult {
    var requests: [ServingRequest]
    var report: IngestReport
    var format: TraceFormat
}

/// Reads all requests from in-memory bytes fed in chunks of `chunkSize`.
func readAll(
    _ bytes: [UInt8], chunkSize: Int = .max, name: String = "t.csv", options: TraceReader.Options = .init()
) throws(TraceError) -> ReadResult {
    let reader = try TraceReader(source: MemoryByteSource(bytes, chunkSize: chunkSize), name: name, options: options)
    var requests: [ServingRequest] = []
    while let request = try reader.next() { requests.append(request) }
    return ReadResult(requests: requests, report: reader.report, format: reader.detectedFormat)
}

func readAll(
    _ text: String, chunkSize: Int = .max, name: String = "t.csv", options: TraceReader.Options = .init()
) throws(TraceError) -> ReadResult {
    try readAll(Array(text.utf8), chunkSize: chunkSize, name: name, options: options)
}

/// Reads a file from disk through `TraceReader(path:)`.
func readFile(_ path: String, options: TraceReader.Options = .init()) throws(TraceError) -> ReadResult {
    let reader = try TraceReader(path: path, options: options)
    var requests: [ServingRequest] = []
    while let request = try reader.next() { requests.append(request) }
    return ReadResult(requests: requests, report: reader.report, format: reader.detectedFormat)
}

/// The error reading `text` stops with (nil if it reads cleanly).
func readError(_ text: String, options: TraceReader.Options = .init()) -> TraceError? {
    do {
        _ = try readAll(text, options: options)
        return nil
    } catch {
        return error
    }
}

/// `arrival` from seconds, for readable expectations.
func ns(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }
