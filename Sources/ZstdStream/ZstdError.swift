/// Why a zstd stream could not be decoded or encoded, with zstd's own words and where it happened.
///
/// The compressed offset is how far into the stream zstd had got when it failed: the input it had
/// consumed, whose output was all good. zstd reads a block before checking it, so the damage is
/// at or after this offset, within the next block (at most 128 KiB of compressed data).
public struct ZstdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarse enough for a caller to map to an exit code.
    public enum Code: Sendable, Equatable {
        /// The input does not start with a zstd (or skippable) frame magic number.
        case notZstd
        /// The input ended in the middle of a frame.
        case truncated
        /// zstd rejected the data (bad block, checksum mismatch, …).
        case corrupt
        /// A frame needs a larger window than the decoder allows (made with `zstd --long`).
        case windowTooLarge
        /// Decoding would produce more bytes than the caller's cap (a "zip bomb" guard).
        case outputLimitExceeded
        /// The input held no bytes at all.
        case empty
        /// Compression failed (zstd's message says why; usually out of memory).
        case compressionFailed
    }

    public var code: Code
    /// A sentence saying what happened and, where possible, what to do about it.
    public var message: String
    /// Offset in the compressed input that zstd had reached when it found the error.
    public var compressedOffset: Int64?

    public init(code: Code, message: String, compressedOffset: Int64? = nil) {
        self.code = code
        self.message = message
        self.compressedOffset = compressedOffset
    }

    public var description: String {
        if let offset = compressedOffset { return "at compressed byte \(offset): \(message)" }
        return message
    }
}
