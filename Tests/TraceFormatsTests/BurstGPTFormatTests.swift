import Testing
import TraceFormats

@Suite("BurstGPT format")
struct BurstGPTFormatTests {
    @Test("first variant: integer seconds, failed requests counted and excluded")
    func firstVariant() throws {
        let text = """
            Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type
            5,ChatGPT,472,18,490,Conversation log
            45,ChatGPT,1087,0,1087,Conversation log
            45,GPT-4,0,276,276,API log
            118,GPT-4,417,276,693,Conversation log
            """
        let result = try readAll(text)
        #expect(result.format == .burstgpt)
        #expect(result.requests.map(\.arrival.nanoseconds) == [5_000_000_000, 45_000_000_000, 118_000_000_000])
        #expect(result.requests.map(\.inputTokens) == [472, 0, 417])
        #expect(result.requests.map(\.origin.line) == [2, 4, 5])
        #expect(result.report.failedRequestRowsExcluded == 1)
        #expect(result.report.rowsRead == 4)
        #expect(result.report.summaryLines.contains { $0.contains("excluded 1 failed-request") })
        #expect(result.requests.allSatisfy { $0.sessionID == nil })
    }

    @Test("second variant: float seconds, numeric and text session ids, empty on API rows")
    func secondVariant() throws {
        let text = """
            Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type
            0.5,1234,3.2,ChatGPT,10,20,30,Conversation log
            1.25,,1.0,ChatGPT,11,21,32,API log
            2,abc-7,1.0,GPT-4,12,22,34,Conversation log
            """
        let result = try readAll(text)
        #expect(result.requests.map(\.arrival.nanoseconds) == [500_000_000, 1_250_000_000, 2_000_000_000])
        #expect(result.requests[0].sessionID == 1234)
        #expect(result.requests[1].sessionID == nil)
        // FNV-1a 64 of "abc-7", computed independently.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "abc-7".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        #expect(result.requests[2].sessionID == hash)
    }

    @Test("columns are found by name whatever their order")
    func columnOrder() throws {
        let text = "Model,Response tokens,Timestamp,Request tokens,Total tokens,Log Type\nChatGPT,7,3,5,12,x\n"
        let request = try #require(try readAll(text).requests.first)
        #expect(request.inputTokens == 5)
        #expect(request.outputTokens == 7)
        #expect(request.arrival.nanoseconds == 3_000_000_000)
    }

    @Test("invalid UTF-8 in a text column is a bad row")
    func invalidUTF8() throws {
        var bytes = Array("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n1,Chat".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(",1,2,3,Conversation log\n".utf8)
        let error = #expect(throws: TraceError.self) { try readAll(bytes) }
        #expect(error?.badRowReason == .invalidUTF8)
        #expect(error?.field == "Model")
        #expect(error?.line == 2)
    }

    @Test("a trace of only failed requests has no requests")
    func onlyFailed() {
        let error = readError("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n1,m,5,0,5,x\n")
        #expect(error?.code == .noRequests)
        #expect(error?.message.contains("failed request") == true)
    }
}
