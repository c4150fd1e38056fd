import CMBenchTestSupport
import Foundation
import ResultsStore
import Testing

@testable import CMBenchCLI

/// Scale-out end to end with the built binary: shards into their own stores, `runs merge`, and
/// `--from-store` giving byte for byte what one machine gives (docs/scale-out.md).
@Suite struct ScaleOutCommandTests {
    static let sweep = [
        "sweep", "traces/default.csv.zst", "--over", "concurrency", "--values", "1,2,4,8,16,32,64", "--max-requests", "300",
        "--backend", "fixed", "--slo", "ttft=2s",
    ]
    static let plan = [
        "plan", "traces/default.csv.zst", "--speed", "4", "--max-requests", "300", "--slo", "ttft=2s,tpot=50ms", "--search",
        "prefill_npus=16", "--search", "mtp=on", "--search", "decode_batch_per_die=32", "--search", "decode_npus=16,32", "--search",
        "prefill_instances=1..4", "--no-capacity", "--no-progress",
    ]

    /// Runs `command` as shards `indices` of `count`, each into its own store; returns the stores.
    static func shards(_ command: [String], count: Int, indices: [Int]? = nil, in directory: TemporaryDirectory) throws -> [String] {
        try (indices ?? Array(0..<count)).map { index in
            let store = directory.path("shard-\(index).db")
            let run = cmbench(command + ["--shard", "\(index)/\(count)", "--store", store])
            try #require(run.status == .ok, "shard \(index)/\(count): \(run.stderr)")
            return store
        }
    }

    static func merge(_ output: String, _ inputs: [String]) -> (status: ExitStatus, stdout: String, stderr: String) {
        cmbench(["runs", "merge", output] + inputs)
    }

    @Test(arguments: [1, 2, 3, 7])
    func shardedSweepMergesToTheSingleMachineOutputs(count: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let single = cmbench(Self.sweep + ["--json"])
        let singleCSV = directory.path("single.csv")
        try #require(cmbench(Self.sweep + ["--csv", singleCSV]).status == .ok)
        let stores = try Self.shards(Self.sweep, count: count, in: directory)
        let merged = directory.path("merged.db")
        #expect(Self.merge(merged, stores.reversed()).status == .ok)
        let fromStore = cmbench(Self.sweep + ["--json", "--from-store", merged])
        #expect(fromStore.status == .ok, "\(fromStore.stderr)")
        #expect(fromStore.stdout == single.stdout)
        #expect(cmbench(Self.sweep + ["--from-store", merged]).stdout == cmbench(Self.sweep).stdout)
        let mergedCSV = directory.path("merged.csv")
        #expect(cmbench(Self.sweep + ["--csv", mergedCSV, "--from-store", merged]).status == .ok)
        for suffix in ["", ".meta.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: mergedCSV + suffix)) == Data(contentsOf: URL(fileURLWithPath: singleCSV + suffix)))
        }
    }

    @Test func mergeIsIdempotentAndOrderIndependent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let stores = try Self.shards(Self.sweep, count: 3, in: directory)
        let (forward, backward) = (directory.path("forward.db"), directory.path("backward.db"))
        #expect(Self.merge(forward, stores).status == .ok)
        #expect(Self.merge(backward, stores.reversed()).status == .ok)
        func export(_ store: String) throws -> String {
            let file = store + ".export.json"
            try? FileManager.default.removeItem(atPath: file)
            #expect(cmbench("runs", "export", file, "--store", store, "--format", "json").status == .ok)
            return try String(contentsOfFile: file, encoding: .utf8)
        }
        #expect(try !export(forward).isEmpty)
        #expect(try export(forward) == export(backward))
        // Twice, or with a shard re-run after a failure (same key): nothing added.
        let rerun = try Self.shards(Self.sweep, count: 3, indices: [1], in: try TemporaryDirectory())
        let again = Self.merge(forward, stores + rerun)
        #expect(again.status == .ok)
        #expect(again.stderr.contains("0 run(s) and 0 point(s) added"), "\(again.stderr)")
        #expect(try export(forward) == export(backward))
    }

    @Test func aMissingShardIsReportedByIndex() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let stores = try Self.shards(Self.sweep, count: 3, indices: [0, 2], in: directory)
        let merged = directory.path("merged.db")
        #expect(Self.merge(merged, stores).status == .ok)
        let result = cmbench(Self.sweep + ["--from-store", merged])
        #expect(result.status == .missingInput)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("missing shards: 1/3"), "\(result.stderr)")
        #expect(result.stderr.contains("shard 1/3 owes"))
    }

    @Test func mergeRefusesOtherVersionsOtherConfigsAndItsOwnInputs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let shard = try Self.shards(Self.sweep, count: 2, indices: [0], in: directory)[0]
        let other = directory.path("other.db")
        let store = try ResultsStore(path: other)
        try store.insert(NewRun(command: "replay", cmbenchVersion: "0.0.1-other", backend: "fixed", metrics: ["x": 1]))
        let versions = Self.merge(directory.path("out.db"), [shard, other])
        #expect(versions.status == .badData)
        #expect(versions.stderr.contains("different cmbench versions"), "\(versions.stderr)")

        // The same sweep on an edited copy of a configuration file: refused, naming the file.
        let configs = directory.path("configs")
        try FileManager.default.copyItem(atPath: "configs", toPath: configs)
        let hardware = configs + "/hardware/ascend-910c.json"
        try (String(contentsOfFile: hardware, encoding: .utf8) + "\n").write(toFile: hardware, atomically: true, encoding: .utf8)
        let cloud = ["sweep", "traces/default.csv.zst", "--over", "concurrency", "--values", "4,8", "--max-requests", "100"]
        let a = directory.path("a.db"), b = directory.path("b.db")
        #expect(cmbench(cloud + ["--shard", "0/2", "--store", a]).status == .ok)
        #expect(cmbench(cloud + ["--shard", "1/2", "--store", b, "--backend-option", "configs=\(configs)"]).status == .ok)
        let edited = Self.merge(directory.path("out2.db"), [a, b])
        #expect(edited.status == .badData)
        #expect(edited.stderr.contains("ascend-910c.json"), "\(edited.stderr)")

        #expect(Self.merge(shard, [shard]).status == .usage)
        #expect(Self.merge(directory.path("x.db"), []).status == .usage)
    }

    @Test func shardArgumentsAreCheckedBeforeAnyWork() {
        for (extra, text) in [
            (["--shard", "3/3", "--store", "/tmp/never.db"], "0...2"), (["--shard", "0/0", "--store", "/tmp/never.db"], "at least 1"),
            (["--shard", "0/2"], "--store"), (["--shard", "0/2", "--store", "/tmp/never.db", "--from-store", "/tmp/x.db"], "give one"),
        ] {
            let result = cmbench(Self.sweep + extra)
            #expect(result.status == .usage, "\(extra)")
            #expect(result.stderr.contains(text), "\(extra): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.db"))
    }

    /// The pruning happens after the merge: the merged plan walks the same staircase over the
    /// stored replays, so it prints, chooses and counts exactly what one machine does.
    /// Two shards with the shipped deployment's capacity bisection (a chain on one shard), three without.
    @Test(arguments: [2, 3])
    func shardedPlanChoosesTheSameDeployment(count: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plan = count == 2 ? Self.plan.filter { $0 != "--no-capacity" } : Self.plan
        let single = cmbench(plan + ["--json"])
        try #require(single.status == .ok, "\(single.stderr)")
        let stores = try Self.shards(plan, count: count, in: directory)
        let merged = directory.path("merged.db")
        #expect(Self.merge(merged, stores).status == .ok)
        let fromStore = cmbench(plan + ["--json", "--from-store", merged])
        #expect(fromStore.status == .ok, "\(fromStore.stderr)")
        #expect(fromStore.stdout == single.stdout)
        let chosen = try JSONSerialization.jsonObject(with: Data(fromStore.stdout.utf8)) as! [String: Any]
        let systems = (chosen["plan"] as! [String: Any])["systems"] as! [[String: Any]]
        #expect(systems[0]["chosen"] != nil)
        #expect(cmbench(plan + ["--from-store", merged]).stdout == cmbench(plan).stdout)
        // The written deployment quotes the command that chose it, without where its replays came from.
        let written = directory.path("chosen.json")
        #expect(cmbench(plan + ["--write-deployment", written]).status == .ok)
        let chosenAlone = try Data(contentsOf: URL(fileURLWithPath: written))
        #expect(cmbench(plan + ["--write-deployment", written, "--from-store", merged]).status == .ok)
        #expect(try Data(contentsOf: URL(fileURLWithPath: written)) == chosenAlone)

        let partial = directory.path("partial.db")
        #expect(Self.merge(partial, Array(stores.dropLast())).status == .ok)
        let missing = cmbench(plan + ["--from-store", partial])
        #expect(missing.status == .missingInput)
        #expect(missing.stderr.contains("missing shards: \(count - 1)/\(count)"), "\(missing.stderr)")
    }
}
