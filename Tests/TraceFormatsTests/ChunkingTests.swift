import Testing
import TraceFormats
import ZstdStream

@Suite("chunk boundaries")
struct ChunkingTests {
    /// A mix of formats' awkward cases: CRLF, LF, long lines, no final newline.
    static let traces: [(String, String)] = [
        ("azure", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n" + (0..<300).map { "2023-11-16 18:15:\(String(format: "%02d", $0 % 60)).\($0)00,\($0 + 1),\($0 * 7 % 500)" }.enumerated().map { index, row in
            index < 60 ? row : row.replacingOccurrences(of: "18:15:", with: "18:\(16 + index / 60):")
        }.joined(separator: "\r\n")),
        ("mooncake", (0..<200).map { #"{"timestamp": \#($0 * 3), "input_length": \#($0 * 11), "output_length": 5, "hash_ids": [\#((0...($0 % 40)).map(String.init).joined(separator: ", "))]}"# }.joined(separator: "\n") + "\n"),
        ("cmbench", CMBenchFormat.header + "\n" + (0..<250).map { "\($0 * 1000),\($0),\($0 + 1),\($0 % 3 == 0 ? "" : String($0)),16,\($0) \($0 + 1)" }.joined(separator: "\n")),
    ]

    @Test("1-byte, odd-sized and whole-buffer chunks give identical requests, plain and zstd", arguments: 0..<3)
    func identical(index: Int) throws {
        let (format, text) = Self.traces[index]
        let bytes = Array(text.utf8)
        let reference = try readAll(bytes)
        #expect(reference.format.rawValue == format)
        #expect(reference.requests.count >= 200)
        let packed = try ZstdCompressor.compress(bytes, level: 3)
        for chunk in [1, 2, 7, 4093, bytes.count] {
            #expect(try readAll(bytes, chunkSize: chunk).requests == reference.requests, "plain, chunk \(chunk)")
            #expect(try readAll(packed, chunkSize: chunk).requests == reference.requests, "zstd, chunk \(chunk)")
        }
    }

    @Test("a small read buffer still carries lines across boundaries")
    func smallBuffer() throws {
        let (_, text) = Self.traces[1]
        let reference = try readAll(text)
        let small = try readAll(text, options: .init(readBufferBytes: 16))
        #expect(small.requests == reference.requests)
    }
}
