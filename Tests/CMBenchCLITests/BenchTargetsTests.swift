import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// `cmbench bench`'s target lines: the Azure hour and the week, each with its verdict, and the
/// week's line present (as not measured) even when it is not run.
@Suite struct BenchTargetsTests {
    static func figures(seconds: Double, requests: Int, options: String, target: Double, met: Bool?) -> BenchTargets.Figures {
        BenchTargets.Figures(
            replay: BenchCommand.ReplayFigures(
                file: "/tmp/week-\(requests).csv.zst", backend: "aggregated", requests: requests, events: 10, seconds: seconds,
                requestsPerSecond: 1, eventsPerSecond: 1, peakResidentMB: 144.2, configFiles: []),
            options: options, targetSeconds: target, met: met)
    }

    @Test func linesGiveTheVerdictAndTheOptions() {
        let lines = BenchTargets.render(
            BenchTargets.Section(
                targets: [
                    Self.figures(seconds: 227.04, requests: 27_000_000, options: "deployment=aggregated-910c", target: 60, met: false),
                    Self.figures(seconds: 1.47, requests: 20_000, options: "deployment=aggregated-910c", target: 60, met: nil),
                ], skipped: ["the Azure conversation hour: not found"]))
        #expect(lines[0].contains("through aggregated (deployment=aggregated-910c): 227.04 s against < 60.0 s, NOT met (27000000 requests"))
        #expect(lines[1].contains("no verdict: not the whole week (20000 requests"))
        #expect(lines[2] == "target      skipped: the Azure conversation hour: not found")
    }

    @Test func weekRequestsWithoutWeekIsAUsageError() {
        let result = cmbench("bench", "--targets-only", "--week-requests", "100")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("--week-requests: only with --week"))
    }

    /// Runs the real binary: the bench measures each replay in a child process of itself.
    @Test(.enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
    func aShortenedWeekIsGeneratedReplayedOnAggregated910cAndGivenNoVerdict() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let run = try CommandRunner.run([
            "bench", "--targets-only", "--week", "--week-requests", "3000", "--repeat", "1", "--workdir", directory.path("bench"), "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONDecoder().decode(BenchCommand.TargetsReport.self, from: Data(run.stdout.utf8))
        let week = try #require(report.targets.targets.first { $0.options == "deployment=aggregated-910c" })
        #expect(week.replay.requests == 3000)
        #expect(week.replay.backend == "aggregated")
        #expect(week.met == nil)
        #expect(week.targetSeconds == 60)
        #expect(week.replay.configFiles.contains { $0.path.hasSuffix("deployments/aggregated-910c.json") })
        #expect(FileManager.default.fileExists(atPath: directory.path("bench/week-3000.csv.zst")))
        // The Azure hour's line is there when the shared traces are, or its skip says why.
        if SharedTraces.available {
            #expect(report.targets.targets.contains { $0.replay.requests == 19_366 && $0.targetSeconds == 0.3 && $0.met != nil })
        } else {
            #expect(report.targets.skipped.contains { $0.contains("not found") })
        }
        // Without --week, the week's line says it was not measured.
        let withoutWeek = try CommandRunner.run(["bench", "--targets-only", "--repeat", "1", "--workdir", directory.path("bench")])
        #expect(withoutWeek.status == 0, "\(withoutWeek.stderr)")
        #expect(withoutWeek.stdout.contains("target      skipped: the 27 M-request week through aggregated (deployment=aggregated-910c), target < 60 s: not measured (add --week"))
    }
}
