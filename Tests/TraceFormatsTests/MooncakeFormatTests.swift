import Testing
import TraceFormats

@Suite("Mooncake format")
struct MooncakeFormatTests {
    @Test("key order, whitespace and unknown keys do not matter")
    func keyOrder() throws {
        let text = """
            {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2]}
            {"hash_ids":[0,1,5],"output_length":490,"timestamp":12,"input_length":1100}
              { "note" : "a \\"quoted\\" [x]", "input_length" :7, "extra": {"a": [1, {"b": null}]}, "output_length": 1 , "timestamp": 12.5, "hash_ids" : [ ] , "flag": true }\t
            {"timestamp": 20, "input_length": 3, "output_length": 4}
            """
        let result = try readAll(text, name: "m.jsonl")
        #expect(result.format == .mooncake)
        #expect(result.requests.map(\.arrival.nanoseconds) == [0, 12_000_000, 12_500_000, 20_000_000])
        #expect(result.requests.map(\.inputTokens) == [6758, 1100, 7, 3])
        #expect(result.requests.map(\.outputTokens) == [500, 490, 1, 4])
        #expect(result.requests[0].prefixBlockHashes == [0, 1, 2])
        #expect(result.requests[1].prefixBlockHashes == [0, 1, 5])
        #expect(result.requests[2].prefixBlockHashes.isEmpty)
        #expect(result.report.unknownJSONKeys == 3)
    }

    @Test("the block size is a parameter")
    func blockSize() throws {
        let result = try readAll(
            #"{"timestamp": 0, "input_length": 40, "output_length": 5, "hash_ids": [7, 8, 9]}"#,
            options: .init(prefixBlockTokens: 16))
        #expect(result.requests.first?.prefixBlockTokens == 16)
    }

    @Test(
        "malformed lines are bad rows with the right reason",
        arguments: [
            (#"{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": 5}"#, BadRowReason.notAList),
            (#"{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": null}"#, .notAList),
            (#"{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": [1, -2]}"#, .negativeValue),
            (#"{"timestamp": 0, "input_length": 1, "hash_ids": []}"#, .missingField),
            (#"{"timestamp": 0, "input_length": -1, "output_length": 1}"#, .negativeValue),
            (#"{"timestamp": NaN, "input_length": 1, "output_length": 1}"#, .notFinite),
            (#"{"timestamp": 0, "input_length": 1.5, "output_length": 1}"#, .unparsableNumber),
            (#"{"timestamp": 0, "input_length": 99999999999999999999, "output_length": 1}"#, .overflow),
            (#"{"timestamp": 0, "input_length": 1, "output_length": 1"#, .invalidJSON),
            (#"{"timestamp": 0, "timestamp": 1, "input_length": 1, "output_length": 1}"#, .invalidJSON),
            (#"{"timestamp": 0, "input_length": 1, "output_length": 1} x"#, .invalidJSON),
        ])
    func malformed(line: String, reason: BadRowReason) throws {
        let text = #"{"timestamp": 0, "input_length": 1, "output_length": 1}"# + "\n" + line + "\n"
        let error = try #require(readError(text))
        #expect(error.badRowReason == reason)
        #expect(error.line == 2)
    }
}
