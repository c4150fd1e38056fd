/// BurstGPT traces, either column variant, with columns found by header name.
///
/// `Timestamp` is relative seconds (integer or decimal); `Response tokens` = 0 marks a failed
/// request, which is counted and excluded rather than reported as an error. `Session ID` (second
/// variant only) is empty on API rows; numeric IDs are kept, other text is hashed with FNV-1a 64.
/// Source: HPMLL/BurstGPT README and the header rows of its published CSV files.
struct BurstGPTFormat {
    /// What the reader does with each column.
    enum Role: Equatable {
        case timestamp, sessionID, requestTokens, responseTokens
        /// Text kept only for validation (`Model`, `Log Type`): must be UTF-8.
        case text
        /// Columns cmbench does not use (`Total tokens`, `Elapsed time`).
        case ignored
    }

    static let requiredColumns = ["Timestamp", "Request tokens", "Response tokens"]

    let roles: [Role]
    let names: [String]

    /// Builds the column map from the header line.
    init?(header: String) {
        names = header.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingASCIISpaces()
        }
        guard Self.requiredColumns.allSatisfy(names.contains) else { return nil }
        roles = names.map { name in
            switch name {
            case "Timestamp": .timestamp
            case "Session ID": .sessionID
            case "Request tokens": .requestTokens
            case "Response tokens": .responseTokens
            case "Model", "Log Type": .text
            default: .ignored
            }
        }
    }

    /// Parses one data row.
    /// - Complexity: O(line length); allocates only to report an error.
    func parse(_ line: UnsafeRawBufferPointer, into row: inout ParsedRow) throws(RowIssue) {
        let count = line.count
        var start = 0
        var column = 0
        while true {
            var end = start
            while end < count, line[end] != 0x2C { end += 1 }
            guard column < roles.count else {
                throw RowIssue(.wrongColumnCount, "more than the \(roles.count) columns of the header")
            }
            switch roles[column] {
            case .timestamp:
                row.fields.time = try ByteParsing.parseScaledDecimal(line, start, end, scaleDigits: 9, field: "Timestamp")
            case .requestTokens:
                row.fields.inputTokens = try ByteParsing.parseCount(line, start, end, field: "Request tokens")
            case .responseTokens:
                row.fields.outputTokens = try ByteParsing.parseCount(line, start, end, field: "Response tokens")
            case .sessionID:
                row.fields.sessionID = try Self.sessionID(line, start, end)
            case .text:
                guard ByteParsing.isValidUTF8(line, start, end) else {
                    throw RowIssue(.invalidUTF8, "is not valid UTF-8", field: names[column])
                }
            case .ignored:
                break
            }
            column += 1
            if end >= count { break }
            start = end + 1
        }
        guard column == roles.count else {
            throw RowIssue(.wrongColumnCount, "\(column) columns, but the header has \(roles.count)")
        }
        row.fields.failedRequest = row.fields.outputTokens == 0
    }

    /// Empty → none; digits → the number; other text → its FNV-1a 64 hash.
    private static func sessionID(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(RowIssue) -> UInt64? {
        let (start, end) = ByteParsing.trimmed(line, start, end)
        guard start < end else { return nil }
        if (start..<end).allSatisfy({ ByteParsing.isDigit(line[$0]) }), end - start <= 19 {
            return try ByteParsing.parseUInt64(line, start, end, field: "Session ID")
        }
        guard ByteParsing.isValidUTF8(line, start, end) else {
            throw RowIssue(.invalidUTF8, "is not valid UTF-8", field: "Session ID")
        }
        return ByteParsing.fnv1a64(line, start, end)
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces and tabs.
    func trimmingASCIISpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
