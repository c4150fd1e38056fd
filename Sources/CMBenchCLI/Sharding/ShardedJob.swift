import Digest
import Foundation
import ResultsStore

/// The points of one command's work split over shards, and what each shard leaves in its own
/// results store: every evaluated point (in `plan_evaluations`, under a key derived from the
/// job) and one run recording the shard itself (its *manifest*: which job, which shard of how
/// many, how many points, the binary and configuration files), so that a merged store says which
/// shards it holds and `--from-store` can name the missing ones.
///
/// The job is a SHA-256 over everything that determines the points' results: the command, the
/// cmbench binary, the trace's bytes and the options that shape the work (not the outputs, the
/// store or the shard). Two shards of one job agree on it; anything else does not mix.
struct ShardedJob {
    var command: String
    var job: String

    /// Options that do not change what a point computes: left out of the job.
    static let outputOptions: Set<String> = [
        "--shard", "--shard-count", "--store", "--from-store", "--csv", "--json", "--jobs", "--plot", "--no-progress",
        "--write-deployment",
    ]

    init(command: String, traceSHA256: String, arguments: ParsedArguments) {
        self.command = command
        var words = ["cmbench.sharded-job/1", command, PlanCache.binaryIdentity, traceSHA256]
        for key in arguments.values.keys.sorted() where !Self.outputOptions.contains(key) {
            for value in arguments.values[key]! { words += [key, value] }
        }
        words += arguments.flags.subtracting(Self.outputOptions).sorted()
        var hash = SHA256()
        hash.update(Array(words.joined(separator: "\u{1F}").utf8))
        job = hash.finalizeHex()
    }

    /// The store key of point `id` of this job.
    func pointKey(_ id: String) -> String {
        var hash = SHA256()
        hash.update(Array("\(job)|\(id)".utf8))
        return hash.finalizeHex()
    }

    func manifestKey(_ shard: Shard) -> String { "cmbench.shard/1|\(job)|\(shard)" }

    /// SHA-256 of a file's bytes (the trace, read once more to name the job up front).
    static func fileDigest(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CLIError(.missingInput, "\(path): cannot open the trace to name the sharded job")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(chunk) }
        return hash.finalizeHex()
    }

    /// Records a shard's points and its manifest into `path` (created when missing), in two
    /// transactions: the points, then the manifest, so a manifest is never there without them.
    /// A shard run again records the same keys: nothing is duplicated.
    func record(
        shard: Shard, points: [(key: String, payload: String)], shardPoints: Int, jobPoints: Int, provenance: Provenance, to path: String
    ) throws {
        let store = try ResultsStore(path: path)
        try store.recordPlanEvaluations(points, revision: BuildStamp.sourceRevision)
        let configuration: [String: String] = [
            "job": job, "shard": shard.description, "points": String(shardPoints), "binary_sha256": PlanCache.binaryIdentity,
        ]
        _ = try store.insert(
            NewRun(
                runKey: manifestKey(shard), command: "\(command) --shard", cmbenchVersion: provenance.cmbenchVersion,
                tracePath: provenance.trace, traceSHA256: provenance.traceSHA256, backend: "shard",
                configurationJSON: String(decoding: try JSONOutput.compact(configuration), as: UTF8.self), seed: provenance.seed,
                sourceRevision: provenance.sourceRevision, toolchain: provenance.toolchain, configFiles: provenance.configFiles,
                metrics: ["shard_index": Double(shard.index), "shard_count": Double(shard.count), "points": Double(shardPoints),
                          "job_points": Double(jobPoints)]))
    }

    /// What a (merged) store holds of this job: the shards recorded and a look-up of points.
    struct Holdings {
        var shards: [Shard]
        var payloads: [String: String]
    }

    /// Reads the job's shards and the payloads of `keys` from the store at `path` (read-only).
    func holdings(in path: String, keys: [String]) throws -> Holdings {
        let store = try ResultsStore(readingAt: path)
        var shards: [Shard] = []
        for run in try store.allRuns() where run.command == "\(command) --shard" {
            guard let configuration = try? JSONDecoder().decode([String: String].self, from: Data(run.configurationJSON.utf8)),
                configuration["job"] == job, let text = configuration["shard"]
            else { continue }
            let parts = text.split(separator: "/").compactMap { Int($0) }
            if parts.count == 2 { shards.append(Shard(index: parts[0], count: parts[1])) }
        }
        var payloads: [String: String] = [:]
        for key in keys { payloads[key] = try store.planEvaluation(key: key) }
        return Holdings(shards: shards.sorted { ($0.count, $0.index) < ($1.count, $1.index) }, payloads: payloads)
    }

    /// The error `--from-store` gives when points are missing: which shards are absent and which
    /// points each owes (`owner(i)` under the recorded count). Exit 66 (an input does not exist).
    func missingError(
        store: String, holdings: Holdings, missing: [Int], describe: (Int) -> String, costs: [Double]
    ) -> CLIError {
        let counts = Set(holdings.shards.map(\.count))
        var lines: [String] = []
        guard let count = counts.first, counts.count == 1 else {
            if counts.isEmpty {
                return CLIError(
                    .missingInput,
                    "\(store): no shard of this \(command) is recorded (\(missing.count) points missing); the store holds shards of "
                        + "other jobs or none (a different trace, options or cmbench binary make a different job)",
                    hint: "run the shards with the same arguments plus --shard I/N --store, then cmbench runs merge")
            }
            return CLIError(.badData, "\(store): shards of this \(command) were split different ways (counts \(counts.sorted()))")
        }
        let present = Set(holdings.shards.map(\.index))
        let absent = (0..<count).filter { !present.contains($0) }
        let owner = ShardPartition.owners(costs: costs, count: count)
        if !absent.isEmpty {
            lines.append("missing shards: \(absent.map { "\($0)/\(count)" }.joined(separator: ", ")) (of \(count); no record of them in the store)")
        }
        var byShard: [Int: [Int]] = [:]
        for point in missing { byShard[owner[point], default: []].append(point) }
        for shard in byShard.keys.sorted() {
            let owed = byShard[shard]!
            let named = owed.prefix(5).map(describe).joined(separator: "; ") + (owed.count > 5 ? "; and \(owed.count - 5) more" : "")
            lines.append("shard \(shard)/\(count) owes \(owed.count) point(s): \(named)")
        }
        return CLIError(
            .missingInput,
            "\(store): \(missing.count) of \(costs.count) points of this \(command) are missing\n  " + lines.joined(separator: "\n  "),
            hint: "run the missing shards (same arguments, --shard I/\(count) --store their own file), then cmbench runs merge again")
    }
}

extension ParsedArguments {
    /// `--shard` as a `Shard` (nil without it), reading the process environment for `auto`.
    func shard() throws(CLIError) -> Shard? {
        guard let text = value("--shard") else {
            if value("--shard-count") != nil { throw .usage("--shard-count goes with --shard auto") }
            return nil
        }
        return try Shard.parse(text, shardCount: value("--shard-count"), environment: ProcessInfo.processInfo.environment)
    }
}

/// The options every sharded command takes.
enum ShardOptions {
    static let specs = [
        OptionSpec(
            "--shard", .value(placeholder: "I/N|auto"),
            help: "Evaluate only shard I of N (0-based) of the points into --store; auto reads Slurm's or Kubernetes' array index."),
        OptionSpec("--shard-count", .value(placeholder: "N"), help: "With --shard auto under Kubernetes: the Job's completions."),
        OptionSpec(
            "--from-store", .value(placeholder: "DB"),
            help: "Evaluate nothing: build the outputs from the points of a (merged) store of shards; missing ones are named (exit 66)."),
    ]
}
