import CMBenchTestSupport
import Foundation
import Testing
import ZstdStream

// Swift Testing has an ExitStatus of its own.
typealias ExitStatus = CMBenchCLI.ExitStatus

@testable import CMBenchCLI

/// Runs cmbench in-process with a capturing console.
func cmbench(_ arguments: String...) -> (status: CMBenchCLI.ExitStatus, stdout: String, stderr: String) {
    cmbench(arguments)
}

@Suite struct HelpAndUsageTests {
    @Test(arguments: CommandLineTool.commands.map { $0.spec.name })
    func everyCommandHasHelp(command: String) {
        let result = cmbench(command, "--help")
        #expect(result.status == .ok)
        #expect(result.stdout.contains("USAGE"))
        #expect(result.stdout.contains("cmbench \(command)"))
        #expect(result.stderr.isEmpty)
    }

    @Test func overviewListsCommandsAndExitStatuses() {
        let result = cmbench("--help")
        #expect(result.status == .ok)
        for command in CommandLineTool.commands { #expect(result.stdout.contains(command.spec.name)) }
        #expect(result.stdout.contains("65"))
    }

    @Test func noArgumentsIsAUsageErrorWithHelpOnStderr() {
        let result = cmbench()
        #expect(result.status == .usage)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("COMMANDS"))
    }

    @Test func unknownCommandSuggestsTheClosest() {
        let result = cmbench("replya", "x")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("did you mean 'replay'?"))
    }

    @Test func unknownFlagIsAUsageError() {
        let result = cmbench("inspect", "t.csv", "--jsn")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("unknown option '--jsn'"))
        #expect(result.stderr.contains("did you mean '--json'?"))
    }

    @Test func conflictingReplayModesAreRefused() {
        let result = cmbench("replay", "traces/default.csv.zst", "--rate", "2", "--concurrency", "4")
        #expect(result.status == .usage)
    }

    @Test func malformedSLOIsAUsageError() {
        let result = cmbench("replay", "traces/default.csv.zst", "--slo", "ttft=fast")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("--slo"))
    }
}

@Suite struct InspectCommandTests {
    @Test(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)))
    func azureConversationSummary() throws {
        let result = cmbench("inspect", SharedTraces.azureConversation, "--json")
        #expect(result.status == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["requests"] as? Int == 19_366)
        #expect(json["prefix_reuse_ratio"] is NSNull)
        let input = json["input_tokens"] as! [String: Any]
        #expect(input["max"] as? Int == 14_050)
        #expect(json["span_s"] is Double)
    }

    @Test(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)))
    func mooncakeReuseRatio() throws {
        let result = cmbench("inspect", SharedTraces.mooncakeConversation, "--json")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["requests"] as? Int == 12_031)
        let reuse = try #require(json["prefix_reuse_ratio"] as? Double)
        #expect(abs(reuse - 0.366) < 0.0005)
    }

    @Test func missingFileExits66() {
        let result = cmbench("inspect", "/nonexistent/trace.csv")
        #expect(result.status == .missingInput)
        #expect(result.stderr.contains("/nonexistent/trace.csv"))
    }

    @Test func badRowStopsWithFileAndLineUnlessSkipped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("bad.csv")
        try "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.0,x,1\n2023-11-16 18:15:48.0,10,2\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let strict = cmbench("inspect", path)
        #expect(strict.status == .badData)
        #expect(strict.stderr.contains("\(path):3:"))
        let lenient = cmbench("inspect", path, "--skip-bad-rows", "--json")
        #expect(lenient.status == .ok)
        #expect(lenient.stdout.contains("\"requests\" : 2"))
        #expect(lenient.stderr.contains("skipped 1 of 3 rows"))
    }

    @Test func corruptAndTruncatedZstdAreBadData() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        for i in 0..<20_000 { text += "\(i * 1000),\(100 + i % 37),\(10 + i % 11),,,\n" }
        let compressed = try ZstdCompressor.compress(Array(text.utf8), level: 3)
        let truncated = directory.path("truncated.csv.zst")
        try Data(compressed.prefix(compressed.count / 2)).write(to: URL(fileURLWithPath: truncated))
        let truncatedResult = cmbench("inspect", truncated)
        #expect(truncatedResult.status == .badData)
        #expect(truncatedResult.stderr.contains("truncated"))

        var corruptBytes = compressed
        for i in (compressed.count / 2)..<(compressed.count / 2 + 16) { corruptBytes[i] ^= 0xFF }
        let corrupt = directory.path("corrupt.csv.zst")
        try Data(corruptBytes).write(to: URL(fileURLWithPath: corrupt))
        let corruptResult = cmbench("inspect", corrupt)
        #expect(corruptResult.status == .badData)
        #expect(corruptResult.stderr.contains("offset") || corruptResult.stderr.contains("byte"))
    }
}

@Suite struct ConvertAndSynthTests {
    @Test(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)))
    func convertedTraceHasTheSameContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let converted = directory.path("mooncake.csv.zst")
        #expect(cmbench("convert", SharedTraces.mooncakeConversation, converted, "--level", "3").status == .ok)
        let original = cmbench("inspect", SharedTraces.mooncakeConversation, "--json").stdout
        let roundTrip = cmbench("inspect", converted, "--json").stdout
        #expect(!original.isEmpty)
        #expect(original == roundTrip)
    }

    @Test func synthIsDeterministicForASeed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let arguments = ["--requests", "500", "--rate", "5", "--shared-prefix", "groups=4,blocks=2"]
        for (name, seed) in [("a", "3"), ("b", "3"), ("c", "4")] {
            let status = CommandLineTool.run(
                arguments: ["synth", directory.path("\(name).csv")] + arguments + ["--seed", seed],
                console: Console.capturing().console)
            #expect(status == .ok)
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: directory.path("a.csv")))
        let b = try Data(contentsOf: URL(fileURLWithPath: directory.path("b.csv")))
        let c = try Data(contentsOf: URL(fileURLWithPath: directory.path("c.csv")))
        #expect(a == b)
        #expect(a != c)
    }

    @Test func badDistributionSpecIsAUsageError() {
        let result = cmbench("synth", "-", "--input", "normal:5")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("--input"))
    }
}

@Suite struct ReplayCommandTests {
    @Test func sameInputsAndSeedGiveByteIdenticalOutput() {
        let arguments = ["replay", "traces/default.csv.zst", "--rate", "30", "--arrival", "gamma", "--cv", "3",
                         "--backend", "fixed", "--backend-option", "max_concurrency=64", "--json", "--slo", "ttft=2s,tpot=50ms", "--seed", "11"]
        let (console1, output1) = Console.capturing()
        let (console2, output2) = Console.capturing()
        #expect(CommandLineTool.run(arguments: arguments, console: console1) == .ok)
        #expect(CommandLineTool.run(arguments: arguments, console: console2) == .ok)
        #expect(output1.stdout == output2.stdout)
        #expect(output1.stdout.contains("\"goodput_rps\""))
        let otherSeed = cmbench("replay", "traces/default.csv.zst", "--rate", "30", "--arrival", "gamma", "--cv", "3",
                                "--backend", "fixed", "--backend-option", "max_concurrency=64", "--json", "--slo", "ttft=2s,tpot=50ms", "--seed", "12")
        #expect(otherSeed.stdout != output1.stdout)
    }

    @Test func jsonCarriesTheDocumentedKeysAndProvenance() throws {
        let result = cmbench("replay", "traces/default.csv.zst", "--max-requests", "200", "--json", "--slo", "ttft=150ms")
        #expect(result.status == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        for key in ["completed_requests", "ttft_ms", "tpot_ms", "e2e_ms", "output_tokens_per_s", "goodput_rps",
                    "rejected_requests", "prefix_cache_hit_rate", "provenance"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
        #expect(json["completed_requests"] as? Int == 200)
        let ttft = json["ttft_ms"] as! [String: Any]
        for key in ["p50", "p90", "p99"] { #expect(ttft[key] != nil) }
        let provenance = json["provenance"] as! [String: Any]
        #expect((provenance["trace_sha256"] as? String)?.count == 64)
        #expect(provenance["seed"] as? Int == 1)
        #expect(provenance["cmbench_version"] as? String == CMBenchVersion.string)
    }

    /// The aggregated backend's own counts reach the report, in the JSON and the text; a backend
    /// that keeps none (cloudmatrix) prints no such key.
    @Test func theAggregatedBackendsCountsAreReported() throws {
        let arguments = ["replay", "traces/default.csv.zst", "--max-requests", "300", "--backend", "aggregated"]
        let json = cmbench(arguments + ["--json"])
        #expect(json.status == .ok)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let counters = try #require(document["backend_counters"] as? [String: Any])
        for key in ["iterations", "mean_batch_per_rank", "preemptions", "prefill_tokens_computed", "peak_kv_blocks_per_rank"] {
            #expect(counters[key] != nil, "missing counter \(key)")
        }
        #expect((counters["iterations"] as? Int ?? 0) > 0)
        let text = cmbench(arguments)
        #expect(text.stdout.contains("backend counts  iterations="))
        let plain = cmbench("replay", "traces/default.csv.zst", "--max-requests", "50", "--json")
        let other = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any]
        #expect(other["backend_counters"] == nil)
    }

    /// A GPU deployment through the cloudmatrix backend is counted in GPUs, as its hardware file
    /// names them; the Ascend one in NPUs.
    @Test(arguments: [("deepseek-h800", "GPU"), ("cloudmatrix-infer", "NPU")])
    func theAcceleratorKindIsTheHardwareFiles(deployment: String, kind: String) throws {
        let result = cmbench("replay", "traces/default.csv.zst", "--max-requests", "50", "--backend-option", "deployment=" + deployment, "--json")
        #expect(result.status == .ok)
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let backend = try #require(document["backend"] as? [String: Any])
        #expect(backend["acceleratorKind"] as? String == kind)
        let text = cmbench("replay", "traces/default.csv.zst", "--max-requests", "50", "--backend-option", "deployment=" + deployment)
        #expect(text.stdout.contains("per \(kind) "))
    }

    @Test func closedLoopThroughputFollowsFromTheBackendLatencies() throws {
        // Fixed backend: each request takes ttft + (k - 1) * tpot. With every request of k = 11
        // output tokens and concurrency N, throughput is N / (ttft + 10 * tpot).
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = directory.path("fixed.csv")
        _ = cmbench("synth", trace, "--requests", "400", "--input", "fixed:100", "--output", "fixed:11")
        let result = cmbench("replay", trace, "--concurrency", "8", "--json",
                             "--backend", "fixed", "--backend-option", "ttft=100ms", "--backend-option", "tpot=10ms")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let throughput = try #require(json["request_throughput_rps"] as? Double)
        #expect(abs(throughput - 8 / 0.2) < 1e-6)
    }

    @Test func requestsCSVHasAHeaderAndOneRowPerRequest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let csv = directory.path("requests.csv")
        let result = cmbench("replay", "traces/default.csv.zst", "--max-requests", "50", "--requests-csv", csv)
        #expect(result.status == .ok)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 51)
        #expect(lines[0].contains("ttft_ms"))
    }

    /// The per-run summary as CSV: one header row of the metric names `--json` and the gate use,
    /// one row of values that agree with the JSON report, and the provenance beside it.
    @Test func summaryCSVIsOneRowMatchingTheJSONReport() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let csv = directory.path("summary.csv")
        let result = cmbench("replay", "traces/default.csv.zst", "--max-requests", "50", "--summary-csv", csv, "--json")
        #expect(result.status == .ok)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let header = lines[0].split(separator: ",").map(String.init)
        // A metric without a value (null in the JSON, e.g. goodput without --slo) is an empty cell.
        let values = lines[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.isEmpty ? .nan : Double($0)! }
        #expect(header.count == values.count)
        #expect(values[try #require(header.firstIndex(of: "goodput_rps"))].isNaN)
        let column = try #require(header.firstIndex(of: "ttft_ms.p99"))
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let p99 = try #require((json["ttft_ms"] as? [String: Any])?["p99"] as? Double)
        #expect(abs(values[column] - p99) <= 1e-9 * max(1, abs(p99)))
        let meta = try String(contentsOfFile: csv + ".meta.json", encoding: .utf8)
        #expect(meta.contains("trace_sha256") && meta.contains("\"seed\""))
    }

    /// An unwritable summary path is refused before the replay runs: the per-request CSV, which
    /// a replay commits as soon as it ends, is never written, and no run is stored.
    @Test func unwritableSummaryCSVFailsBeforeTheReplay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = directory.path("runs.sqlite"), requests = directory.path("requests.csv")
        let result = cmbench(
            "replay", "traces/default.csv.zst", "--max-requests", "50", "--requests-csv", requests,
            "--summary-csv", directory.path("no-such-dir/s.csv"), "--store", store)
        #expect(result.status == .ioError)
        #expect(result.stderr.contains("no-such-dir"))
        #expect(!FileManager.default.fileExists(atPath: requests))
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func unknownBackendSuggests() {
        let result = cmbench("replay", "traces/default.csv.zst", "--backend", "fixd")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("did you mean 'fixed'?"))
    }
}

@Suite(.enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct BinaryTests {
    @Test func exitCodesAndStreams() throws {
        let ok = try CommandRunner.run(["inspect", "traces/default.csv.zst", "--json"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("\"requests\" : 10000"))
        let missing = try CommandRunner.run(["inspect", "no-such-file.csv"])
        #expect(missing.status == 66)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.hasPrefix("cmbench: error:"))
        let usage = try CommandRunner.run(["replay"])
        #expect(usage.status == 64)
    }

    @Test func readsCompressedTraceFromStandardInput() throws {
        let bytes = try Data(contentsOf: SharedTraces.packageRoot.appendingPathComponent("traces/default.csv.zst"))
        let result = try CommandRunner.run(["inspect", "-", "--json"], stdin: bytes)
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"requests\" : 10000"))
    }
}
