import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `plan --csv` and `plan --plot`: the files agree with the `--json` of the same run.
@Suite struct PlanFilesTests {
    /// A small plan of the shipped trace: a few dozen candidates, a few seconds.
    static func planArguments(trace: String = "traces/default.csv.zst") -> [String] {
        [
            "plan", trace, "--slo", "ttft=2s,tpot=50ms", "--max-requests", "800", "--speed", "4", "--search", "decode_npus=16,32",
            "--search", "prefill_instances=1..3", "--search", "decode_batch_per_die=16,48", "--search", "mtp=on", "--no-capacity",
            "--no-progress",
        ]
    }

    /// A candidate's identity from the JSON: system and every knob (microbatching as the CSV writes it).
    static func key(system: String, _ c: [String: Any]) -> String {
        let microbatching = c["microbatching"] as! String
        return [
            system, "\(c["prefillInstances"]!)", "\(c["prefillNPUs"]!)", "\(c["decodeInstances"]!)", "\(c["decodeNPUs"]!)",
            "\(c["decodeBatchPerDie"]!)", microbatching == "whenFaster" ? "auto" : microbatching, (c["mtp"] as! Bool) ? "on" : "off",
            c["precision"] as! String,
        ].joined(separator: "|")
    }

    @Test func csvAndPlotsHoldEveryCandidateOfTheJSON() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let csvPath = directory.path("plan.csv"), plotDirectory = directory.path("plots/new")
        let result = cmbench(Self.planArguments() + ["--json", "--csv", csvPath, "--plot", plotDirectory])
        #expect(result.status == .ok, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let plan = json["plan"] as! [String: Any]
        let explored = plan["explored"] as! [[String: Any]]
        #expect(explored.count > 4)
        func keys(_ name: String) -> Set<String> {
            Set((plan[name] as! [[String: Any]]).map { Self.key(system: $0["system"] as! String, $0["candidate"] as! [String: Any]) })
        }

        // CSV: one row per candidate replayed, the frontier flags as in the JSON's frontiers.
        let lines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(header.first == "system" && header.contains("cost_accelerators") && header.contains("tokens_per_s_per_user"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == explored.count)
        #expect(rows.allSatisfy { $0.count == header.count })
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        func key(_ row: [String]) -> String {
            [
                "system", "prefill_instances", "prefill_npus", "decode_instances", "decode_npus", "decode_batch_per_die", "microbatching",
                "mtp", "precision",
            ].map { row[column($0)] }.joined(separator: "|")
        }
        #expect(Set(rows.map(key)).count == rows.count, "each row is one candidate")
        #expect(rows.map(key) == explored.map { Self.key(system: $0["system"] as! String, $0["candidate"] as! [String: Any]) })
        #expect(Set(rows.filter { $0[column("on_throughput_frontier")] == "yes" }.map(key)) == keys("throughputFrontier"))
        #expect(Set(rows.filter { $0[column("on_cost_frontier")] == "yes" }.map(key)) == keys("costFrontier"))
        #expect(rows.filter { $0[column("on_throughput_frontier")] == "yes" }.count == (plan["throughputFrontier"] as! [Any]).count)
        #expect(
            rows.map { $0[column("meets_target")] == "yes" } == explored.map { $0["meetsTarget"] as! Bool })

        // Provenance beside the CSV, with the trace's SHA-256.
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: csvPath + ".meta.json"))) as! [String: Any]
        let sha = try #require(json["traceSHA256"] as? String)
        #expect(sha.count == 64)
        #expect(meta["trace_sha256"] as? String == sha)
        #expect(meta["command"] as? String == "plan")

        // Plots: well-formed SVG (the folder created), one marker per candidate replayed, the
        // chosen deployment called out on the cost plot.
        for name in ["plan-throughput-frontier.svg", "plan-cost-frontier.svg"] {
            let path = plotDirectory + "/" + name
            #expect(result.stderr.contains("wrote \(path)"))
            let document = try XMLDocument(contentsOf: URL(fileURLWithPath: path))
            #expect(document.rootElement()?.name == "svg")
            let markers = try document.nodes(forXPath: "//*[@class='series-markers']/*")
            #expect(markers.count == explored.count, "\(name)")
            #expect(try document.nodes(forXPath: "//*[@class='series-line']").count >= 1, "\(name): the frontier line")
            if (plan["systems"] as! [[String: Any]]).first?["chosen"] != nil {
                let callouts = try document.nodes(forXPath: "//*[@class='callouts']/*[local-name()='text']")
                #expect(callouts.compactMap(\.stringValue).contains { $0.hasPrefix("chosen: ") }, "\(name)")
            }
        }
    }

    /// An output onto the trace is refused, as a usage error, and the trace is left as it was.
    @Test func anOutputOntoTheTraceIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // A copy, so that a failure of the protection cannot damage the shipped trace.
        let trace = directory.path("trace.csv.zst")
        try FileManager.default.copyItem(atPath: "traces/default.csv.zst", toPath: trace)
        let before = try Data(contentsOf: URL(fileURLWithPath: trace))
        let arguments = Self.planArguments(trace: trace).map { $0 == "decode_npus=16,32" ? "decode_npus=16" : $0 }
        let result = cmbench(arguments + ["--csv", trace])
        #expect(result.status == .usage, "\(result.stderr)")
        #expect(result.stderr.contains("same file as the input"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: trace)) == before)
        #expect(!FileManager.default.fileExists(atPath: trace + ".meta.json"))
    }
}
