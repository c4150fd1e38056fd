/// The parser for one detected format, chosen once from the first line.
///
/// An enum rather than an existential so the per-row call is a switch the optimiser can inline.
enum RowParser {
    case azure(AzureFormat)
    case burstgpt(BurstGPTFormat)
    case mooncake(MooncakeFormat)
    case cmbench

    var format: TraceFormat {
        switch self {
        case .azure: .azure
        case .burstgpt: .burstgpt
        case .mooncake: .mooncake
        case .cmbench: .cmbench
        }
    }

    /// Whether row times are absolute (epoch) and must be made relative to the first row.
    var timesAreAbsolute: Bool {
        if case .azure = self { return true }
        return false
    }

    @inline(__always)
    func parse(_ line: UnsafeRawBufferPointer, into row: inout ParsedRow) throws(RowIssue) {
        switch self {
        case .azure(let format): try format.parse(line, into: &row)
        case .burstgpt(let format): try format.parse(line, into: &row)
        case .mooncake(let format): try format.parse(line, into: &row)
        case .cmbench: try CMBenchFormat.parse(line, into: &row)
        }
    }

    /// Recognises a format from the first non-comment line.
    static func detect(firstLine: String) -> TraceFormat? {
        if firstLine.hasPrefix("{") { return .mooncake }
        let columns = normalisedColumns(firstLine)
        if columns == AzureFormat.header { return .azure }
        if columns == CMBenchFormat.header { return .cmbench }
        if BurstGPTFormat(header: columns) != nil { return .burstgpt }
        return nil
    }

    /// The parser for `format`, if `firstLine` is that format's header (or, for Mooncake, a row).
    /// - Returns: the parser and whether the first line is itself a data row.
    static func make(format: TraceFormat, firstLine: String, blockTokens: Int) -> (RowParser, firstLineIsData: Bool)? {
        let columns = normalisedColumns(firstLine)
        switch format {
        case .mooncake:
            return firstLine.hasPrefix("{") ? (.mooncake(MooncakeFormat(blockTokens: blockTokens)), true) : nil
        case .azure:
            return columns == AzureFormat.header ? (.azure(AzureFormat()), false) : nil
        case .cmbench:
            return columns == CMBenchFormat.header ? (.cmbench, false) : nil
        case .burstgpt:
            return BurstGPTFormat(header: columns).map { (.burstgpt($0), false) }
        }
    }

    /// The header with spaces around the commas removed (`a , b` → `a,b`).
    private static func normalisedColumns(_ line: String) -> String {
        line.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingASCIISpaces() }
            .joined(separator: ",")
    }
}
