import Foundation
import ResultsStore

/// Saves a finished run into the SQLite results store (`--store PATH`).
///
/// One transaction per run: a run killed before this point leaves nothing; the store never
/// holds a partial row.
enum RunStoring {
    static let option = OptionSpec(
        "--store", .value(placeholder: "PATH"),
        help: "Also record the run (provenance and metrics) in this SQLite store, e.g. results/cmbench.sqlite.")
    static let defaultPath = "results/cmbench.sqlite"

    /// Refuses a `--store` value that cannot name a store file, before the run's work starts.
    static func validate(_ path: String) throws {
        try ResultsStore.validatePath(path)
    }

    static func save(
        document: some Encodable, provenance: Provenance, backend: String, to path: String
    ) throws -> Int64 {
        let metrics = try MetricsFlattening.metrics(of: document)
        let configuration = String(decoding: try JSONOutput.compact(provenance.configuration), as: UTF8.self)
        let store = try ResultsStore(path: path)
        return try store.insert(
            NewRun(
                command: provenance.command, cmbenchVersion: provenance.cmbenchVersion, tracePath: provenance.trace,
                traceSHA256: provenance.traceSHA256, backend: backend, configurationJSON: configuration,
                seed: provenance.seed, sourceRevision: provenance.sourceRevision, toolchain: provenance.toolchain,
                configFiles: provenance.configFiles, metrics: metrics))
    }
}

extension JSONOutput {
    /// One line, sorted keys: for values stored inside other records.
    static func compact(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
