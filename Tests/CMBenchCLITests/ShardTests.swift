import Testing

@testable import CMBenchCLI

/// `--shard`: parsing (explicit, Slurm, Kubernetes, bad values) and the cost-balanced partition.
@Suite struct ShardTests {
    /// Costs with ties, a dominant point and zeros, as a plan's candidates have.
    static let costs: [Double] = [5, 1, 1, 9, 3, 3, 0, 7, 2, 2, 8, 1, 4, 6, 0, 5, 5, 12, 1, 3]

    @Test(arguments: [1, 2, 3, 7])
    func shardsCoverEveryPointOnce(count: Int) {
        let parts = (0..<count).map { ShardPartition.points(of: Shard(index: $0, count: count), costs: Self.costs) }
        let all = parts.flatMap { $0 }
        #expect(all.sorted() == Array(Self.costs.indices), "union is the whole set, no point twice")
        #expect(Set(all).count == all.count)
        // Balanced by cost: no shard exceeds the mean by more than the largest point.
        let loads = parts.map { $0.reduce(0) { $0 + Self.costs[$1] } }
        let mean = Self.costs.reduce(0, +) / Double(count)
        #expect(loads.max()! <= mean + Self.costs.max()!)
        // Deterministic: computed again, the same.
        #expect(parts == (0..<count).map { ShardPartition.points(of: Shard(index: $0, count: count), costs: Self.costs) })
    }

    @Test func balancesByCostNotCount() {
        // One heavy point and six light ones over two shards: the heavy one alone on a shard.
        let owner = ShardPartition.owners(costs: [6, 1, 1, 1, 1, 1, 1], count: 2)
        #expect(owner.filter { $0 == owner[0] }.count == 1)
    }

    @Test func explicitShards() throws {
        #expect(try Shard.parse("2/7", shardCount: nil, environment: [:]) == Shard(index: 2, count: 7))
        #expect(try Shard.parse("0/1", shardCount: nil, environment: [:]) == Shard(index: 0, count: 1))
    }

    @Test(arguments: ["3/3", "0/0", "-1/4", "4", "a/b", "1/2/3", ""])
    func badShardsAreUsageErrors(text: String) {
        #expect(throws: CLIError.self) { try Shard.parse(text, shardCount: nil, environment: [:]) }
        do { _ = try Shard.parse(text, shardCount: nil, environment: [:]) } catch { #expect(error.status == .usage) }
    }

    @Test func autoReadsSlurmsArrayVariables() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try Shard.parse("auto", shardCount: nil, environment: env) == Shard(index: 2, count: 4))
        let stepped = ["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(throws: CLIError.self) { try Shard.parse("auto", shardCount: nil, environment: stepped) }
        #expect(throws: CLIError.self) { try Shard.parse("auto", shardCount: nil, environment: ["SLURM_ARRAY_TASK_ID": "1"]) }
    }

    @Test func autoReadsKubernetesIndexWithACount() throws {
        #expect(try Shard.parse("auto", shardCount: "5", environment: ["JOB_COMPLETION_INDEX": "4"]) == Shard(index: 4, count: 5))
        let fromEnvironment = ["JOB_COMPLETION_INDEX": "1", "CMBENCH_SHARD_COUNT": "3"]
        #expect(try Shard.parse("auto", shardCount: nil, environment: fromEnvironment) == Shard(index: 1, count: 3))
        #expect(throws: CLIError.self) { try Shard.parse("auto", shardCount: nil, environment: ["JOB_COMPLETION_INDEX": "1"]) }
        #expect(throws: CLIError.self) { try Shard.parse("auto", shardCount: "2", environment: ["JOB_COMPLETION_INDEX": "2"]) }
    }

    @Test func autoWithoutAnArrayIsAUsageErrorSayingSo() {
        do {
            _ = try Shard.parse("auto", shardCount: nil, environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.status == .usage)
            #expect(error.message.contains("SLURM_ARRAY_TASK_ID"))
        }
    }
}
