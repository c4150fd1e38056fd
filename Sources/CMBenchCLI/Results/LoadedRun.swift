import Digest
import Foundation
import RegressionGate
import ResultsStore

/// A run read by `gate` or `compare`: a result file (its metrics by ``MetricsFlattening``, the
/// rule the store uses too) or a stored run, with what it says about itself.
struct LoadedRun {
    var metrics: [String: Double]
    /// `provenance.config_files`, or `nil` when the run records none.
    var configFiles: [FileDigest]?
    /// Command, backend, trace and its digest, request count: for compare's header and its
    /// same-trace check.
    var identity: RunComparison.Run

    /// Reads `name`: a file when one exists, else a run id in the store at `storePath`.
    ///
    /// - Parameter requireRunDocument: refuse a JSON file that is not a cmbench output (no
    ///   `"schema": "cmbench.…"`) nor a flat `{"metrics": {…}}` (exit 65, naming the file and
    ///   why). The gate does not ask this, and reads any JSON object's numbers.
    static func load(_ name: String, storePath: String, requireRunDocument: Bool = false) throws -> LoadedRun {
        if FileManager.default.fileExists(atPath: name) {
            let data = try InputFile.read(name, what: "result file")
            if requireRunDocument { try checkRunDocument(data, source: name) }
            let metrics = try MetricsFlattening.metrics(fromJSON: data, source: name)
            var identity = recordedIdentity(inJSON: data, source: name)
            identity.totalRequests = metrics["total_requests"]
            return LoadedRun(metrics: metrics, configFiles: RecordedProvenance.configFiles(inJSON: data), identity: identity)
        }
        guard let id = Int64(name) else { throw CLIError(.missingInput, "\(name): no such file (nor a run id)") }
        guard let run = try ResultsStore(readingAt: storePath).run(id: id) else {
            throw CLIError(.missingInput, "\(storePath): no run with id \(id)")
        }
        let identity = RunComparison.Run(
            source: "run \(id)", command: run.command, backend: run.backend, trace: run.tracePath,
            traceSHA256: run.traceSHA256, totalRequests: run.metrics["total_requests"])
        return LoadedRun(metrics: run.metrics, configFiles: run.configFiles, identity: identity)
    }

    /// Refuses a JSON file that is not a run document, saying what was expected.
    private static func checkRunDocument(_ data: Data, source: String) throws(CLIError) {
        let hint = "give the output of `cmbench replay --json` (or another cmbench --json output, or {\"metrics\": {NAME: VALUE}})"
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw CLIError(.badData, "\(source): not a run document: not valid JSON", hint: hint)
        }
        guard let root = object as? [String: Any] else {
            throw CLIError(.badData, "\(source): not a run document: expected a JSON object", hint: hint)
        }
        if let schema = root["schema"] as? String, schema.hasPrefix("cmbench.") { return }
        if root["metrics"] is [String: Any], root.count == 1 { return }
        throw CLIError(
            .badData,
            "\(source): not a run document: no \"schema\" naming a cmbench output (replay --json writes \"cmbench.replay/1\") and no {\"metrics\": {…}} object",
            hint: hint)
    }

    /// What a JSON result says about itself; fields it does not record stay `nil`.
    private static func recordedIdentity(inJSON data: Data, source: String) -> RunComparison.Run {
        let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let provenance = root["provenance"] as? [String: Any] ?? [:]
        let configuration = provenance["configuration"] as? [String: Any] ?? [:]
        let backend =
            (root["backend"] as? [String: Any])?["name"] as? String ?? root["backend"] as? String
            ?? configuration["backend"] as? String
        return RunComparison.Run(
            source: source, command: provenance["command"] as? String, backend: backend,
            trace: provenance["trace"] as? String, traceSHA256: provenance["trace_sha256"] as? String)
    }
}
