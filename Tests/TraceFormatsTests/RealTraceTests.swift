import CMBenchTestSupport
import Foundation
import Serving
import Testing
import TraceFormats
import ZstdStream

@Suite("real public traces", .enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)))
struct RealTraceTests {
    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func checkAzure(_ result: ReadResult, file: String) {
        #expect(result.format == .azure)
        #expect(result.requests.count == 19_366)
        let first = result.requests.first
        #expect(first?.arrival.nanoseconds == 0)
        #expect(first?.inputTokens == 374)
        #expect(first?.outputTokens == 44)
        #expect(first?.origin == InputLocation(file: file, line: 2))
        #expect(result.requests[1].arrival.nanoseconds == 4_314_579_000)  // 18:15:50.9951690 − 18:15:46.6805900
        let last = result.requests.last
        #expect(last?.id == 19_365)
        #expect(last?.arrival.nanoseconds == 3_501_721_937_000)  // 19:14:08.4025270 − 18:15:46.6805900
        #expect(last?.inputTokens == 197)
        #expect(last?.outputTokens == 183)
        #expect(last?.origin.line == 19_367)
        #expect(result.report.rowsRead == 19_366)
        #expect(result.report.skippedRows == 0)
    }

    func checkMooncake(_ result: ReadResult) {
        #expect(result.format == .mooncake)
        #expect(result.requests.count == 12_031)
        let first = result.requests.first
        #expect(first?.arrival.nanoseconds == 0)
        #expect(first?.inputTokens == 6758)
        #expect(first?.outputTokens == 500)
        #expect(first?.prefixBlockHashes == Array(0...13))
        #expect(first?.prefixBlockTokens == 512)
        let last = result.requests.last
        #expect(last?.arrival.nanoseconds == 3_536_999_000_000)
        #expect(last?.inputTokens == 20_774)
        #expect(last?.outputTokens == 508)
        #expect(last?.prefixBlockHashes.count == 41)
        #expect(last?.prefixBlockHashes.prefix(3) == [0, 182_750, 182_751])
        #expect(last?.prefixBlockHashes.last == 182_789)
        #expect(last?.origin.line == 12_031)
        #expect(result.report.unknownJSONKeys == 0)
    }

    @Test("Azure 2023 conversation CSV (CRLF, no final newline) from disk")
    func azureFile() throws {
        let result = try readFile(SharedTraces.azureConversation)
        checkAzure(result, file: SharedTraces.azureConversation)
        #expect(!result.report.wasCompressed)
    }

    @Test("Mooncake conversation JSON lines from disk")
    func mooncakeFile() throws {
        checkMooncake(try readFile(SharedTraces.mooncakeConversation))
    }

    @Test("the same traces zstd-compressed in memory, as one frame and as two concatenated frames")
    func compressed() throws {
        for path in [SharedTraces.azureConversation, SharedTraces.mooncakeConversation] {
            let text = try bytes(path)
            let single = try ZstdCompressor.compress(text, level: 3)
            let middle = text.count / 2
            let double = try ZstdCompressor.compress(Array(text[..<middle]), level: 1)
                + ZstdCompressor.compress(Array(text[middle...]), level: 1)
            for packed in [single, double] {
                let result = try readAll(packed, chunkSize: 65_537, name: path)
                #expect(result.report.wasCompressed)
                #expect(result.report.inputBytesRead == Int64(packed.count))
                #expect(result.report.decodedBytesRead == Int64(text.count))
                if path == SharedTraces.azureConversation {
                    checkAzure(result, file: path)
                } else {
                    checkMooncake(result)
                }
            }
        }
    }

    @Test("Mooncake prefix reuse with an infinite cache is the published 0.366")
    func mooncakeReuse() throws {
        var reader = try TraceReader(path: SharedTraces.mooncakeConversation)
        var statistics = TraceStatistics()
        try statistics.add(all: &reader)
        let summary = statistics.summary
        #expect(summary.requests == 12_031)
        #expect(summary.prefixBlocks == 288_500)
        let ratio = try #require(summary.prefixReuseRatio)
        #expect((ratio * 1000).rounded() == 366)
        #expect(summary.inputTokens?.max == 126_195)
        #expect(summary.outputTokens?.max == 2000)
        #expect(abs((summary.inputTokens?.mean ?? 0) - 12_035) < 1)
    }
}
