import CZstd
import Testing
import ZstdStream

/// Deterministic text with little repetition, so compressed streams span several blocks.
func sampleText(lines: Int = 20_000) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var text: [UInt8] = []
    for index in 0..<lines {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407  // Knuth's MMIX LCG
        text.append(contentsOf: "\(index),\(state >> 33),row\n".utf8)
    }
    return text
}

@Suite("zstd streaming")
struct ZstdRoundTripTests {
    @Test("compress then decompress gives back the bytes", arguments: [ZstdCompressor.fastLevel, ZstdCompressor.shippingLevel])
    func roundTrip(level: Int32) throws {
        let text = sampleText()
        let packed = try ZstdCompressor.compress(text, level: level)
        #expect(packed.count < text.count)
        #expect(ZstdMagic.startsWithZstdMagic(packed))
        #expect(try ZstdDecompressor.decompress(packed) == text)
    }

    @Test("concatenated frames and a skippable frame decode in sequence")
    func concatenatedFrames() throws {
        let first = sampleText(lines: 3000)
        let second = Array("tail line\n".utf8)
        // A skippable frame: magic 0x184D2A53, 4-byte little-endian length, payload.
        let skippable: [UInt8] = [0x53, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]
        let stream = try ZstdCompressor.compress(first) + skippable + ZstdCompressor.compress(second)
        #expect(try ZstdDecompressor.decompress(stream) == first + second)
    }

    @Test("the streaming encoder makes a new frame after finishFrame")
    func streamingEncoderFrames() throws {
        let encoder = ZstdCompressor(level: 3)
        var output: [UInt8] = []
        for part in ["abc\n", "def\n"] {
            try Array(part.utf8).withUnsafeBytes { try encoder.compress($0, appendingTo: &output) }
            try encoder.finishFrame(appendingTo: &output)
        }
        #expect(try ZstdDecompressor.decompress(output) == Array("abc\ndef\n".utf8))
    }

    @Test("a cut stream is reported as truncated")
    func truncated() throws {
        let packed = try ZstdCompressor.compress(sampleText())
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress(Array(packed.prefix(packed.count / 2))) }
        #expect(error?.code == .truncated)
        #expect(error?.compressedOffset == Int64(packed.count / 2))
    }

    @Test("flipped bytes mid-stream are reported as corrupt with zstd's message and an offset")
    func corrupt() throws {
        var packed = try ZstdCompressor.compress(sampleText())
        for index in packed.count / 2..<(packed.count / 2 + 8) { packed[index] ^= 0xFF }
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress(packed) }
        #expect(error?.code == .corrupt)
        #expect(error?.compressedOffset != nil)
        #expect(error?.message.contains("zstd: ") == true)
    }

    @Test("errors carry the offset zstd reached, not that of the input it was handed")
    func offsetReached() throws {
        let packed = try ZstdCompressor.compress(Array(sampleText(lines: 40)))
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress(packed + Array("garbage".utf8)) }
        #expect(error?.code == .corrupt)
        #expect(error?.compressedOffset == Int64(packed.count))
    }

    @Test("plain text given to the decoder is 'not zstd'")
    func notZstd() throws {
        let error = #expect(throws: ZstdError.self) {
            try ZstdDecompressor.decompress(Array("TIMESTAMP,ContextTokens,GeneratedTokens\n".utf8))
        }
        #expect(error?.code == .notZstd)
        #expect(error?.message.contains("28 B5 2F FD") == true)
    }

    @Test("empty input is its own error")
    func empty() {
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress([]) }
        #expect(error?.code == .empty)
    }

    @Test("an output cap refuses a zip bomb")
    func outputCap() throws {
        let bomb = try ZstdCompressor.compress([UInt8](repeating: 0x41, count: 10_000_000))
        #expect(bomb.count < 2000)
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress(bomb, maxOutputBytes: 1_000_000) }
        #expect(error?.code == .outputLimitExceeded)
        #expect(try ZstdDecompressor.decompress(bomb, maxOutputBytes: 10_000_000).count == 10_000_000)
    }

    @Test("a frame needing a window over 128 MiB is refused with a hint about --long")
    func windowTooLarge() throws {
        // Made as `zstd --long=28` would: the frame header declares a 256 MiB window.
        let text = sampleText(lines: 100)
        let context = try #require(ZSTD_createCCtx())
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, 28)
        var packed = [UInt8](repeating: 0, count: text.count + 1024)
        let size = packed.withUnsafeMutableBytes { out in
            text.withUnsafeBytes { input -> Int in
                var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                _ = ZSTD_compressStream2(context, &outBuffer, &inBuffer, ZSTD_e_continue)
                while ZSTD_compressStream2(context, &outBuffer, &inBuffer, ZSTD_e_end) != 0 {}
                return outBuffer.pos
            }
        }
        let error = #expect(throws: ZstdError.self) { try ZstdDecompressor.decompress(Array(packed.prefix(size))) }
        #expect(error?.code == .windowTooLarge)
        #expect(error?.message.contains("--long") == true)
    }

    @Test("magic detection recognises frames and all skippable magics, not text")
    func magic() {
        #expect(ZstdMagic.startsWithZstdMagic([0x28, 0xB5, 0x2F, 0xFD, 0]))
        for low in UInt8(0x50)...0x5F { #expect(ZstdMagic.startsWithZstdMagic([low, 0x2A, 0x4D, 0x18])) }
        #expect(!ZstdMagic.startsWithZstdMagic(Array("TIME".utf8)))
        #expect(!ZstdMagic.startsWithZstdMagic([0x28, 0xB5, 0x2F]))
    }

    @Test("feeding one byte at a time decodes the same bytes")
    func oneByteChunks() throws {
        let text = sampleText(lines: 500)
        let packed = try ZstdCompressor.compress(text)
        let decoder = ZstdDecompressor()
        var result: [UInt8] = []
        for (offset, byte) in packed.enumerated() {
            try [byte].withUnsafeBytes { chunk in
                var position = 0
                while position < chunk.count {
                    result.append(contentsOf: try decoder.decompress(chunk, position: &position, compressedOffset: Int64(offset)))
                }
            }
        }
        try decoder.finish(compressedBytes: Int64(packed.count))
        #expect(result == text)
    }
}
