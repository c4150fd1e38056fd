import ZstdStream

/// Turns a byte source into decoded text chunks, choosing plain or zstd by the first four bytes.
///
/// The file name does not matter: a `.csv` that is really zstd, or zstd arriving on stdin, is
/// decoded all the same. Owns one preallocated input buffer (1 MiB by default); zstd output comes
/// in 128 KiB blocks from the decoder's own buffer. A returned chunk is valid until the next call.
final class DecodedChunks {
    private var source: any ByteSource
    private let name: String
    private let input: UnsafeMutableRawBufferPointer
    private var inputCount = 0
    private var inputPosition = 0
    /// Offset in the raw input of `input[0]`.
    private var inputOffset: Int64 = 0
    private var decoder: ZstdDecompressor?
    private var sniffed = false
    private let maxDecompressedBytes: Int64?

    private(set) var rawBytesRead: Int64 = 0
    private(set) var decodedBytes: Int64 = 0
    var isCompressed: Bool { decoder != nil }

    init(source: any ByteSource, name: String, bufferBytes: Int, maxDecompressedBytes: Int64?) {
        precondition(bufferBytes >= 4, "the read buffer must hold at least the 4 magic bytes")
        self.source = source
        self.name = name
        self.maxDecompressedBytes = maxDecompressedBytes
        input = .allocate(byteCount: bufferBytes, alignment: 64)
    }

    deinit { input.deallocate() }

    /// The next decoded chunk (never empty), or nil at the end of the input.
    /// - Parameter lineNumber: the last line handed out, named in compressed-data errors.
    func next(lineNumber: Int) throws(TraceError) -> UnsafeRawBufferPointer? {
        if !sniffed { try sniff() }
        guard let decoder else {
            if inputPosition == inputCount, try !refill() { return nil }
            let chunk = UnsafeRawBufferPointer(rebasing: input[inputPosition..<inputCount])
            inputPosition = inputCount
            decodedBytes += Int64(chunk.count)
            return chunk
        }
        while true {
            while inputPosition < inputCount {
                do {
                    let out = try decoder.decompress(
                        UnsafeRawBufferPointer(rebasing: input[0..<inputCount]), position: &inputPosition,
                        compressedOffset: inputOffset)
                    if !out.isEmpty {
                        decodedBytes += Int64(out.count)
                        return out
                    }
                } catch {
                    throw TraceError(error, file: name, line: lineNumber)
                }
            }
            if try !refill() {
                do {
                    try decoder.finish(compressedBytes: rawBytesRead)
                } catch {
                    throw TraceError(error, file: name, line: lineNumber)
                }
                return nil
            }
        }
    }

    /// Reads the next chunk of raw input; false at end of input.
    private func refill() throws(TraceError) -> Bool {
        inputOffset += Int64(inputCount)
        inputCount = try source.read(into: input)
        inputPosition = 0
        rawBytesRead += Int64(inputCount)
        return inputCount > 0
    }

    /// Reads until at least four bytes (or the whole input) are buffered, then picks the decoder.
    private func sniff() throws(TraceError) {
        sniffed = true
        while inputCount < 4 {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[inputCount...]))
            if count == 0 { break }
            inputCount += count
            rawBytesRead += Int64(count)
        }
        if ZstdMagic.startsWithZstdMagic(UnsafeRawBufferPointer(rebasing: input[0..<inputCount])) {
            decoder = ZstdDecompressor(maxOutputBytes: maxDecompressedBytes)
        }
    }
}
