import Digest
import Foundation

/// All runs as a table: provenance columns, then one column per metric name.
///
/// Cells are text so the CLI can hand them to any writer (CSV, a terminal table); numbers are
/// in Swift's shortest round-trip form, a missing or NaN metric is an empty cell.
public struct RunTable: Sendable, Hashable {
    public var header: [String]
    public var rows: [[String]]
}

extension ResultsStore {
    /// The fixed columns of ``exportTable()``, before the metric columns.
    public static let exportColumns = [
        "id", "run_key", "created_at", "command", "cmbench_version", "trace_path", "trace_sha256", "backend", "seed",
        "configuration_json", "source_revision", "toolchain", "config_files",
    ]

    /// `role path sha256` per file, `; `-separated; empty when not recorded, `none` for none.
    static func configFilesCell(_ files: [FileDigest]?) -> String {
        guard let files else { return "" }
        guard !files.isEmpty else { return "none" }
        return files.map { "\($0.role) \($0.path) \($0.sha256)" }.joined(separator: "; ")
    }

    /// Every run, oldest first, as rows: the metric columns are the sorted union of all names.
    public func exportTable() throws(StoreError) -> RunTable {
        var runs: [StoredRun] = []
        try forEachRun { run in runs.append(run) }
        let metricNames = Set(runs.flatMap(\.metrics.keys)).sorted()
        let rows = runs.map { run -> [String] in
            let fixed = [
                String(run.id), run.runKey, run.createdAt, run.command, run.cmbenchVersion, run.tracePath ?? "",
                run.traceSHA256 ?? "", run.backend, run.seed.map(String.init) ?? "", run.configurationJSON,
                run.sourceRevision ?? "", run.toolchain ?? "", Self.configFilesCell(run.configFiles),
            ]
            return fixed
                + metricNames.map { name in
                    guard let value = run.metrics[name], !value.isNaN else { return "" }
                    return "\(value)"
                }
        }
        return RunTable(header: Self.exportColumns + metricNames, rows: rows)
    }

    /// Every run, oldest first, as a pretty-printed JSON array of ``StoredRun`` (sorted keys).
    public func exportJSON() throws(StoreError) -> Data {
        var runs: [StoredRun] = []
        try forEachRun { run in runs.append(run) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(runs)
        } catch {
            throw StoreError(kind: .invalidRun, message: "cannot encode runs as JSON: \(error)", path: path)
        }
    }
}
