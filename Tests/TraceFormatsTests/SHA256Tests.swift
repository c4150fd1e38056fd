import Foundation
import Testing
import ZstdStream

import TraceFormats

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func knownVectors(input: String, expected: String) {
        var hash = SHA256()
        hash.update(Array(input.utf8))
        #expect(hash.finalizeHex() == expected)
    }

    @Test func chunkingDoesNotChangeTheDigest() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var whole = SHA256()
        whole.update(bytes)
        let expected = whole.finalizeHex()
        for chunk in [1, 7, 63, 64, 65, 4093] {
            var hash = SHA256()
            var start = 0
            while start < bytes.count {
                hash.update(bytes[start..<min(start + chunk, bytes.count)])
                start += chunk
            }
            #expect(hash.finalizeHex() == expected, "chunk size \(chunk)")
        }
    }

    @Test func millionAs() {
        var hash = SHA256()
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hash.update(block) }
        #expect(hash.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

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
