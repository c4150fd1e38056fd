/// Azure LLM inference traces (2023 and 2024 releases): `TIMESTAMP,ContextTokens,GeneratedTokens`.
///
/// Timestamps are absolute (`2023-11-16 18:15:46.6805900`, or `2024-05-10 00:00:00.0098490+00:00`
/// with the fraction sometimes absent); the reader makes arrivals relative to the first row.
/// Source: Azure/AzurePublicDataset, `AzureLLMInferenceDataset2023.md` and
/// `AzureLLMInferenceDataset2024.md`, and the published CSV files themselves (2023: CRLF line
/// endings and no newline after the last row).
struct AzureFormat {
    static let header = "TIMESTAMP,ContextTokens,GeneratedTokens"

    /// Parses one data row.
    /// - Complexity: O(line length), no allocation.
    @inline(__always)
    func parse(_ line: UnsafeRawBufferPointer, into row: inout ParsedRow) throws(RowIssue) {
        let count = line.count
        var firstComma = -1
        var secondComma = -1
        var index = 0
        while index < count {
            if line[index] == 0x2C {
                if firstComma < 0 {
                    firstComma = index
                } else if secondComma < 0 {
                    secondComma = index
                } else {
                    throw RowIssue(.wrongColumnCount, "more than the 3 columns of the header \(Self.header)")
                }
            }
            index += 1
        }
        guard secondComma >= 0 else {
            throw RowIssue(.wrongColumnCount, "fewer than the 3 columns of the header \(Self.header)")
        }
        row.fields.time = try CivilTime.parse(line, 0, firstComma, field: "TIMESTAMP")
        row.fields.inputTokens = try ByteParsing.parseCount(line, firstComma + 1, secondComma, field: "ContextTokens")
        row.fields.outputTokens = try ByteParsing.parseCount(line, secondComma + 1, count, field: "GeneratedTokens")
    }
}
