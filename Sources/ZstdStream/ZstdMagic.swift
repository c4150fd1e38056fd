/// Recognises zstd data by its first four bytes, so readers choose a decoder by content, not name.
///
/// Source: RFC 8878 §3.1.1 (frame magic `0xFD2FB528`, little-endian `28 B5 2F FD`) and §3.1.2
/// (skippable frames `0x184D2A50`–`0x184D2A5F`).
public enum ZstdMagic {
    /// The zstd frame magic number, as read little-endian.
    public static let frame: UInt32 = 0xFD2F_B528
    /// The first of the sixteen skippable-frame magic numbers (low nibble free).
    public static let skippableFrameBase: UInt32 = 0x184D_2A50

    /// Whether a little-endian 32-bit word is a zstd frame or skippable frame magic number.
    @inlinable public static func isZstdMagic(_ word: UInt32) -> Bool {
        word == frame || word & 0xFFFF_FFF0 == skippableFrameBase
    }

    /// Whether `prefix` begins with a zstd or skippable frame magic number (needs ≥ 4 bytes).
    public static func startsWithZstdMagic(_ prefix: some Sequence<UInt8>) -> Bool {
        var word: UInt32 = 0
        var count = 0
        for byte in prefix {
            word |= UInt32(byte) << (8 * UInt32(count))
            count += 1
            if count == 4 { return isZstdMagic(word) }
        }
        return false
    }
}
