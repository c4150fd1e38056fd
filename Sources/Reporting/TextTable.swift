/// An aligned plain-text table for terminal reports; numbers right-aligned, text left.
///
/// ```swift
/// var table = TextTable(header: ["metric", "baseline", "current"])
/// table.append(["ttft_p99_ms", "120", "131"])
/// print(table.render())
/// // metric       baseline  current
/// // -----------  --------  -------
/// // ttft_p99_ms       120      131
/// ```
public struct TextTable: Sendable, Hashable {
    public enum Alignment: Sendable, Hashable {
        case left
        case right
        /// Right when every non-empty cell of the column looks like a number, else left.
        case automatic
    }

    public var header: [String]
    public var alignments: [Alignment]
    public private(set) var rows: [[String]] = []

    public init(header: [String], alignments: [Alignment]? = nil) {
        precondition(alignments == nil || alignments!.count == header.count, "one alignment per column")
        self.header = header
        self.alignments = alignments ?? Array(repeating: .automatic, count: header.count)
    }

    /// Appends a row; shorter rows are padded with empty cells, longer ones are a programming error.
    public mutating func append(_ row: [String]) {
        precondition(row.count <= header.count, "row has \(row.count) cells, table has \(header.count) columns")
        rows.append(row + Array(repeating: "", count: header.count - row.count))
    }

    /// The table as lines joined by `\n`, with a trailing newline; columns separated by `gap`.
    public func render(gap: String = "  ") -> String {
        let columns = header.indices
        let widths = columns.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        let rightAligned = columns.map { column -> Bool in
            switch alignments[column] {
            case .left: false
            case .right: true
            case .automatic: rows.allSatisfy { $0[column].isEmpty || Self.looksNumeric($0[column]) } && !rows.isEmpty
            }
        }
        func line(_ cells: [String]) -> String {
            let padded = columns.map { column -> String in
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                return rightAligned[column] ? padding + cells[column] : cells[column] + padding
            }
            // Trailing spaces would make golden-file diffs noisy.
            var text = padded.joined(separator: gap)
            while text.last == " " { text.removeLast() }
            return text
        }
        var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        lines += rows.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number, optionally signed, with an optional `%` or one short unit word (`12.5 ms`).
    static func looksNumeric(_ cell: String) -> Bool {
        var text = Substring(cell).drop(while: { $0 == " " })
        while text.last == " " { text = text.dropLast() }
        if ["n/a", "-", "NaN", "nan", "inf", "-inf", "∞"].contains(text) { return true }
        if text.hasSuffix("%") { text = text.dropLast().drop(while: { $0 == " " }) }
        if let space = text.lastIndex(of: " "), text[text.index(after: space)...].allSatisfy(\.isLetter) {
            text = text[..<space]
        }
        if text.hasPrefix("+") { text = text.dropFirst() }
        return Double(text) != nil
    }
}
