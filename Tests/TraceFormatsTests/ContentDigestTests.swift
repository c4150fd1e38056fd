import Digest
import Foundation
import Testing
import ZstdStream

import TraceFormats

/// The reader's checksum is of the bytes it read, whatever the chunking, compression or how far
/// the caller read.
@Suite struct ContentDigestTests {
    static let text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        + (0..<5000).map { "\($0 * 1000),\(10 + $0 % 5),3,,," }.joined(separator: "\n") + "\n"

    static func sha256(_ bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finalizeHex()
    }

    @Test(arguments: [1, 7, 4096, Int.max])
    func theDigestIsOfEveryByteReadInAnyChunking(chunkSize: Int) throws {
        let bytes = Array(Self.text.utf8)
        let reader = try TraceReader(
            source: MemoryByteSource(bytes, chunkSize: chunkSize), name: "t.csv",
            options: .init(readBufferBytes: 4096, computesDigest: true))
        var count = 0
        while try reader.next() != nil { count += 1 }
        #expect(count == 5000)
        #expect(try reader.contentDigest() == Self.sha256(bytes))
    }

    @Test func aReaderStoppedEarlyStillHashesTheWholeInput() throws {
        let bytes = Array(Self.text.utf8)
        let reader = try TraceReader(
            source: MemoryByteSource(bytes, chunkSize: 1000), name: "t.csv",
            options: .init(readBufferBytes: 4096, computesDigest: true))
        _ = try reader.next()
        #expect(try reader.contentDigest() == Self.sha256(bytes))
    }

    @Test func compressedInputIsHashedAsStoredWithTheDecoderOnAnotherThread() throws {
        let compressed = try ZstdCompressor.compress(Array(Self.text.utf8), level: 3)
        let reader = try TraceReader(
            source: MemoryByteSource(compressed, chunkSize: 333), name: "t.csv.zst",
            options: .init(readBufferBytes: 64, decompressInBackground: true, computesDigest: true))
        for _ in 0..<10 { _ = try reader.next() }
        #expect(try reader.contentDigest() == Self.sha256(compressed))
    }

    @Test func withoutTheOptionThereIsNoDigest() throws {
        let reader = try TraceReader(source: MemoryByteSource(Self.text), name: "t.csv")
        #expect(try reader.contentDigest() == nil)
    }

    @Test func aStopRequestEndsTheDrain() throws {
        let reader = try TraceReader(
            source: MemoryByteSource(Array(Self.text.utf8), chunkSize: 100), name: "t.csv",
            options: .init(readBufferBytes: 4096, computesDigest: true))
        _ = try reader.next()
        #expect(try reader.contentDigest(shouldStop: { true }) == nil)
    }
}
