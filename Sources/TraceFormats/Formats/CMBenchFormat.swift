/// cmbench's own trace format: a CSV that carries everything a `ServingRequest` holds.
///
/// ```
/// # optional provenance lines, each starting with '#', before the header
/// arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids
/// 0,6758,500,,512,0 1 2 3
/// ```
/// `arrival_ns` is integer nanoseconds from the trace start; `session_id` is empty or an unsigned
/// integer; `prefix_block_tokens` is empty or a positive integer (empty: the reader's default);
/// `prefix_hash_ids` is empty or space-separated unsigned 64-bit integers. Written with LF.
public enum CMBenchFormat {
    /// The header line, exactly.
    public static let header = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids"
    static let columns = 6

    /// Parses one data row; `row.fields.blockTokens` holds the default on entry.
    /// - Complexity: O(line length).
    static func parse(_ line: UnsafeRawBufferPointer, into row: inout ParsedRow) throws(RowIssue) {
        let count = line.count
        var bounds: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)
        var commas = 0
        var index = 0
        while index < count {
            if line[index] == 0x2C {
                switch commas {
                case 0: bounds.0 = index
                case 1: bounds.1 = index
                case 2: bounds.2 = index
                case 3: bounds.3 = index
                case 4: bounds.4 = index
                default:
                    throw RowIssue(.wrongColumnCount, "more than the \(columns) columns of the header \(header)")
                }
                commas += 1
            }
            index += 1
        }
        guard commas == columns - 1 else {
            throw RowIssue(.wrongColumnCount, "\(commas + 1) columns, but the header has \(columns)")
        }
        let arrival = try ByteParsing.parseUInt64(line, 0, bounds.0, field: "arrival_ns")
        guard arrival <= UInt64(Int64.max) else {
            throw RowIssue(.overflow, "\(arrival) does not fit in a signed 64-bit integer", field: "arrival_ns")
        }
        row.fields.time = Int64(arrival)
        row.fields.inputTokens = try ByteParsing.parseCount(line, bounds.0 + 1, bounds.1, field: "input_tokens")
        row.fields.outputTokens = try ByteParsing.parseCount(line, bounds.1 + 1, bounds.2, field: "output_tokens")
        let (sessionStart, sessionEnd) = ByteParsing.trimmed(line, bounds.2 + 1, bounds.3)
        if sessionStart < sessionEnd {
            row.fields.sessionID = try ByteParsing.parseUInt64(line, sessionStart, sessionEnd, field: "session_id")
        }
        let (blockStart, blockEnd) = ByteParsing.trimmed(line, bounds.3 + 1, bounds.4)
        if blockStart < blockEnd {
            let tokens = try ByteParsing.parseCount(line, blockStart, blockEnd, field: "prefix_block_tokens")
            guard tokens > 0 else {
                throw RowIssue(.invalidValue, "must be a positive number of tokens", field: "prefix_block_tokens")
            }
            row.fields.blockTokens = tokens
        }
        var start = bounds.4 + 1
        while start < count {
            while start < count, line[start] == 0x20 { start += 1 }
            guard start < count else { break }
            var end = start
            while end < count, line[end] != 0x20 { end += 1 }
            row.hashes.append(try ByteParsing.parseUInt64(line, start, end, field: "prefix_hash_ids"))
            start = end
        }
    }
}
