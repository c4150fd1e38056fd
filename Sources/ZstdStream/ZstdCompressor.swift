import CZstd

/// Streaming zstd encoder: owns one `ZSTD_CCtx` and appends compressed bytes to a caller's buffer.
///
/// The output carries zstd's XXH64 content checksum (as the `zstd` CLI does), so corruption is
/// caught on decode even when the block structure survives. Appending to an `inout [UInt8]`
/// keeps the encoder free of I/O: the caller flushes the buffer wherever it writes.
public final class ZstdCompressor {
    /// Level for files that are shipped or stored: compressed once, decoded many times. Level 19
    /// decoded faster than level 3 on CSV here and is 4.8× vs 3.3× smaller.
    /// Source: measured with `zstd -b3` and `-b19` on one core over a 74 MB synthetic Azure-style
    /// CSV: decompression 453 vs 835 MB/s, ratio 3.35× vs 4.80×.
    public static let shippingLevel: Int32 = 19
    /// Level for throwaway or speed-sensitive output (zstd's own default).
    public static let fastLevel: Int32 = 3

    private let context: OpaquePointer
    private let scratch: UnsafeMutableRawBufferPointer
    /// The compression level this encoder was made with.
    public let level: Int32

    /// - Parameter level: zstd level, 1…19 (clamped by zstd to its supported range).
    public init(level: Int32 = ZstdCompressor.shippingLevel) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        self.context = context
        self.level = level
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        scratch = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 64)
    }

    deinit {
        ZSTD_freeCCtx(context)
        scratch.deallocate()
    }

    /// Compresses `input` into the current frame, appending any output zstd releases to `output`.
    public func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws(ZstdError) {
        try run(input, directive: ZSTD_e_continue, appendingTo: &output)
    }

    /// Ends the current frame, appending everything zstd still holds; the next `compress` starts
    /// a new frame (so calling this between parts yields a valid multi-frame stream).
    public func finishFrame(appendingTo output: inout [UInt8]) throws(ZstdError) {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end, appendingTo: &output)
    }

    /// Compresses a whole buffer into one frame (for tests and small data).
    public static func compress(_ bytes: [UInt8], level: Int32 = ZstdCompressor.fastLevel) throws(ZstdError) -> [UInt8] {
        let encoder = ZstdCompressor(level: level)
        var output: [UInt8] = []
        let outcome: Result<Void, ZstdError> = bytes.withUnsafeBytes { input in
            do throws(ZstdError) {
                try encoder.compress(input, appendingTo: &output)
                try encoder.finishFrame(appendingTo: &output)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
        return output
    }

    private func run(
        _ input: UnsafeRawBufferPointer, directive: ZSTD_EndDirective, appendingTo output: inout [UInt8]
    ) throws(ZstdError) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = ZSTD_outBuffer(dst: scratch.baseAddress, size: scratch.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
            if ZSTD_isError(remaining) != 0 {
                ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
                throw ZstdError(
                    code: .compressionFailed,
                    message: "zstd compression failed (zstd: \(String(cString: ZSTD_getErrorName(remaining))))")
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<outBuffer.pos]))
            // zstd's streaming_compression.c: with ZSTD_e_end, done when it returns 0; with
            // ZSTD_e_continue, done when all input is consumed.
            let done = directive == ZSTD_e_end ? remaining == 0 : inBuffer.pos == inBuffer.size
            if done { return }
        }
    }
}
