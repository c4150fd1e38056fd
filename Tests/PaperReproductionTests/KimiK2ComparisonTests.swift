import Foundation
import Testing
import CMBenchTestSupport
@testable import PaperReproduction
import CostModel
import SystemDescription

/// K1, K2: Kimi K2 on 128 H200 (SGLang PD), predicted from the deployment file alone.
@Suite struct KimiK2ComparisonTests {
    func reference() throws -> [ReferencePoint] {
        try ReferencePoint.load(path: SharedTraces.packageRoot.appendingPathComponent("results/reference/other-models-points.json").path)
    }

    @Test func rowsArePredictionsOfTheLayoutTheRuntimeStates() throws {
        let s = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: KimiK2Comparison.deployment)
        // 384 routed + 96 redundant over 96 GPUs, no MTP (K2 has none), 480 requests per GPU admitted.
        #expect(s.deployment.decode.routedExpertSlots == 480)
        #expect(s.deployment.decode.mtp.draftTokens == 0 && s.model.mtpModules == 0)
        #expect(s.deployment.decode.batchPerDie == 480)
        let rows = try KimiK2Comparison.compare(configsDirectory: Fixtures.configs, reference: reference())
        #expect(rows.map(\.id) == ["K1", "K2"])
        #expect(rows.allSatisfy { $0.role == .prediction && $0.model > 0 })
    }

    /// The rows run the code the SGLang-on-H100 rows run (B3's prefill, B2's plain decode step).
    @Test func rowsReuseTheBaselineEvaluation() throws {
        let s = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: KimiK2Comparison.deployment)
        let rows = KimiK2Comparison.compare(system: s, reference: try reference())
        let prefill = BaselineComparison.prefill(s, balance: .default, runsMTPModule: false)
        let decode = BaselineComparison.decode(s, batch: 480, kv: 2050)
        #expect(rows.first { $0.id == "K1" }?.model == prefill.tokensPerSecondPerNPU)
        #expect(rows.first { $0.id == "K2" }?.model == decode.tokensPerSecondPerDie)
    }

    @Test func otherIdsAreLeftToTheirOwnComparisons() throws {
        let s = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: KimiK2Comparison.deployment)
        let foreign = ReferencePoint(id: "T1", what: "another engine's row", value: 1, unit: "tokens/s/GPU", source: "test")
        #expect(KimiK2Comparison.compare(system: s, reference: [foreign]).isEmpty)
        #expect(try KimiK2Comparison.compare(configsDirectory: "/nonexistent", reference: [foreign]).isEmpty)
    }
}
