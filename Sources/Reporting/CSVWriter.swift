import FileOutput
import Foundation

/// One CSV cell: text, or a number printed so it reads back to the same value.
public enum CSVValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    case text(String)
    case number(Double)
    case integer(Int64)
    /// A missing value: an empty cell, which pandas and gnuplot read as missing.
    case empty

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }

    /// The cell's text before quoting.
    ///
    /// Numbers use Swift's shortest round-trip form (`812.5`, `1e-05`, `3.0`); NaN is an empty
    /// cell (missing), ±∞ are `inf`/`-inf`, which pandas parses as floats.
    public var rawText: String {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): value.isNaN ? "" : "\(value)"
        case .empty: ""
        }
    }
}

/// Writes RFC 4180 CSV as a stream: a header row, then one row per ``append(_:)``.
///
/// Fields containing `,`, `"`, CR or LF are quoted, with inner quotes doubled. Lines end with
/// LF by default: pandas, Python's `csv`, R and gnuplot read it, and Unix tools (`diff`,
/// `awk`) prefer it; pass `.crlf` for RFC 4180's own line break. Units belong in column
/// names (`ttft_p99_ms`), which is the caller's job.
///
/// Provenance (cmbench version, trace sha256, configuration, seed) goes to a companion file
/// `OUT.csv.meta.json` rather than `#` comment lines, because `pandas.read_csv` does not skip
/// comments by default and the CSV must load without options. The file is written to a
/// temporary name and renamed by ``finish()``; the companion is renamed first, so a reader who
/// finds the CSV always finds its provenance.
///
/// ```swift
/// let csv = try CSVWriter(path: "out/points.csv", header: ["rate_rps", "ttft_p99_ms"],
///                         provenance: ["cmbench_version": CMBenchVersion.string, "seed": "42"])
/// try csv.append([1.5, 812.25])
/// try csv.finish()
/// ```
public final class CSVWriter {
    public enum LineEnding: String, Sendable {
        case lf = "\n"
        case crlf = "\r\n"
    }

    public let header: [String]
    public let lineEnding: LineEnding
    private let output: OutputFile
    private let provenance: Data?

    /// Starts a CSV at `path` (`-` for standard output, which gets no companion file, nor do a
    /// device or a FIFO).
    ///
    /// - Parameter provenance: anything `Encodable`; written as pretty JSON with sorted keys to
    ///   ``sidecarPath(for:)`` by ``finish()``.
    public convenience init(
        path: String, header: [String], provenance: (any Encodable)? = nil, lineEnding: LineEnding = .lf,
        protecting protection: ProtectedFiles? = nil
    ) throws(ReportingError) {
        try self.init(
            output: OutputFile(path: path, protecting: protection), header: header, provenance: provenance,
            lineEnding: lineEnding)
    }

    /// Starts a CSV in an output opened earlier — before long work whose results decide the
    /// columns, so that an unwritable path is refused before the work, not after it.
    public init(output: OutputFile, header: [String], provenance: (any Encodable)? = nil, lineEnding: LineEnding = .lf)
        throws(ReportingError)
    {
        precondition(!header.isEmpty, "a CSV needs at least one column")
        let path = output.path
        self.header = header
        self.lineEnding = lineEnding
        if let provenance, output.isRegularFile {
            do {
                self.provenance = try Self.provenanceJSON(provenance)
            } catch {
                throw ReportingError(kind: .cannotEncode, path: Self.sidecarPath(for: path), message: "\(error)")
            }
        } else {
            self.provenance = nil
        }
        self.output = output
        try output.write(Self.line(header.map(CSVValue.text), lineEnding: lineEnding))
    }

    /// Appends one row; it must have one value per header column.
    public func append(_ row: [CSVValue]) throws(ReportingError) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields, header has \(header.count)")
        try output.write(Self.line(row, lineEnding: lineEnding))
    }

    /// Writes the companion JSON (if any), then moves the CSV into place.
    public func finish() throws(ReportingError) {
        if let provenance {
            try OutputFile.write(provenance, to: Self.sidecarPath(for: output.path), protecting: output.protection)
        }
        try output.commit()
    }

    /// Writes the provenance companion of a CSV written some other way (a stream of rows through an
    /// ``OutputFile``); call it before committing the CSV, so the CSV never appears without it.
    public static func writeCompanion(
        provenance: any Encodable, for csvPath: String, protecting protection: ProtectedFiles? = nil
    ) throws(ReportingError) {
        let path = sidecarPath(for: csvPath)
        let data: Data
        do { data = try provenanceJSON(provenance) } catch {
            throw ReportingError(kind: .cannotEncode, path: path, message: "\(error)")
        }
        try OutputFile.write(data, to: path, protecting: protection)
    }

    /// The companion file's path: `OUT.csv` → `OUT.csv.meta.json`.
    public static func sidecarPath(for csvPath: String) -> String { csvPath + ".meta.json" }

    /// A whole small CSV as a string (tests, short reports).
    public static func render(header: [String], rows: [[CSVValue]], lineEnding: LineEnding = .lf) -> String {
        ([header.map(CSVValue.text)] + rows).map { line($0, lineEnding: lineEnding) }.joined()
    }

    /// One field, quoted when RFC 4180 requires it.
    public static func field(_ value: CSVValue) -> String {
        let text = value.rawText
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func line(_ values: [CSVValue], lineEnding: LineEnding) -> String {
        values.map(field).joined(separator: ",") + lineEnding.rawValue
    }

    /// Pretty JSON with sorted keys, so companion files are byte-stable for equal input.
    static func provenanceJSON(_ value: any Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

@available(*, unavailable)
extension CSVWriter: Sendable {}
