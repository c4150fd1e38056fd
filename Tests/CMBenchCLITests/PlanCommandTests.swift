import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// `cmbench plan` from the command line: determinism, the deployment it writes, the store, the
/// agreement of its capacity with `sweep`, and bad input.
@Suite struct PlanCommandTests {
    /// A small space on the first 1,500 requests of the shipped trace at 4x: quick in a debug build.
    static let small = [
        "plan", "traces/default.csv.zst", "--slo", "ttft=2s,tpot=50ms", "--max-requests", "1500", "--speed", "4",
        "--search", "decode_npus=16,24,32", "--search", "prefill_instances=1..4", "--search", "decode_batch_per_die=16,48",
        "--search", "mtp=on", "--search", "prefill_npus=16", "--no-progress",
    ]

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
    static func withoutProvenance(_ text: String) throws -> NSDictionary {
        var d = try json(text)
        d["provenance"] = nil
        return d as NSDictionary
    }

    @Test func thePlanDoesNotDependOnTheNumberOfJobs() throws {
        let one = cmbench(Self.small + ["--no-capacity", "--json", "--jobs", "1"])
        let three = cmbench(Self.small + ["--no-capacity", "--json", "--jobs", "3"])
        #expect(one.status == .ok, "\(one.stderr)")
        #expect(one.stdout == three.stdout)
        let plan = try Self.json(one.stdout)["plan"] as! [String: Any]
        let system = (plan["systems"] as! [[String: Any]])[0]
        #expect(system["chosen"] != nil)
        #expect((system["verdict"] as? String)?.contains("accelerators") == true)
        let chosen = (system["chosen"] as! [String: Any])["candidate"] as! [String: Any]
        #expect((chosen["accelerators"] as! Int) == (chosen["prefillAccelerators"] as! Int) + (chosen["decodeAccelerators"] as! Int))
        let search = system["search"] as! [String: Any]
        #expect((search["candidates"] as! Int) == 3 * 4 * 2)
        #expect((search["evaluated"] as! Int) + (search["pruned"] as! Int) + (search["invalid"] as! Int) == 24)
    }

    /// The deployment written replays, through `replay`, to the metrics the plan reported.
    @Test func theWrittenDeploymentReplaysToThePlansMetrics() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let file = directory.path("planned.json")
        let plan = cmbench(Self.small + ["--no-capacity", "--json", "--write-deployment", file])
        #expect(plan.status == .ok, "\(plan.stderr)")
        let systems = (try Self.json(plan.stdout)["plan"] as! [String: Any])["systems"] as! [[String: Any]]
        let chosen = try #require(systems[0]["chosen"] as? [String: Any])
        let planned = chosen["summary"] as! [String: Any]

        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("chosen by `cmbench plan traces/default.csv.zst --max-requests 1500"))
        #expect(text.contains("trace SHA-256 "))
        let replay = cmbench(
            "replay", "traces/default.csv.zst", "--backend-option", "deployment=\(file)", "--max-requests", "1500", "--speed", "4",
            "--slo", "ttft=2s,tpot=50ms", "--json", "--no-progress")
        #expect(replay.status == .ok, "\(replay.stderr)")
        let replayed = try Self.json(replay.stdout)
        for key in ["ttft_ms", "tpot_ms", "e2e_ms", "completed_requests", "output_tokens_per_s_per_accelerator", "slo_attainment", "accelerators"] {
            let (a, b) = (planned[key], replayed[key])
            #expect(a != nil && NSDictionary(dictionary: ["v": a as Any]).isEqual(to: ["v": b as Any]), "\(key): plan \(String(describing: a)), replay \(String(describing: b))")
        }
    }

    /// A second run with the same inputs reuses every replay and prints the same plan.
    @Test func theStoreLetsAReRunReuseEveryReplay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = directory.path("plan.sqlite")
        let first = cmbench(Self.small + ["--no-capacity", "--json", "--store", store])
        let second = cmbench(Self.small + ["--no-capacity", "--json", "--store", store])
        #expect(first.status == .ok && second.status == .ok, "\(first.stderr) \(second.stderr)")
        #expect(try Self.withoutProvenance(first.stdout) == Self.withoutProvenance(second.stdout))
        #expect(first.stderr.contains(", 0 replays reused"))
        #expect(!second.stderr.contains(", 0 replays reused"))
        // A stricter target reuses the replays and judges them again.
        let strict = cmbench(Self.small + ["--no-capacity", "--json", "--store", store, "--attainment", "0.999"])
        #expect(strict.status == .ok)
        #expect(!strict.stderr.contains(", 0 replays reused"))
    }

    /// The capacity found by bisection lies where `sweep --over rate` crosses the target: every
    /// swept rate at or below it meets the target, every one at or above the first overload misses.
    @Test func capacityAgreesWithASweepOverRate() throws {
        let arguments = [
            "plan", "traces/default.csv.zst", "--slo", "ttft=1s,tpot=45ms", "--max-requests", "1500", "--rate", "20",
            "--attainment", "0.95", "--search", "decode_npus=16", "--search", "prefill_instances=1", "--search", "decode_batch_per_die=16",
            "--search", "mtp=on", "--search", "prefill_npus=16", "--json", "--no-progress",
        ]
        let plan = cmbench(arguments)
        #expect(plan.status == .ok, "\(plan.stderr)")
        let system = ((try Self.json(plan.stdout)["plan"] as! [String: Any])["systems"] as! [[String: Any]])[0]
        let capacity = try #require((system["shipped"] as? [String: Any])?["capacity"] as? [String: Any])
        let low = try #require(((capacity["capacity"] as? [String: Any])?["rate"] as? [String: Any])?["_0"] as? Double)
        let high = try #require(((capacity["overload"] as? [String: Any])?["rate"] as? [String: Any])?["_0"] as? Double)
        #expect(low < high && high / low < 1.03)
        let rates = [low / 2, low, high, high * 2]
        let sweep = cmbench(
            "sweep", "traces/default.csv.zst", "--over", "rate", "--values", rates.map { "\($0)" }.joined(separator: ","),
            "--max-requests", "1500", "--slo", "ttft=1s,tpot=45ms", "--json")
        #expect(sweep.status == .ok, "\(sweep.stderr)")
        let points = try Self.json(sweep.stdout)["points"] as! [[String: Any]]
        let attainment = points.map { (($0["summary"] as! [String: Any])["slo_attainment"] as! [String: Any])["overall"] as! Double }
        #expect(attainment[0] >= 0.95 && attainment[1] >= 0.95, "\(attainment)")
        #expect(attainment[2] < 0.95 && attainment[3] < 0.95, "\(attainment)")
    }

    /// SLOs nothing meets: exit 0, no choice, the closest miss and why, in the JSON.
    @Test func unmeetableSLOsGiveTheClosestMiss() throws {
        let result = cmbench(
            ["plan", "traces/default.csv.zst", "--slo", "ttft=1ms", "--max-requests", "300", "--search", "decode_npus=16,32",
             "--search", "prefill_instances=1..2", "--search", "decode_batch_per_die=16", "--search", "mtp=on", "--no-capacity", "--json",
             "--no-progress"])
        #expect(result.status == .ok, "\(result.stderr)")
        let system = ((try Self.json(result.stdout)["plan"] as! [String: Any])["systems"] as! [[String: Any]])[0]
        #expect(system["chosen"] == nil)
        let miss = try #require(system["closestMiss"] as? [String: Any])
        #expect((miss["bottleneck"] as? String) == "prefill compute")
        #expect((system["verdict"] as? String)?.hasPrefix("no deployment in the space meets the SLOs; the closest") == true)
        let text = cmbench(
            ["plan", "traces/default.csv.zst", "--slo", "ttft=1ms", "--max-requests", "300", "--search", "decode_npus=16",
             "--search", "prefill_instances=1", "--search", "decode_batch_per_die=16", "--search", "mtp=on", "--no-capacity", "--no-progress"])
        #expect(text.stdout.contains("no deployment meets the SLOs; closest"))
    }

    @Test(arguments: [
        (["--systems", "cloudmatrix-infr"], "unknown system 'cloudmatrix-infr'"),
        (["--price", "b300=3"], "no system planned runs on hardware 'b300'"),
        (["--price", "ascend-910c=-1"], "positive price"),
        (["--search", "decode_npus=8", "--search", "decode_batch_per_die=96"], "no deployment in the search space"),
        (["--search", "batch=4"], "unknown key 'batch'"),
        (["--search", "precision=fp4"], "'fp4' is not a precision"),
        (["--speed", "2", "--rate", "3"], "not both"),
        (["--attainment", "1.5"], "--attainment"),
        (["--phase", "prefill"], "--phase"),
    ])
    func badInputIsAUsageErrorNamingTheValue(extra: [String], words: String) {
        let result = cmbench(["plan", "traces/default.csv.zst", "--slo", "ttft=2s", "--no-progress"] + extra)
        #expect(result.status == .usage, "\(result.stderr)")
        #expect(result.stderr.contains(words), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func theSLOIsRequired() {
        let result = cmbench("plan", "traces/default.csv.zst")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("--slo is required"))
    }
}
