import Digest
import FileOutput
import Foundation
import ResultsStore

/// `cmbench runs merge OUT IN...`: the runs and evaluated points of several stores (the shards
/// of a sharded sweep or plan) in one, refusing inputs that cannot belong together.
///
/// Idempotent and order-independent: runs are keyed by their run key and points by theirs; a key
/// already in OUT is skipped; what is new is added in (creation time, key) order with the
/// earliest creation time of a key seen twice, so a fresh OUT has the same rows and ids whatever
/// the order of the inputs.
enum StoreMerge {
    static func run(_ paths: [String], console: Console) throws -> ExitStatus {
        guard paths.count >= 2 else {
            throw CLIError.usage("runs merge needs the output store and at least one input", hint: "usage: cmbench runs merge OUT.db IN.db...")
        }
        let output = paths[0], inputs = Array(paths.dropFirst())
        try RunStoring.validate(output)
        let protected = ProtectedFiles(inputs: inputs)
        try protected.claimOutput(path: output)

        var sources: [(path: String, runs: [StoredRun], evaluations: [ResultsStore.StoredEvaluation])] = []
        for path in inputs {
            let store = try ResultsStore(readingAt: path)
            sources.append((path, try store.allRuns(), try store.allEvaluations()))
        }
        if FileManager.default.fileExists(atPath: output) {
            let store = try ResultsStore(readingAt: output)
            sources.append((output, try store.allRuns(), try store.allEvaluations()))
        }
        try checkCompatible(sources)

        var runs: [String: StoredRun] = [:]
        var evaluations: [String: ResultsStore.StoredEvaluation] = [:]
        for source in sources {
            for run in source.runs where runs[run.runKey].map({ run.createdAt < $0.createdAt }) ?? true { runs[run.runKey] = run }
            for item in source.evaluations where evaluations[item.key].map({ item.createdAt < $0.createdAt }) ?? true {
                evaluations[item.key] = item
            }
        }
        let orderedRuns = runs.values.sorted { ($0.createdAt, $0.runKey) < ($1.createdAt, $1.runKey) }
        let orderedEvaluations = evaluations.values.sorted { $0.key < $1.key }
        let store = try ResultsStore(path: output)
        let added = try store.merge(runs: orderedRuns, evaluations: orderedEvaluations)
        try store.checkpoint()
        console.printErr(
            "cmbench: merged \(inputs.count) store(s) into \(output): \(added.runs) run(s) and \(added.evaluations) point(s) added, "
                + "\(orderedRuns.count - added.runs) run(s) and \(orderedEvaluations.count - added.evaluations) point(s) already there")
        return .ok
    }

    /// Refuses stores written by different cmbench builds (version and source revision of every
    /// run and point; the binary's SHA-256 of every shard), or recording different contents for
    /// the same configuration file (role and path): their points would not be one computation.
    static func checkCompatible(_ sources: [(path: String, runs: [StoredRun], evaluations: [ResultsStore.StoredEvaluation])]) throws {
        var versions: [String: String] = [:]
        var revisions: [String: String] = [:]
        var binaries: [String: String] = [:]
        var files: [String: (sha256: String, path: String)] = [:]
        for source in sources {
            for run in source.runs {
                if versions[run.cmbenchVersion] == nil { versions[run.cmbenchVersion] = source.path }
                if let revision = run.sourceRevision, revisions[revision] == nil { revisions[revision] = source.path }
                if let configuration = try? JSONDecoder().decode([String: String].self, from: Data(run.configurationJSON.utf8)),
                    let binary = configuration["binary_sha256"], binaries[binary] == nil
                {
                    binaries[binary] = source.path
                }
                for file in run.configFiles ?? [] {
                    // Paired by role and file name, as the gate pairs them: a copy of configs/ elsewhere still pairs.
                    let name = "\(file.role) \((file.path as NSString).lastPathComponent)"
                    if let seen = files[name], seen.sha256 != file.sha256 {
                        throw CLIError(
                            .badData,
                            "refusing to merge: the \(file.role) file \(file.path) has SHA-256 \(seen.sha256) in \(seen.path) but \(file.sha256) in \(source.path); "
                                + "their runs were computed from different configurations",
                            hint: "merge only the shards of one job, run from the same configs")
                    }
                    if files[name] == nil { files[name] = (file.sha256, source.path) }
                }
            }
            for item in source.evaluations where revisions[item.revision] == nil { revisions[item.revision] = source.path }
        }
        func listed(_ map: [String: String]) -> String {
            map.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { "\($0.value): \($0.key)" }.joined(separator: "; ")
        }
        if versions.count > 1 {
            throw CLIError(
                .badData, "refusing to merge stores written by different cmbench versions (\(listed(versions)))",
                hint: "merge only stores written by the same cmbench build")
        }
        if revisions.count > 1 {
            throw CLIError(
                .badData, "refusing to merge stores written by different cmbench revisions (\(listed(revisions)))",
                hint: "merge only stores written by the same cmbench build")
        }
        if binaries.count > 1 {
            throw CLIError(
                .badData, "refusing to merge shards run by different cmbench binaries (SHA-256 \(listed(binaries)))",
                hint: "run every shard with the same binary (put it on the shared storage)")
        }
    }
}
