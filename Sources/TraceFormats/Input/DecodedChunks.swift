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
    /// The next decoded chunk, valid until the next call; nil at the end.
    func next(lineNumber: Int) throws(TraceError) -> UnsafeRawBufferPointer? {
        do {
            return try nextChunk()
        } catch {
            throw error.traceError(file: name, lineNumber: lineNumber)
        }
    }

    /// Reads the magic bytes now (the first `nextChunk` would), so a caller can see whether the
    /// input is compressed before deciding how to read it.
    func prepare() throws(TraceError) {
        if !sniffed { try sniff() }
    }

    /// `next(lineNumber:)` without the line number, for a reader on another thread: a compressed
    /// stream's error keeps zstd's own error until the consumer knows which line it reached.
    func nextChunk() throws(ChunkFailure) -> UnsafeRawBufferPointer? {
        do {
            if !sniffed { try sniff() }
        } catch {
            throw .source(error)
        }
        guard let decoder else {
            do {
                if inputPosition == inputCount, try !refill() { return nil }
            } catch {
                throw .source(error)
            }
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
                    throw .compressed(error)
                }
            }
            let more: Bool
            do { more = try refill() } catch { throw .source(error) }
            if !more {
                do {
                    try decoder.finish(compressedBytes: rawBytesRead)
                } catch {
                    throw .compressed(error)
                }
                return nil
            }
        }
    }

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

/// Why a chunk could not be read: the byte source failed, or the compressed stream is bad.
enum ChunkFailure: Error {
    case source(TraceError)
    case compressed(ZstdError)

    /// The error a user sees, naming the last line decoded for a bad compressed stream.
    func traceError(file: String, lineNumber: Int) -> TraceError {
        switch self {
        case .source(let error): error
        case .compressed(let error): TraceError(error, file: file, line: lineNumber)
        }
    }
}
