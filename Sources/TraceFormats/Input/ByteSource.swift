/// Somewhere raw trace bytes come from, read in chunks: a file, stdin, or memory in tests.
///
/// Readers pull from it into their own preallocated buffer, so memory does not grow with the
/// input. A conformer may return fewer bytes than asked (tests use this to feed 1-byte chunks).
public protocol ByteSource {
    /// Fills the start of `buffer` with the next bytes and returns how many; 0 means end of input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(TraceError) -> Int
}

/// An in-memory byte source that hands out at most `chunkSize` bytes per read.
///
/// For tests: the same bytes fed in 1-byte, odd-sized and whole-buffer chunks must give the same
/// requests.
public struct MemoryByteSource: ByteSource, Sendable {
    public let bytes: [UInt8]
    public let chunkSize: Int
    private var position = 0

    public init(_ bytes: [UInt8], chunkSize: Int = .max) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.bytes = bytes
        self.chunkSize = chunkSize
    }

    public init(_ text: String, chunkSize: Int = .max) {
        self.init(Array(text.utf8), chunkSize: chunkSize)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(TraceError) -> Int {
        let count = min(buffer.count, chunkSize, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}
