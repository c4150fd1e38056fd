import Foundation
import Serving
import Synchronization
import Testing
import ZstdStream

@testable import TraceFormats

/// Decompressing on a second thread must change nothing a user can see: the same requests, the
/// same report, the same errors with the same line numbers.
@Suite struct BackgroundDecompressionTests {
    static let text: String = {
        var text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        for i in 0..<60_000 { text += "\(i * 1000),\(100 + i % 37),\(10 + i % 11),\(i % 5),512,\(i % 3) \(i)\n" }
        return text
    }()

    static func read(
        _ bytes: [UInt8], chunk: Int, background: Bool, skipBadRows: Bool = false
    ) -> (requests: [ServingRequest], report: IngestReport?, error: String?) {
        var options = TraceReader.Options()
        options.decompressInBackground = background
        options.parsesInBackground = background
        options.skipBadRows = skipBadRows
        options.maxLineBytes = 4096
        var requests: [ServingRequest] = []
        do {
            let reader = try TraceReader(source: MemoryByteSource(bytes, chunkSize: chunk), name: "t.zst", options: options)
            while let request = try reader.next() { requests.append(request) }
            return (requests, reader.report, nil)
        } catch {
            return (requests, nil, error.description)
        }
    }

    @Test(arguments: [1, 7, 4093, 1 << 20])
    func sameRequestsAndReportEitherWay(chunk: Int) throws {
        // Two frames, so the decoder crosses a frame boundary too.
        let half = Self.text.utf8.count / 2
        let bytes = try ZstdCompressor.compress(Array(Self.text.utf8.prefix(half)), level: 3)
            + ZstdCompressor.compress(Array(Self.text.utf8.dropFirst(half)), level: 3)
        let serial = Self.read(bytes, chunk: chunk, background: false)
        let background = Self.read(bytes, chunk: chunk, background: true)
        #expect(serial.error == nil && background.error == nil)
        #expect(serial.requests.count == 60_000)
        #expect(serial.requests == background.requests)
        #expect(serial.report == background.report)
    }

    @Test func sameErrorsEitherWay() throws {
        let bytes = try ZstdCompressor.compress(Array(Self.text.utf8), level: 3)
        let truncated = Array(bytes.prefix(bytes.count * 2 / 3))
        var corrupt = bytes
        for i in (bytes.count / 2)..<(bytes.count / 2 + 32) { corrupt[i] ^= 0x5A }
        for input in [truncated, corrupt] {
            let serial = Self.read(input, chunk: 4093, background: false)
            let background = Self.read(input, chunk: 4093, background: true)
            #expect(serial.error != nil)
            #expect(serial.error == background.error)
            #expect(serial.requests == background.requests)
        }
    }

    /// Rows parsed ahead on the second thread are counted, refused and skipped by the reader as
    /// it reaches them: blank lines, bad rows, an over-long line and a time going backwards.
    @Test(arguments: [false, true])
    func sameBadRowHandlingEitherWay(skipBadRows: Bool) throws {
        var text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        for i in 0..<20_000 {
            switch i % 997 {
            case 5: text += "\n"
            case 17: text += "\(i * 1000),x,3,,512,\n"
            case 29: text += "\(i * 1000),\(String(repeating: "9", count: 5000)),3,,512,\n"
            case 41: text += "1,5,3,,512,\n"
            default: text += "\(i * 1000),\(100 + i % 37),\(10 + i % 11),\(i % 5),512,\(i % 3) \(i)\n"
            }
        }
        let bytes = try ZstdCompressor.compress(Array(text.utf8), level: 3)
        let serial = Self.read(bytes, chunk: 4093, background: false, skipBadRows: skipBadRows)
        let background = Self.read(bytes, chunk: 4093, background: true, skipBadRows: skipBadRows)
        #expect((serial.error == nil) == skipBadRows)
        #expect(serial.error == background.error)
        #expect(serial.requests == background.requests)
        #expect(serial.report == background.report)
        if skipBadRows { #expect(serial.report?.skippedRows ?? 0 > 40) }
    }

    /// Each abandoned reader's producer threads are blocked on full queues; `cancel()` must
    /// wake it so it returns and releases the byte source it was reading. The sources are
    /// counted as they are freed, with a bounded wait: a thread left blocked fails the test
    /// instead of leaking unnoticed.
    @Test func abandoningAReaderMidwayStopsItsThread() throws {
        // More decoded text than the prefetchers' slabs and batches hold, so each producer is
        // still blocked when its reader goes (only the first row is taken: the repeats never are).
        let decoded = Array(repeating: Array(Self.text.utf8), count: 4).flatMap { $0 }
        #expect(decoded.count > (ChunkPrefetcher.slabs + 1) * ChunkPrefetcher.slabBytes)
        #expect(4 * 60_000 > (RowPrefetcher.maxBatches + 1) * RowPrefetcher.batchSize)
        let bytes = try ZstdCompressor.compress(decoded, level: 3)
        let released = ReleaseCounter()
        let readers = 20
        for index in 0..<readers {
            let source = CountedByteSource(MemoryByteSource(bytes, chunkSize: 4093), counter: released)
            let reader = try TraceReader(
                source: source, name: "t.zst", options: .init(parsesInBackground: index.isMultiple(of: 2)))
            #expect(try reader.next() != nil)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while released.count < readers && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(released.count == readers, "\(readers - released.count) producer thread(s) still hold their source after 30 s")
    }
}

/// Counts byte sources freed, from whichever thread frees them.
private final class ReleaseCounter: Sendable {
    private let released = Mutex(0)
    var count: Int { released.withLock { $0 } }
    func increment() { released.withLock { $0 += 1 } }
}

/// A byte source that tells `counter` when the last copy of it is freed.
private struct CountedByteSource: ByteSource {
    private final class Token {
        let counter: ReleaseCounter
        init(_ counter: ReleaseCounter) { self.counter = counter }
        deinit { counter.increment() }
    }

    private var base: MemoryByteSource
    private let token: Token

    init(_ base: MemoryByteSource, counter: ReleaseCounter) {
        self.base = base
        token = Token(counter)
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(TraceError) -> Int {
        try base.read(into: buffer)
    }
}
