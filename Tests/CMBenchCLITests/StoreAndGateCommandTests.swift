import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

@Suite struct StoreAndGateCommandTests {
    @Test func replayRunsAreStoredAndGatedByIdOrFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = directory.path("runs.sqlite")
        let baselineJSON = directory.path("baseline.json")
        let first = cmbench("replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "300", "--json", "--store", store)
        #expect(first.status == .ok)
        try first.stdout.write(toFile: baselineJSON, atomically: true, encoding: .utf8)
        #expect(cmbench("replay", "traces/default.csv.zst", "--max-requests", "300", "--store", store,
                        "--backend", "fixed", "--backend-option", "tpot=25ms").status == .ok)

        let list = cmbench("runs", "list", "--store", store, "--json")
        let runs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(runs.count == 2)

        // The stored first run and its JSON file carry the same metrics: nothing changed.
        let same = cmbench("gate", "1", "--baseline", baselineJSON, "--store", store)
        #expect(same.status == .ok)
        #expect(same.stdout.contains("passed"))

        // A slower TPOT is a regression (exit 2), reported with the metric's name.
        let slower = cmbench("gate", "2", "--baseline", "1", "--store", store)
        #expect(slower.status == .regression)
        #expect(slower.stdout.contains("tpot_ms.p50"))

        // The other way round it is an improvement, and passes.
        let faster = cmbench("gate", "1", "--baseline", "2", "--store", store)
        #expect(faster.status == .ok)
        #expect(faster.stdout.contains("improvement"))
    }

    @Test func githubBenchmarkFilesSplitByPolarity() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let current = directory.path("current.json")
        try #"{"metrics": {"ttft_ms.p99": 120.5, "output_tokens_per_s": 900}}"#.write(toFile: current, atomically: true, encoding: .utf8)
        let result = cmbench("gate", current, "--baseline", current, "--github-benchmark", directory.path("gh"))
        #expect(result.status == .ok)
        let smaller = try String(contentsOfFile: directory.path("gh/smaller-is-better.json"), encoding: .utf8)
        let bigger = try String(contentsOfFile: directory.path("gh/bigger-is-better.json"), encoding: .utf8)
        #expect(smaller.contains("ttft_ms.p99") && !smaller.contains("output_tokens_per_s"))
        #expect(bigger.contains("output_tokens_per_s"))
    }

    /// Values without a number are listed by name, and the stderr summary counts every kind of
    /// outcome, so a gate failing on missing or uncomparable metrics never says "0 regressions" alone.
    @Test func summaryCountsMissingAndUncomparableMetrics() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let current = try directory.write("cur.json", #"{"metrics": {"ttft_ms.p99": 100, "tpot_ms.p50": 5, "itl_ms.p50": null}}"#)
        let nan = try directory.write("nan.json", #"{"metrics": {"ttft_ms.p99": 100, "tpot_ms.p50": "NaN", "itl_ms.p50": null}}"#)
        let uncomparable = cmbench("gate", current, "--baseline", nan)
        #expect(uncomparable.status == .regression)
        #expect(uncomparable.stdout.contains("`tpot_ms.p50`") && uncomparable.stdout.contains("`itl_ms.p50`"))
        #expect(uncomparable.stderr.contains("0 regressions, 0 improvements, 1 unchanged, 2 uncomparable (1 with a number on one side only: fails the gate)."))

        let more = try directory.write("more.json", #"{"metrics": {"ttft_ms.p99": 100, "tpot_ms.p50": 5, "e2e_ms.p50": 9}}"#)
        let missing = cmbench("gate", current, "--baseline", more)
        #expect(missing.status == .regression)
        #expect(missing.stderr.contains("1 missing (fails the gate)"), "\(missing.stderr)")

        // replay writes NaN as "nan" and undefined metrics as null: both are read, not dropped.
        let replay = try directory.write("replay.json", #"{"ttft_ms": {"p99": "nan", "p50": 3}, "goodput_rps": null, "backend": {"name": "x"}}"#)
        let same = cmbench("gate", replay, "--baseline", replay)
        #expect(same.status == .ok)
        #expect(same.stderr.contains("1 unchanged, 2 uncomparable."), "\(same.stderr)")
    }

    @Test func jsonInputsAreBoundedBeforeBeingRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let huge = directory.path("huge.json")
        _ = FileManager.default.createFile(atPath: huge, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: huge))
        try handle.truncate(atOffset: UInt64(InputFile.limit) + 1)  // sparse: no 64 MiB written
        try handle.close()
        do {
            _ = try InputFile.read(huge, what: "result file")
            Issue.record("a file over the limit was read")
        } catch {
            #expect(error.status == .badData)
            #expect(error.message.contains("is \(InputFile.limit + 1) bytes, over cmbench's limit of 64 MiB"))
        }
        // A device has no size: it is read up to the limit, never to its end.
        #expect(throws: CLIError.self) { _ = try InputFile.read("/dev/zero", what: "result file", limit: 10) }
        #expect(try InputFile.read(huge, what: "result file", limit: InputFile.limit + 1).count == InputFile.limit + 1)
    }

    @Test func thresholdsNamingNoMetricAreWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let run = try directory.write("run.json", #"{"metrics": {"ttft_ms.p99": 100}}"#)
        let thresholds = try directory.write("t.json", #"{"metrics": {"ttft_ms.p9": {"relative_pct": 5}}}"#)
        let result = cmbench("gate", run, "--baseline", run, "--thresholds", thresholds)
        #expect(result.status == .ok)
        #expect(result.stderr.contains("warning: the thresholds name metrics in neither run"))
        #expect(result.stdout.contains("`ttft_ms.p9`"))
    }

    @Test func missingStoreAndBaselineAreClearErrors() {
        #expect(cmbench("runs", "list", "--store", "/nonexistent/runs.sqlite").status == .missingInput)
        #expect(cmbench("gate", "current.json").status == .usage)
        #expect(cmbench("gate", "/nonexistent.json", "--baseline", "/nonexistent2.json").status == .missingInput)
        #expect(cmbench("runs", "lst").stderr.contains("did you mean 'list'?"))
    }
}

@Suite(.enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct GateExitStatusTests {
    @Test func regressionExitsTwo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let base = try directory.write("base.json", #"{"metrics": {"ttft_ms.p99": 100}}"#)
        let current = try directory.write("current.json", #"{"metrics": {"ttft_ms.p99": 110}}"#)
        let result = try CommandRunner.run(["gate", current, "--baseline", base])
        #expect(result.status == 2)
        #expect(result.stdout.contains("regression"))
    }
}

extension TemporaryDirectory {
    /// Writes `text` to `name` in the folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }
}
