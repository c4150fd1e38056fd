import CMBenchTestSupport
import Foundation
import Testing
import TraceFormats
import ZstdStream

@Suite("input errors")
struct InputErrorTests {
    static let trace = Array(
        ("TIMESTAMP,ContextTokens,GeneratedTokens\n"
            + (0..<20_000).map { "2024-01-01 00:\(String(format: "%02d:%02d", $0 / 600, $0 / 10 % 60)).\($0 % 10)\($0 * 7919 % 1000),\($0 * 31 % 4096),\($0 % 700)" }
            .joined(separator: "\n")).utf8)

    @Test("a missing file is 'missing input'")
    func missing() {
        let error = #expect(throws: TraceError.self) { try TraceReader(path: "/nonexistent/trace.csv") }
        #expect(error?.code == .missingInput)
        #expect(error?.category == .missingInput)
        #expect(error?.description.hasPrefix("/nonexistent/trace.csv: ") == true)
    }

    @Test("a directory is an I/O error")
    func directory() {
        let error = #expect(throws: TraceError.self) { try TraceReader(path: "/tmp") }
        #expect(error?.category == .io)
    }

    @Test("empty and header-only inputs have no requests", arguments: ["", "\n\n", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"])
    func empty(text: String) {
        let error = readError(text)
        #expect(error?.code == .noRequests)
        #expect(error?.message.hasPrefix("no requests") == true)
    }

    @Test("an unknown header names the known formats; a forced wrong format says what it expected")
    func unknownFormat() {
        let unknown = readError("a,b,c\n1,2,3\n")
        #expect(unknown?.code == .unknownFormat)
        #expect(unknown?.message.contains("TIMESTAMP,ContextTokens,GeneratedTokens") == true)
        #expect(unknown?.line == 1)
        let forced = readError("TIMESTAMP,ContextTokens,GeneratedTokens\n", options: .init(format: .mooncake))
        #expect(forced?.code == .unknownFormat)
        #expect(forced?.message.contains("not a mooncake header") == true)
    }

    @Test("binary input is not a trace")
    func binary() {
        let error = #expect(throws: TraceError.self) { try readAll([0x00, 0xFF, 0xFE, 0x80, 0x0A]) }
        #expect(error?.code == .notATrace)
    }

    @Test("a truncated zstd file is reported with its offset and the last line decoded")
    func truncated() throws {
        let packed = try ZstdCompressor.compress(Self.trace, level: 3)
        let cut = Array(packed.prefix(packed.count * 2 / 3))
        let error = #expect(throws: TraceError.self) { try readAll(cut, name: "t.csv.zst") }
        #expect(error?.code == .truncatedCompressed)
        #expect(error?.byteOffset == Int64(cut.count))
        #expect(error?.message.contains("after line") == true)
        #expect(error?.description.hasPrefix("t.csv.zst: at byte \(cut.count): ") == true)
    }

    @Test("corrupt zstd data is reported with zstd's message and the offset of the damaged block", arguments: [1, 4096, 70_001, Int.max])
    func corrupt(chunkSize: Int) throws {
        var packed = try ZstdCompressor.compress(Self.trace, level: 3)
        let damage = packed.count / 2
        for index in damage..<(damage + 16) { packed[index] ^= 0x5A }
        let error = #expect(throws: TraceError.self) { try readAll(packed, chunkSize: chunkSize) }
        #expect(error?.code == .corruptCompressed)
        #expect(error?.category == .badData)
        #expect(error?.message.contains("zstd: ") == true)
        let offset = try #require(error?.byteOffset)
        // zstd finds damage when it decodes the block; the offset is where that block begins
        // (after its 3-byte header), whatever the read sizes: at most a block before the damage.
        #expect(offset <= Int64(damage) && Int64(damage) - offset <= 128 * 1024 + 3, "offset \(offset), damage at \(damage)")
    }

    /// A synthetic trace (as `cmbench synth --shared-prefix groups=50,blocks=8` writes) whose
    /// zstd stream passes 1 MiB.
    static let largeTrace: [UInt8] = {
        var workload = SyntheticWorkload(
            .init(
                count: 90_000, arrival: .poisson(ratePerSecond: 1),
                input: try! LengthDistribution(spec: "lognormal:median=1000,sigma=1"),
                output: try! LengthDistribution(spec: "lognormal:median=250,sigma=1"),
                sharedPrefix: try! SharedPrefixSpec(spec: "groups=50,blocks=8"), seed: 1))
        var text = CMBenchFormat.header + "\n"
        while let request = workload.next() {
            text += "\(request.arrival.nanoseconds),\(request.inputTokens),\(request.outputTokens),,\(request.prefixBlockTokens),"
                + request.prefixBlockHashes.map(String.init).joined(separator: " ") + "\n"
        }
        return Array(text.utf8)
    }()

    @Test("damage past the first 1 MiB read is reported near the damage, not at the read's start", arguments: [4096, Int.max])
    func corruptBeyondTheFirstRead(chunkSize: Int) throws {
        var packed = try ZstdCompressor.compress(Self.largeTrace, level: 1)
        try #require(packed.count > 1_100_000)
        let damage = 1_073_150
        for index in damage..<(damage + 40) { packed[index] ^= 0xFF }
        let error = #expect(throws: TraceError.self) { try readAll(packed, chunkSize: chunkSize) }
        #expect(error?.code == .corruptCompressed)
        let offset = try #require(error?.byteOffset)
        #expect(offset != 1 << 20)
        #expect(offset <= Int64(damage) && Int64(damage) - offset <= 128 * 1024 + 3, "offset \(offset), damage at \(damage)")
    }

    @Test("garbage after the last frame is reported at its first byte")
    func garbageAfterTheLastFrame() throws {
        let packed = try ZstdCompressor.compress(Array(Self.trace.prefix(3000)), level: 3)
        let error = #expect(throws: TraceError.self) { try readAll(packed + Array("not zstd at all".utf8)) }
        #expect(error?.code == .corruptCompressed)
        #expect(error?.byteOffset == Int64(packed.count))
    }

    /// `text` in UTF-16 (little- or big-endian), with or without a byte-order mark.
    static func utf16(_ text: String, bigEndian: Bool, mark: Bool) -> [UInt8] {
        var bytes: [UInt8] = mark ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
        for unit in text.utf16 {
            let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            bytes += bigEndian ? pair.reversed() : pair
        }
        return bytes
    }

    @Test("UTF-16 input is named as such, with the command that converts it, at line 1", arguments: [
        (false, false, "UTF-16LE", "every other byte is NUL"), (true, false, "UTF-16BE", "every other byte is NUL"),
        (false, true, "UTF-16LE", "byte-order mark FF FE"), (true, true, "UTF-16BE", "byte-order mark FE FF"),
    ] as [(Bool, Bool, String, String)])
    func utf16Input(bigEndian: Bool, mark: Bool, encoding: String, why: String) throws {
        for prefix in ["", "# a comment first\n"] {
            let bytes = Self.utf16(prefix + CMBenchFormat.header + "\n0,10,10,,,\n", bigEndian: bigEndian, mark: mark)
            let error = #expect(throws: TraceError.self) { try readAll(bytes) }
            #expect(error?.code == .notATrace)
            #expect(error?.line == 1)
            #expect(error?.message.contains("looks like \(encoding) text (") == true)
            #expect(error?.message.contains(why) == true)
            #expect(error?.message.contains("iconv -f \(encoding) -t UTF-8") == true)
            #expect(error.map { !$0.description.unicodeScalars.contains { $0.value < 0x20 } } == true)
        }
    }

    @Test("quoted input never carries control characters or invalid UTF-8")
    func quotedInputIsEscaped() throws {
        let header = #expect(throws: TraceError.self) { try readAll(Array("# note\nfoo\u{1B}[31m,bar\0é\n".utf8) + [0xFF, 0x0A]) }
        #expect(header?.line == 2)
        #expect(header?.message.contains("the first line after the comments (line 2) 'foo\\x1B[31m,bar\\x00é' matches no") == true)
        let row = #expect(throws: TraceError.self) {
            try readAll(Array("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0,1\u{1B}[2J".utf8) + [0xFF] + Array("0,4\n".utf8))
        }
        #expect(row?.description == "t.csv:2: field 'ContextTokens': '1\\x1B[2J\\xFF0' is not a non-negative number")
    }

    @Test("the decompressed-size cap refuses a zip bomb")
    func zipBomb() throws {
        let bomb = try ZstdCompressor.compress(Self.trace + [UInt8](repeating: 0x0A, count: 5_000_000), level: 3)
        let error = #expect(throws: TraceError.self) {
            try readAll(bomb, options: .init(maxDecompressedBytes: 1_000_000))
        }
        #expect(error?.code == .unsupportedCompressed)
    }

    @Test("compression is chosen by content, not name, including from a file")
    func byContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("looks-plain.csv")
        try Data(ZstdCompressor.compress(Self.trace, level: 1)).write(to: URL(fileURLWithPath: path))
        let result = try readFile(path)
        #expect(result.report.wasCompressed)
        #expect(result.requests.count == 20_000)
        #expect(result.report.decodedBytesRead == Int64(Self.trace.count))
    }
}
