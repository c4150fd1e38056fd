import Foundation
import Testing

@testable import CMBenchCLI

/// `cmbench bench`'s planner lines: the table, the verdicts against the targets, and the skip.
@Suite struct BenchPlanTests {
    static func figures(seconds: Double, candidates: Int, minimum: Int?, target: Double) -> BenchPlan.Figures {
        BenchPlan.Figures(
            name: "azure-conversation", trace: "azure-llm-2023-conv.csv", command: "cmbench plan x", seconds: seconds, targetSeconds: target,
            candidates: candidates, minimumCandidates: minimum, evaluated: 245, pruned: 3915, invalid: 2752, peakResidentMB: 43.6,
            chosen: "3x16 + 1x16 (64 accelerators)", met: seconds < target && candidates >= (minimum ?? 0), configFiles: [])
    }

    @Test func linesShowTheCountsAndWhetherEachTargetIsMet() {
        let lines = BenchPlan.render(
            BenchPlan.Section(
                plans: [
                    Self.figures(seconds: 12.7, candidates: 6912, minimum: 300, target: 30),
                    Self.figures(seconds: 75.7, candidates: 6912, minimum: nil, target: 60),
                ], skipped: nil))
        #expect(lines[0].contains("candidates") && lines[0].contains("replayed") && lines[0].contains("pruned"))
        #expect(lines[1].contains("12.7") && lines[1].contains("6912 (≥300)") && lines[1].hasSuffix("met"))
        #expect(lines[2].contains("75.7") && lines[2].hasSuffix("NOT MET"))
        #expect(lines.contains { $0.contains("chosen: 3x16 + 1x16") })
    }

    @Test func skippedLinesSayWhy() {
        #expect(BenchPlan.render(BenchPlan.Section(plans: [], skipped: "--quick")) == ["plan        skipped: --quick"])
    }

    @Test func anUnknownPlanIsAUsageError() {
        let result = cmbench("bench", "--measure-plan", "nope")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("azure-conversation"))
    }
}
