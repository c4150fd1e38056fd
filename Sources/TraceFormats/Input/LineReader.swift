#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits decoded text into lines with `memchr`, without copying lines that lie inside a chunk.
///
/// Accepts LF, CRLF and a mix of both (a trailing CR is dropped: Azure 2023 files are CRLF), and
/// a last line without a newline. A line cut by a chunk boundary is carried in a buffer that never
/// grows past `maxLineBytes`; a longer line is reported as `.tooLong` (its line number counted)
/// and the rest of it is discarded, so a file without newlines cannot exhaust memory.
/// `memchr` split lines at 441 MB/s vs 230 MB/s for a byte loop (2 M lines of a zstd-compressed
/// 74 MB CSV, decompression included, release build on a 2-vCPU x86-64 Linux VM).
///
/// A struct (its buffers are owned by classes) so the per-line state is not a set of class
/// properties, each of which would pay a dynamic exclusivity check on every line.
struct LineReader {
    /// One step of reading.
    enum Step {
        /// A line without its terminator; valid until the next call.
        case line(UnsafeRawBufferPointer)
        /// The line (numbered `lineNumber`) exceeded the limit; the rest of it is skipped.
        case tooLong
        case end
    }

    let chunks: ChunkStream
    let maxLineBytes: Int
    /// 1-based number of the line last returned.
    private(set) var lineNumber = 0
    private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private var cursor = 0
    private let carryStorage: CarryBuffer
    private var carry: UnsafeMutableRawBufferPointer
    private var carryCount = 0
    private var discarding = false

    init(chunks: ChunkStream, maxLineBytes: Int) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.chunks = chunks
        self.maxLineBytes = maxLineBytes
        carryStorage = CarryBuffer(byteCount: min(maxLineBytes, 64 << 10))
        carry = carryStorage.bytes
    }

    /// The next line, `.tooLong`, or `.end`.
    /// - Complexity: amortised O(line length); bytes are copied only for lines cut by a chunk end.
    mutating func next() throws(TraceError) -> Step {
        while true {
            let remaining = chunk.count - cursor
            if remaining > 0 {
                let start = chunk.baseAddress! + cursor
                if let newline = memchr(start, 0x0A, remaining) {
                    let length = UnsafeRawPointer(newline) - start
                    cursor += length + 1
                    if discarding {
                        discarding = false  // the long line ends here; it was already reported
                        continue
                    }
                    lineNumber += 1
                    if carryCount == 0 {
                        if length > maxLineBytes { return .tooLong }
                        return .line(Self.trimmingCR(UnsafeRawBufferPointer(start: start, count: length)))
                    }
                    guard append(start, length) else {
                        carryCount = 0
                        return .tooLong
                    }
                    let line = UnsafeRawBufferPointer(start: carry.baseAddress, count: carryCount)
                    carryCount = 0
                    return .line(Self.trimmingCR(line))
                }
                cursor = chunk.count
                if !discarding, !append(start, remaining) {
                    carryCount = 0
                    discarding = true
                    lineNumber += 1
                    return .tooLong
                }
            }
            guard let next = try chunks.next(lineNumber: lineNumber) else {
                if discarding || carryCount == 0 {
                    discarding = false
                    return .end
                }
                lineNumber += 1
                let line = UnsafeRawBufferPointer(start: carry.baseAddress, count: carryCount)
                carryCount = 0
                return .line(Self.trimmingCR(line))
            }
            chunk = next
            cursor = 0
        }
    }

    /// Appends to the carry buffer, growing it up to `maxLineBytes`; false if the line is too long.
    private mutating func append(_ start: UnsafeRawPointer, _ count: Int) -> Bool {
        let needed = carryCount + count
        guard needed <= maxLineBytes else { return false }
        if needed > carry.count {
            carryStorage.grow(to: min(maxLineBytes, max(needed, carry.count * 2)), keeping: carryCount)
            carry = carryStorage.bytes
        }
        (carry.baseAddress! + carryCount).copyMemory(from: start, byteCount: count)
        carryCount = needed
        return true
    }

    @inline(__always)
    private static func trimmingCR(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if line.count > 0, line[line.count - 1] == 0x0D {
            return UnsafeRawBufferPointer(start: line.baseAddress, count: line.count - 1)
        }
        return line
    }
}

/// Owns the line carry buffer's memory, so `LineReader` can be a struct.
final class CarryBuffer {
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init(byteCount: Int) { bytes = .allocate(byteCount: byteCount, alignment: 16) }

    deinit { bytes.deallocate() }

    /// Reallocates to `byteCount` bytes, keeping the first `keeping`.
    func grow(to byteCount: Int, keeping: Int) {
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 16)
        grown.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: keeping)
        bytes.deallocate()
        bytes = grown
    }
}
