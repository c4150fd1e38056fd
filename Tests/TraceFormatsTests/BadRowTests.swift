import DiscreteEvent
import Testing
import TraceFormats

@Suite("bad rows")
struct BadRowTests {
    static let header = "TIMESTAMP,ContextTokens,GeneratedTokens"
    static let good = "2024-01-01 00:00:00,1,2"

    @Test(
        "each kind of bad row stops the run with its reason and line",
        arguments: [
            ("2024-01-01 00:00:01,x1,2", BadRowReason.unparsableNumber, "ContextTokens"),
            ("2024-01-01 00:00:01,,2", .missingField, "ContextTokens"),
            ("2024-01-01 00:00:01,1", .wrongColumnCount, nil),
            ("2024-01-01 00:00:01,1,2,3", .wrongColumnCount, nil),
            ("2024-01-01 00:00:01,-5,2", .negativeValue, "ContextTokens"),
            ("2024-01-01 00:00:01,1,99999999999999999999", .overflow, "GeneratedTokens"),
            ("2024-01-01 00:00:01,1,9223372036854775808", .overflow, "GeneratedTokens"),
            ("2024-01-01 00:00:01,nan,2", .notFinite, "ContextTokens"),
            ("2024-01-01 00:00:01,1,inf", .notFinite, "GeneratedTokens"),
            ("2024-01-01 00:00:01,1e3,2", .unparsableNumber, "ContextTokens"),
            ("2024-01-01 25:00:01,1,2", .invalidTimestamp, "TIMESTAMP"),
            ("2023-12-31 23:59:59,1,2", .timeWentBackwards, "TIMESTAMP"),
            ("2024-01-01 00:00:01,4294967297,2", .overflow, "ContextTokens"),
            ("2200-01-01 00:00:00,1,2", .overflow, "TIMESTAMP"),
        ] as [(String, BadRowReason, String?)])
    func strict(row: String, reason: BadRowReason, field: String?) throws {
        let error = try #require(readError("\(Self.header)\n\(Self.good)\n\n\(row)\n\(Self.good)\n"))
        #expect(error.code == .badRow(reason))
        #expect(error.category == .badData)
        #expect(error.line == 4)
        #expect(error.field == field)
        #expect(error.description.hasPrefix("t.csv:4: "))
    }

    @Test(
        "an arrival past the limit of simulated time is refused with its field and the limit, in every format",
        arguments: [
            ("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n0,1,1,,,\n9223372036854775807,1,1,,,\n",
             "arrival_ns"),
            ("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n0,1,1,,,\n4611686018427387905,1,1,,,\n",
             "arrival_ns"),
            ("{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n{\"timestamp\": 9223372036854, \"input_length\": 1, \"output_length\": 1}\n",
             "timestamp"),
            ("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n0,ChatGPT,1,1,2,Conversation log\n9223372036.8,ChatGPT,1,1,2,Conversation log\n",
             "Timestamp"),
            // Year 1680 to 2260: the span does not even fit in 64 bits (it used to wrap around).
            ("TIMESTAMP,ContextTokens,GeneratedTokens\n1680-01-01 00:00:00,1,2\n2260-01-01 00:00:00,1,2\n", "TIMESTAMP"),
        ] as [(String, String)])
    func beyondTheLimit(text: String, field: String) throws {
        let error = try #require(readError(text))
        #expect(error.code == .badRow(.overflow))
        #expect(error.line == (text.hasPrefix("{") ? 2 : 3))
        #expect(error.field == field)
        #expect(error.description.contains("field '\(field)'"))
        #expect(error.description.contains("exceeds the limit of simulated time, 2^62 ns"))
    }

    @Test("the limit itself is held", arguments: [0, 1])
    func atTheLimit(extra: Int) throws {
        let text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n0,1,1,,,\n\(4_611_686_018_427_387_904 - extra),1,1,,,\n"
        let result = try readAll(text)
        #expect(result.requests.last?.arrival == SimTime(nanoseconds: 4_611_686_018_427_387_904 - Int64(extra)))
    }

    @Test("time going backwards names the time field in every format", arguments: [
        ("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n5,1,1,,,\n4,1,1,,,\n", "arrival_ns"),
        ("{\"timestamp\": 5, \"input_length\": 1, \"output_length\": 1}\n{\"timestamp\": 4, \"input_length\": 1, \"output_length\": 1}\n", "timestamp"),
        ("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,1,1,2,Conversation log\n4,ChatGPT,1,1,2,Conversation log\n", "Timestamp"),
        ("TIMESTAMP,ContextTokens,GeneratedTokens\n2024-01-01 00:00:05,1,2\n2024-01-01 00:00:04,1,2\n", "TIMESTAMP"),
    ] as [(String, String)])
    func backwards(text: String, field: String) throws {
        let error = try #require(readError(text))
        #expect(error.code == .badRow(.timeWentBackwards))
        #expect(error.description.contains(":\(text.hasPrefix("{") ? 2 : 3): field '\(field)': arrival"))
    }

    @Test("a line over the limit is a bad row, not a crash, and memory stays bounded")
    func lineTooLong() throws {
        let long = "2024-01-01 00:00:01,1," + String(repeating: "9", count: 5000)
        let text = "\(Self.header)\n\(Self.good)\n\(long)\n\(Self.good)\n"
        let error = try #require(readError(text, options: .init(maxLineBytes: 100)))
        #expect(error.badRowReason == .lineTooLong)
        #expect(error.line == 3)
        // Skipping: the rest of the long line is discarded, the next line is read normally,
        // whatever the chunking.
        for chunk in [1, 7, 64, 10_000] {
            let result = try readAll(text, chunkSize: chunk, options: .init(skipBadRows: true, maxLineBytes: 100))
            #expect(result.requests.map(\.origin.line) == [2, 4])
            #expect(result.report.skippedCount(.lineTooLong) == 1)
        }
    }

    @Test("a long final line without newline is caught too")
    func longLastLine() throws {
        let text = "\(Self.header)\n\(Self.good)\n" + String(repeating: "x", count: 300)
        let result = try readAll(text, chunkSize: 32, options: .init(skipBadRows: true, maxLineBytes: 100))
        #expect(result.requests.count == 1)
        #expect(result.report.skippedCount(.lineTooLong) == 1)
        #expect(result.report.skipped.first?.examples.first?.line == 3)
    }

    @Test("skipBadRows counts per reason and keeps the first five examples")
    func skipping() throws {
        var rows = [Self.header, Self.good]
        for second in 1...8 { rows.append("2024-01-01 00:00:0\(second),bad,1") }  // lines 3–10
        rows.append("2024-01-01 00:00:09,-1,1")  // line 11
        rows.append("2024-01-01 00:00:10,5,6")  // line 12
        rows.append("2024-01-01 00:00:09,5,6")  // line 13: backwards
        let result = try readAll(rows.joined(separator: "\n"), options: .init(skipBadRows: true))
        #expect(result.requests.map(\.origin.line) == [2, 12])
        #expect(result.requests.map(\.id) == [0, 1])
        let report = result.report
        #expect(report.rowsRead == 12)
        #expect(report.requestsProduced == 2)
        #expect(report.skippedRows == 10)
        #expect(report.skippedCount(.unparsableNumber) == 8)
        #expect(report.skippedCount(.negativeValue) == 1)
        #expect(report.skippedCount(.timeWentBackwards) == 1)
        let unparsable = try #require(report.skipped.first { $0.reason == .unparsableNumber })
        #expect(unparsable.examples.map(\.line) == [3, 4, 5, 6, 7])
        #expect(report.skipped.map(\.reason) == report.skipped.map(\.reason).sorted())
        #expect(report.summaryLines.first?.contains("skipped 10 of 12 rows") == true)
    }

    @Test("every row bad with skipping is still an error: no requests")
    func allSkipped() {
        let error = readError("\(Self.header)\n2024-01-01 00:00:00,x,1\n", options: .init(skipBadRows: true))
        #expect(error?.code == .noRequests)
    }
}
