import Testing
import TraceFormats

@Suite("Azure format")
struct AzureFormatTests {
    @Test("2023 style: 7 fraction digits, CRLF, no final newline")
    func style2023() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50.9951690,396,109"
        let result = try readAll(text)
        #expect(result.format == .azure)
        #expect(result.requests.map(\.arrival.nanoseconds) == [0, 4_314_579_000])
        #expect(result.requests.map(\.inputTokens) == [374, 396])
        #expect(result.requests.map(\.outputTokens) == [44, 109])
        #expect(result.requests.map(\.origin.line) == [2, 3])
        #expect(result.requests.map(\.id) == [0, 1])
    }

    @Test("2024 style: +00:00 zone, fraction sometimes absent, other offsets applied")
    func style2024() throws {
        let text = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2024-05-10 00:00:00.0098490+00:00,10,20
            2024-05-10 00:00:01+00:00,11,21
            2024-05-10 02:00:02.5+02:00,12,22
            2024-05-09 23:00:03-01:00,13,23
            2024-05-10T00:00:04Z,14,24

            """
        let result = try readAll(text)
        #expect(result.requests.map(\.arrival.nanoseconds) == [0, 990_151_000, 2_490_151_000, 2_990_151_000, 3_990_151_000])
    }

    @Test("mixed LF and CRLF line endings")
    func mixedEndings() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\n2024-01-01 00:00:00,1,2\r\n2024-01-01 00:00:01,3,4\n"
        #expect(try readAll(text).requests.map(\.inputTokens) == [1, 3])
    }

    @Test("timestamps are exact across a leap day and years")
    func leapDay() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\n2024-02-28 23:59:59.999999999,1,1\n2024-02-29 00:00:00,1,1\n2024-03-01 00:00:00,1,1\n"
        #expect(try readAll(text).requests.map(\.arrival.nanoseconds) == [0, 1, 86_400_000_000_001])
    }

    @Test(
        "invalid timestamps are bad rows naming the field",
        arguments: ["2023-13-01 00:00:00", "2023-02-30 00:00:00", "2023-11-16 24:00:00", "2023-11-16", "2023-11-16 10:00:00.",
            "2023-11-16 10:00:00+5", "2023/11/16 10:00:00", "2023-11-16 10:00:00 junk", "3000-01-01 00:00:00"])
    func invalidTimestamp(stamp: String) throws {
        let error = try #require(readError("TIMESTAMP,ContextTokens,GeneratedTokens\n\(stamp),1,2\n"))
        #expect(error.badRowReason == .invalidTimestamp)
        #expect(error.line == 2)
        #expect(error.field == "TIMESTAMP")
        #expect(error.description.hasPrefix("t.csv:2: field 'TIMESTAMP': "))
    }
}
