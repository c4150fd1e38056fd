/// One part of work split over N machines: shard `index` of `count` (0-based), as a Slurm job
/// array or a Kubernetes Indexed Job hands it out.
struct Shard: Sendable, Hashable, CustomStringConvertible {
    var index: Int
    var count: Int

    var description: String { "\(index)/\(count)" }

    /// The environment variables `--shard auto` reads.
    static let slurmVariables = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"]
    static let kubernetesIndex = "JOB_COMPLETION_INDEX"
    /// The completions count for `JOB_COMPLETION_INDEX` when `--shard-count` is not given.
    static let countVariable = "CMBENCH_SHARD_COUNT"

    /// Parses `--shard I/N` or `--shard auto` (with `--shard-count` for Kubernetes).
    ///
    /// `auto` reads Slurm's array variables first (index = `SLURM_ARRAY_TASK_ID` −
    /// `SLURM_ARRAY_TASK_MIN`, count = `SLURM_ARRAY_TASK_COUNT`), then Kubernetes'
    /// `JOB_COMPLETION_INDEX` with the count from `shardCount` or `CMBENCH_SHARD_COUNT`.
    /// Pure: the environment is a parameter, so it is tested without touching the process's.
    static func parse(_ text: String, shardCount: String?, environment: [String: String]) throws(CLIError) -> Shard {
        if text == "auto" {
            if let id = environment["SLURM_ARRAY_TASK_ID"] {
                guard let task = Int(id), let countText = environment["SLURM_ARRAY_TASK_COUNT"], let count = Int(countText) else {
                    throw .usage(
                        "--shard auto: SLURM_ARRAY_TASK_ID is set (\(id)) but SLURM_ARRAY_TASK_COUNT is missing or not a number",
                        hint: "submit with sbatch --array=0-(N-1), or give --shard I/N")
                }
                let minimum = Int(environment["SLURM_ARRAY_TASK_MIN"] ?? "0") ?? 0
                let shard = Shard(index: task - minimum, count: count)
                try shard.validate(
                    origin: "--shard auto (SLURM_ARRAY_TASK_ID=\(id), SLURM_ARRAY_TASK_MIN=\(minimum), SLURM_ARRAY_TASK_COUNT=\(count); "
                        + "the array must be contiguous, e.g. --array=0-\(max(count, 1) - 1), without a step)")
                return shard
            }
            if let indexText = environment[kubernetesIndex] {
                guard let index = Int(indexText) else { throw .usage("--shard auto: JOB_COMPLETION_INDEX is not a number: '\(indexText)'") }
                guard let countText = shardCount ?? environment[countVariable] else {
                    throw .usage(
                        "--shard auto: JOB_COMPLETION_INDEX=\(index) is set but not the number of shards",
                        hint: "give --shard-count N (the Job's completions) or set \(countVariable)")
                }
                guard let count = Int(countText) else { throw .usage("--shard-count must be a whole number, got '\(countText)'") }
                let shard = Shard(index: index, count: count)
                try shard.validate(origin: "--shard auto (JOB_COMPLETION_INDEX=\(index), count \(count))")
                return shard
            }
            throw .usage(
                "--shard auto: none of SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX is set (not inside a Slurm job array or a Kubernetes Indexed Job)",
                hint: "give --shard I/N, e.g. --shard 0/4")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw .usage("--shard expects I/N (0-based index, shard count) or auto, got '\(text)'", hint: "e.g. --shard 0/4")
        }
        if shardCount != nil { throw .usage("--shard-count goes with --shard auto (Kubernetes' JOB_COMPLETION_INDEX), not with --shard I/N") }
        let shard = Shard(index: index, count: count)
        try shard.validate(origin: "--shard \(text)")
        return shard
    }

    func validate(origin: String) throws(CLIError) {
        guard count > 0 else { throw .usage("\(origin): the shard count must be at least 1, got \(count)") }
        guard index >= 0, index < count else {
            throw .usage("\(origin): the shard index must be in 0...\(count - 1), got \(index)")
        }
    }
}

/// A deterministic split of independent points over shards, balanced by expected cost.
///
/// Longest-processing-time first: points in decreasing cost (ties: lower index first) go one by
/// one to the shard with the least cost so far (ties: lower shard). Every point lands in exactly
/// one shard; the split depends only on the costs and the count, so every machine computes the
/// same one. The largest shard is within one point's cost of the mean (Graham's 4/3 bound).
///
/// - Complexity: O(n log n + n·N) for n points over N shards.
enum ShardPartition {
    /// `owner[i]`: the shard that evaluates point `i`.
    static func owners(costs: [Double], count: Int) -> [Int] {
        precondition(count > 0)
        let order = costs.indices.sorted { a, b in costs[a] != costs[b] ? costs[a] > costs[b] : a < b }
        var load = [Double](repeating: 0, count: count)
        var owner = [Int](repeating: 0, count: costs.count)
        for point in order {
            var lightest = 0
            for shard in 1..<count where load[shard] < load[lightest] { lightest = shard }
            owner[point] = lightest
            load[lightest] += max(costs[point], 0)
        }
        return owner
    }

    /// The indices of the points `shard` evaluates, ascending.
    static func points(of shard: Shard, costs: [Double]) -> [Int] {
        let owner = owners(costs: costs, count: shard.count)
        return costs.indices.filter { owner[$0] == shard.index }
    }
}
