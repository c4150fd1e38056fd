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
    /// The source has returned end of input.
    private var sourceEnded = false
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
                // zstd is handed one block at a time (its hint: the rest of the next block and
                // the header after it), and only once the whole block is in the buffer, reading
                // on first if more input may follow. It then decodes each block straight from the
                // buffer rather than staging a block cut by the buffer's end, so a damaged block
                // is reported at its own offset, not where the buffer began.
                let hint = decoder.suggestedInputSize
                let bufferIsFull = inputPosition == 0 && inputCount == input.count
                if inputCount - inputPosition < hint, !sourceEnded, !bufferIsFull { break }
                let end = hint > 0 ? min(inputCount, inputPosition + hint) : inputCount
                do {
                    let out = try decoder.decompress(
                        UnsafeRawBufferPointer(rebasing: input[0..<end]), position: &inputPosition,
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
            if !more, inputPosition < inputCount { continue }  // the end: feed zstd the rest as it is
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

    /// Reads more input after the bytes not yet consumed (moved to the front); false at the end.
    private func refill() throws(TraceError) -> Bool {
        let kept = inputCount - inputPosition
        if kept > 0, inputPosition > 0, let base = input.baseAddress {
            base.copyMemory(from: base + inputPosition, byteCount: kept)
        }
        inputOffset += Int64(inputPosition)
        inputPosition = 0
        inputCount = kept
        if sourceEnded { return false }  // never read past the end twice (a terminal would wait)
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[kept...]))
        rawBytesRead += Int64(count)
        inputCount += count
        if count == 0 { sourceEnded = true }
        return count > 0
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
