import CMBenchTestSupport
import CostModel
import Foundation
import PaperReproduction
import SystemDescription
import Testing

@testable import CMBenchCLI

/// TensorRT-LLM's perf-overview rows of Qwen3-235B-A22B and Llama-3.3-70B (QT1–QT5, LT1–LT5):
/// the reference file's rows, their deployments, and the engine limits trtllm-bench's sizing gives.
@Suite struct OtherModelsReproductionTests {
    /// SGLang's Ascend rows (Q5–Q7): closed loops over the logged concurrency and prompt counts,
    /// each deployment with its EAGLE-3 draft model and the logged accept length as its input.
    @Test(arguments: [("Q5", 272, 1088, 2.83), ("Q6", 480, 480, 2.95), ("Q7", 576, 576, 2.94)])
    func ascendRowsRunAsBenchServingWithTheirDraftModel(id: String, concurrency: Int, requests: Int, acceptLength: Double) throws {
        let (setup, system) = try Self.system(id)
        #expect(setup.timing == .closedLoop(concurrency: concurrency))
        #expect(setup.requests == requests)
        #expect(system.draftModel?.name == "qwen3-235b-a22b-eagle3")
        #expect(system.deployment.mtp.draftTokens == 3)
        #expect(abs(system.deployment.mtp.tokensPerStep - acceptLength) < 0.001)
        #expect(system.deployment.layout.attentionDataParallel == 16 && system.deployment.layout.expertParallel == 16)
        #expect(system.deployment.limits.policy == .prefillFirst)
    }

    static let ids = ["QT1", "QT2", "QT3", "QT4", "QT5", "LT1", "LT2", "LT3", "LT4", "LT5"]
    static var referencePath: String {
        SharedTraces.packageRoot.appendingPathComponent("results/reference/other-models-points.json").path
    }

    static func system(_ id: String) throws -> (AggregatedReproduction.Setup, AggregatedSystem) {
        let setup = try #require(AggregatedReproduction.setups[id])
        return (setup, try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: setup.deployment))
    }

    /// Every TensorRT-LLM row is in the reference file, sourced, and has an offline setup sized by
    /// the heuristic; the file's other rows (K1–K2, Q5–Q7) are the other harnesses'.
    @Test func everyRowHasAReferencePointAndAnOfflineSizedSetup() throws {
        let all = try ReferencePoint.load(path: Self.referencePath)
        #expect(all.map(\.id) == ["K1", "K2"] + Self.ids + ["Q5", "Q6", "Q7"])
        let points = all.filter { Self.ids.contains($0.id) }
        #expect(points.count == Self.ids.count)
        for point in points {
            #expect(point.source.contains("perf-overview.md @ 03e27c7d"), "\(point.id) source")
            let setup = try #require(AggregatedReproduction.setups[point.id], "\(point.id) has no setup")
            #expect(setup.timing == .offline)
            guard case .trtllmBench = setup.limits else {
                Issue.record("\(point.id) does not take its limits from trtllm-bench's sizing")
                continue
            }
        }
    }

    /// Each row's deployment loads with the model file's fp8 precision, no chunked prefill,
    /// guaranteed no-evict, no block reuse and blocks of 32, and its sizing succeeds.
    @Test(arguments: ids) func deploymentLoadsAndIsSized(id: String) throws {
        let (setup, system) = try Self.system(id)
        #expect(system.deployment.precisionName == "fp8")
        #expect(system.model.precision.kvCacheBytes == 1)  // the model files' [assumption] FP8 KV
        #expect(!system.deployment.limits.chunkedPrefill)
        #expect(system.deployment.limits.preemption == .guaranteedNoEvict)
        #expect(!system.deployment.limits.prefixCaching)
        #expect(system.deployment.limits.kvBlockTokens == 32)
        #expect(system.deployment.memory.usableFraction == 0.95)
        // Qwen3's MoE under CUTLASS on Hopper: the file says all-gather / reduce-scatter, and the
        // cost model built from it (as replay and explain build it) uses that form.
        let qwen = id.hasPrefix("QT")
        #expect(system.deployment.expertExchange == (qwen ? .allGatherReduceScatter : nil))
        let cost = IterationCostModel(hardware: system.hardware, model: system.model, deployment: system.deployment)
        if qwen { #expect(cost.moeCommunication == .allReduce) }
        let limits = try AggregatedReproduction.limits(setup, system: system)
        #expect(limits.sizing != nil)
        #expect(limits.maxBatchedTokensPerRank >= setup.prompt + limits.maxBatchPerRank)
    }

    /// Worked by hand from tuning.py (runs-notes.md §0.2). QT3, Qwen3 on 4 × H200 at 8192/1024:
    /// --tp 4, so max(4, 4 KV heads) × 128 × 2 × 94 layers × 1 B = 96,256 B a token; 4 × 140.40
    /// GiB less 235.09e9 B of FP8 weights (218.95 GiB) is 342.65 GiB, × 0.95 = 325.52 GiB, over
    /// 9,216 tokens of 96,256 B: 394.0 requests; the batch rounds up to 128s (512); the tokens,
    /// 394.0 × (1 + 8192/1024) = 3,546, up to 256s (3,584); without chunking 8,192 + 512 = 8,704.
    /// LT5, Llama on 2 × H100 at 8192/1024: max(2, 8) × 128 × 2 × 80 = 163,840 B a token,
    /// 2 × 79.65 − 65.71 GiB = 93.59 GiB × 0.95 over 9,216 tokens: 63.2 requests → batch 64, tokens
    /// 2,048, raised to 8,192 + 64 = 8,256.
    @Test func sizingMatchesTheHandWorkedRows() throws {
        let (qt3, qwen) = try Self.system("QT3")
        #expect(qwen.model.totalParams == 235_092_836_352)
        let q = try AggregatedReproduction.limits(qt3, system: qwen)
        #expect(abs(try #require(q.sizing).kvCacheMaxRequests - 394.0) < 0.05)
        #expect(q.maxBatchPerRank == 512)
        #expect(try #require(q.sizing).maxNumTokens == 3_584)
        #expect(q.maxBatchedTokensPerRank == 8_704)
        let (lt5, llama) = try Self.system("LT5")
        #expect(llama.model.totalParams == 70_552_387_584)
        let l = try AggregatedReproduction.limits(lt5, system: llama)
        #expect(abs(try #require(l.sizing).kvCacheMaxRequests - 63.2) < 0.05)
        #expect(l.maxBatchPerRank == 64)
        #expect(l.maxBatchedTokensPerRank == 8_256)
    }

    /// The sizing reaches the backend: QT3's 8,192-token prompts need its 8,704-token budget (the
    /// file's 1024/1024 limits, 3,584 tokens, would reject every one), and the backend runs with
    /// 512 requests per rank, not the file's 1,792.
    @Test func theBackendRunsWithTheSizedLimits() throws {
        var setup = try #require(AggregatedReproduction.setups["QT3"])
        setup.requests = 4
        let outcome = try AggregatedReproduction.run(setup, configsDirectory: Fixtures.configs, files: ConfigFiles())
        #expect(outcome.limitsApplied.maxBatchPerRank == 512)
        #expect(outcome.limitsApplied.maxBatchedTokensPerRank == 8_704)
        #expect(outcome.completed == 4)
        let (_, system) = try Self.system("QT3")
        #expect(system.deployment.limits.maxBatchedTokensPerRank < setup.prompt)  // so the test bites
    }
}
