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
        let base = directory.path("base.json")
        let current = directory.path("current.json")
        try #"{"metrics": {"ttft_ms.p99": 100}}"#.write(toFile: base, atomically: true, encoding: .utf8)
        try #"{"metrics": {"ttft_ms.p99": 110}}"#.write(toFile: current, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["gate", current, "--baseline", base])
        #expect(result.status == 2)
        #expect(result.stdout.contains("regression"))
    }
}
