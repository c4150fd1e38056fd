import Digest
import FileOutput
import Foundation
import ServingMetrics

/// `sweep --shard` and `sweep --from-store`: which points a shard evaluates, what it records,
/// and the curve read back from a merged store.
struct SweepScaleOut {
    var shard: Shard?
    var fromStore: String?
    var job: ShardedJob
    var values: [String]
    var costs: [Double]
    var traceSHA256: String
    /// With `--shard`: the store this shard records into.
    var currentStore: String?
    /// Filled by `pointsFromStore`: which shards the store held.
    var shardsDescription = ""

    /// nil when neither `--shard` nor `--from-store` is given.
    init?(_ arguments: ParsedArguments, trace: String, dimension: String, values: [String]) throws {
        let shard = try arguments.shard()
        let fromStore = arguments.value("--from-store")
        guard shard != nil || fromStore != nil else { return nil }
        if shard != nil, fromStore != nil { throw CLIError.usage("--shard evaluates points into --store; --from-store reads them: give one") }
        if shard != nil {
            guard let store = arguments.value("--store") else {
                throw CLIError.usage("--shard needs --store: each shard records its points into its own store", hint: "e.g. --store shards/sweep-\(shard!.index).db")
            }
            try RunStoring.validate(store)
            try ProtectedFiles(inputs: [trace, arguments.value("--backend-config")]).claimOutput(path: store)
        } else if arguments.value("--store") != nil {
            throw CLIError.usage("--from-store reads a merged store and records nothing: --store does not apply")
        }
        self.shard = shard
        self.fromStore = fromStore
        self.currentStore = arguments.value("--store")
        self.values = values
        self.traceSHA256 = try ShardedJob.fileDigest(trace)
        self.job = ShardedJob(command: "sweep", traceSHA256: traceSHA256, arguments: arguments)
        let requests = Double(try arguments.positiveInt("--max-requests") ?? 1)
        self.costs = values.map { requests * Self.configurationSize(dimension: dimension, value: $0) }
    }

    /// A point's expected cost beside the others: the requests it replays (the same for every
    /// point of a sweep) times the size of its configuration. Concurrency and numeric backend
    /// settings (batch caps, instance and NPU counts) scale the work of every simulated step;
    /// a rate or an SLO does not change what is simulated, so those points weigh the same.
    static func configurationSize(dimension: String, value: String) -> Double {
        guard dimension == "concurrency" || dimension.hasPrefix("backend:"), let number = Double(value), number.isFinite, number > 0
        else { return 1 }
        return number
    }

    var selectedIndices: [Int] { shard.map { ShardPartition.points(of: $0, costs: costs) } ?? Array(values.indices) }

    /// What is stored per point: the point as the curve needs it, provenance included.
    struct StoredPoint: Codable {
        var value: String
        var summary: RunSummary
        var traceSHA256: String?
        var configFiles: [FileDigest]
    }

    func key(_ index: Int) -> String { job.pointKey("\(index)|\(values[index])") }

    func record(_ points: [SweepCommand.Point], indices: [Int], provenance: Provenance) throws {
        var items: [(key: String, payload: String)] = []
        for (point, index) in zip(points, indices) {
            let stored = StoredPoint(value: point.value, summary: point.summary, traceSHA256: point.traceSHA256, configFiles: point.configFiles)
            items.append((key(index), String(decoding: try JSONOutput.compact(stored), as: UTF8.self)))
        }
        var provenance = provenance
        provenance.traceSHA256 = traceSHA256
        try job.record(shard: shard!, points: items, shardPoints: items.count, jobPoints: values.count, provenance: provenance, to: currentStore!)
    }

    /// Every point from the store, in the sweep's order; names the missing ones.
    mutating func pointsFromStore(_ path: String) throws -> [SweepCommand.Point] {
        let keys = values.indices.map(key)
        let holdings = try job.holdings(in: path, keys: keys)
        let missing = values.indices.filter { holdings.payloads[keys[$0]] == nil }
        if !missing.isEmpty {
            throw job.missingError(store: path, holdings: holdings, missing: missing, describe: { "\(values[$0])" }, costs: costs)
        }
        shardsDescription = "shards " + holdings.shards.map(\.description).joined(separator: ", ")
        return try values.indices.map { index in
            let stored = try JSONDecoder().decode(StoredPoint.self, from: Data(holdings.payloads[keys[index]]!.utf8))
            return SweepCommand.Point(value: stored.value, summary: stored.summary, traceSHA256: stored.traceSHA256, configFiles: stored.configFiles)
        }
    }
}
