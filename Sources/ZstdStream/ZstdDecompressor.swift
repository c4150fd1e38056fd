import CZstd

/// Streaming zstd decoder: owns one `ZSTD_DCtx` and decodes a stream of concatenated frames.
///
/// It follows zstd's `examples/streaming_decompression.c`: feed input chunks in order, call
/// `decompress(_:position:compressedOffset:)` until the chunk is consumed, and call `finish()` at
/// the end of input; a stream that ends inside a frame is reported as truncated. Skippable frames
/// are skipped by libzstd. The default window limit (128 MiB, `ZSTD_WINDOWLOG_LIMIT_DEFAULT`) is
/// kept so memory stays bounded whatever the input; frames made with `zstd --long` are refused
/// with a message that says so.
///
/// Pull-style (rather than a callback) so a line reader can stop after any output block.
public final class ZstdDecompressor {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    /// The value `ZSTD_decompressStream` last returned: 0 exactly at a frame boundary.
    private var lastReturn: Int = 0
    private var sawInput = false
    /// The first four input bytes, kept to tell "not zstd at all" from "corrupt zstd".
    private var magicWord: UInt32 = 0
    private var magicBytesSeen = 0
    /// zstd's hint for the next call's input: the rest of the next block plus the header after
    /// it (0 at a frame boundary). Handing it at least this much lets zstd decode the block
    /// straight from the input instead of staging part of it, so an error's offset is the
    /// block's start.
    public var suggestedInputSize: Int { lastReturn }
    /// Total bytes produced so far.
    public private(set) var decompressedBytes: Int64 = 0
    /// Refuse to produce more than this many bytes in total (nil: no cap).
    public let maxOutputBytes: Int64?

    /// Size of one output block: zstd's recommended `ZSTD_DStreamOutSize()` (128 KiB), which
    /// guarantees at least one complete block can be flushed per call.
    public static var recommendedOutputSize: Int { ZSTD_DStreamOutSize() }
    /// zstd's recommended input chunk size, `ZSTD_DStreamInSize()` (about 128 KiB).
    public static var recommendedInputSize: Int { ZSTD_DStreamInSize() }

    /// - Parameter maxOutputBytes: total decoded size at which decoding stops with
    ///   `.outputLimitExceeded` (nil, the default, means no cap; line length limits elsewhere
    ///   still bound memory).
    public init(maxOutputBytes: Int64? = nil) {
        guard let context = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx failed: out of memory") }
        self.context = context
        self.maxOutputBytes = maxOutputBytes
        output = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 64)
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    /// Decodes from `input[position...]` until one output block is produced or the input is used up.
    ///
    /// Call repeatedly while `position < input.count`. The returned bytes (possibly empty) stay
    /// valid until the next call on this decoder.
    /// - Parameter compressedOffset: offset of `input`'s first byte in the whole compressed stream;
    ///   errors report this plus the input zstd had consumed, i.e. where in the stream it stopped.
    public func decompress(
        _ input: UnsafeRawBufferPointer, position: inout Int, compressedOffset: Int64
    ) throws(ZstdError) -> UnsafeRawBufferPointer {
        guard position < input.count, let base = input.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        sawInput = true
        recordMagic(input, compressedOffset: compressedOffset)
        var inBuffer = ZSTD_inBuffer(src: base, size: input.count, pos: position)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        // Where zstd got to in the whole stream: the chunk's offset plus the input it consumed
        // (on an error, what it had consumed before the call, whose output was all good).
        let reached = compressedOffset + Int64(inBuffer.pos)
        if ZSTD_isError(result) != 0 {
            ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
            throw describe(result, compressedOffset: reached)
        }
        position = inBuffer.pos
        lastReturn = result
        decompressedBytes += Int64(outBuffer.pos)
        if let cap = maxOutputBytes, decompressedBytes > cap {
            throw ZstdError(
                code: .outputLimitExceeded,
                message: "decompressed data exceeds the limit of \(cap) bytes; raise the limit if the input is trusted",
                compressedOffset: reached)
        }
        return UnsafeRawBufferPointer(rebasing: output[0..<outBuffer.pos])
    }

    /// Checks, at the end of input, that the last frame was complete.
    public func finish(compressedBytes: Int64) throws(ZstdError) {
        if !sawInput {
            throw ZstdError(code: .empty, message: "empty input: no zstd frame", compressedOffset: 0)
        }
        if lastReturn != 0 {
            throw ZstdError(
                code: .truncated,
                message: "truncated zstd stream: input ended inside a frame (the file was cut short or is still being written)",
                compressedOffset: compressedBytes)
        }
    }

    /// Starts a new stream, forgetting any partial frame.
    public func reset() {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        lastReturn = 0
        sawInput = false
        magicWord = 0
        magicBytesSeen = 0
        decompressedBytes = 0
    }

    /// Decodes a whole in-memory stream (for tests and small inputs).
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int64? = nil) throws(ZstdError) -> [UInt8] {
        let decoder = ZstdDecompressor(maxOutputBytes: maxOutputBytes)
        var result: [UInt8] = []
        let outcome: Result<Void, ZstdError> = bytes.withUnsafeBytes { input in
            var position = 0
            do throws(ZstdError) {
                while position < input.count {
                    let out = try decoder.decompress(input, position: &position, compressedOffset: 0)
                    result.append(contentsOf: out)
                }
                try decoder.finish(compressedBytes: Int64(input.count))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
        return result
    }

    /// Records the stream's first four bytes, which may arrive spread over several chunks.
    private func recordMagic(_ input: UnsafeRawBufferPointer, compressedOffset: Int64) {
        while magicBytesSeen < 4 {
            let local = Int64(magicBytesSeen) - compressedOffset
            guard local >= 0, local < Int64(input.count) else { return }
            magicWord |= UInt32(input[Int(local)]) << (8 * UInt32(magicBytesSeen))
            magicBytesSeen += 1
        }
    }

    private func describe(_ result: Int, compressedOffset: Int64) -> ZstdError {
        let zstdText = String(cString: ZSTD_getErrorName(result))
        if magicBytesSeen == 4, !ZstdMagic.isZstdMagic(magicWord), decompressedBytes == 0 {
            return ZstdError(
                code: .notZstd,
                message: "not a zstd stream: the first bytes are not the zstd magic 28 B5 2F FD (zstd: \(zstdText)); read it as plain text instead",
                compressedOffset: 0)
        }
        if ZSTD_getErrorCode(result) == ZSTD_error_frameParameter_windowTooLarge {
            return ZstdError(
                code: .windowTooLarge,
                message: "zstd frame needs a window larger than 128 MiB (zstd: \(zstdText)); the file was probably made with `zstd --long`; recompress it without --long (zstd -d | zstd -19)",
                compressedOffset: compressedOffset)
        }
        return ZstdError(
            code: .corrupt, message: "corrupt zstd data (zstd: \(zstdText))", compressedOffset: compressedOffset)
    }
}
