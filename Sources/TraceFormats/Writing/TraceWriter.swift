#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import FileOutput
import Serving
import ZstdStream

/// Writes requests in cmbench's own format to a file (zstd when the name ends in `.zst`) or `-`.
///
/// The file appears only when `finish()` succeeds: rows go to a temporary file beside the target,
/// which is renamed over it at the end, so a failed or interrupted run leaves no half-written
/// trace. Standard output, devices and FIFOs are written directly (``OutputDestination``); with
/// ``ProtectedFiles`` an output onto the input being converted is refused. Lines end with LF.
///
/// ```swift
/// let writer = try TraceWriter(path: "out.csv.zst", provenance: ["converted from azure conv 2023"])
/// while let request = try reader.next() { try writer.write(request) }
/// try writer.finish()
/// ```
public final class TraceWriter {
    /// The path as given (`-` for stdout).
    public let path: String
    /// Whether output is zstd-compressed (the path ends in `.zst`).
    public let compressed: Bool
    /// Requests written so far.
    public private(set) var requestsWritten = 0

    private let destination: OutputDestination
    private let encoder: ZstdCompressor?
    /// Text not yet compressed or written.
    private var text: [UInt8] = []
    /// Compressed bytes not yet written.
    private var packed: [UInt8] = []
    private var finished = false
    private static let flushBytes = 1 << 20

    /// Opens the temporary file (or stdout) and writes the provenance comments and header.
    /// - Parameters:
    ///   - provenance: lines written as `# …` before the header (where the trace came from).
    ///   - compressionLevel: zstd level for `.zst` output (19: written once, read often).
    public init(
        path: String, provenance: [String] = [], compressionLevel: Int32 = ZstdCompressor.shippingLevel,
        protecting protection: ProtectedFiles? = nil
    ) throws(OutputError) {
        self.path = path
        compressed = path.hasSuffix(".zst")
        encoder = compressed ? ZstdCompressor(level: compressionLevel) : nil
        destination = try OutputDestination(path: path, protecting: protection)
        text.reserveCapacity(Self.flushBytes + 4096)
        for line in provenance {
            for part in line.split(separator: "\n", omittingEmptySubsequences: false) {
                text.append(contentsOf: "# \(part)\n".utf8)
            }
        }
        text.append(contentsOf: CMBenchFormat.header.utf8)
        text.append(0x0A)
    }

    /// Appends one request as a row.
    public func write(_ request: ServingRequest) throws(OutputError) {
        precondition(!finished, "write after finish")
        appendDecimal(UInt64(max(0, request.arrival.nanoseconds)))
        text.append(0x2C)
        appendDecimal(UInt64(request.inputTokens))
        text.append(0x2C)
        appendDecimal(UInt64(request.outputTokens))
        text.append(0x2C)
        if let session = request.sessionID { appendDecimal(session) }
        text.append(0x2C)
        if !request.prefixBlockHashes.isEmpty {
            appendDecimal(UInt64(request.prefixBlockTokens))
            text.append(0x2C)
            for (index, hash) in request.prefixBlockHashes.enumerated() {
                if index > 0 { text.append(0x20) }
                appendDecimal(hash)
            }
        } else {
            text.append(0x2C)
        }
        text.append(0x0A)
        requestsWritten += 1
        if text.count >= Self.flushBytes { try flush(final: false) }
    }

    /// Writes what is buffered, ends the zstd frame, and moves the file into place.
    public func finish() throws(OutputError) {
        precondition(!finished, "finish called twice")
        try flush(final: true)
        finished = true
        try destination.commit()
    }

    private func flush(final: Bool) throws(OutputError) {
        if let encoder {
            do throws(ZstdError) {
                var output = packed
                packed = []
                let outcome = text.withUnsafeBytes { bytes in
                    Result { () throws(ZstdError) in try encoder.compress(bytes, appendingTo: &output) }
                }
                packed = output
                try outcome.get()
                if final { try encoder.finishFrame(appendingTo: &packed) }
            } catch {
                throw OutputError(kind: .writeFailed, path: path, message: "cannot compress: \(error.message)")
            }
            text.removeAll(keepingCapacity: true)
            try writeAll(&packed)
        } else {
            try writeAll(&text)
        }
    }

    private func writeAll(_ buffer: inout [UInt8]) throws(OutputError) {
        defer { buffer.removeAll(keepingCapacity: true) }
        try destination.write(buffer)
    }

    /// Appends the decimal digits of `value` without building a String.
    private func appendDecimal(_ value: UInt64) {
        if value < 10 {
            text.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let start = text.count
        text.append(contentsOf: repeatElement(0x30, count: digits))
        var index = start + digits
        var rest = value
        while rest > 0 {
            index -= 1
            text[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
        }
    }
}
