import Foundation
import Testing
import CMBenchTestSupport
@testable import SystemDescription

@Suite struct AggregatedDeploymentTests {
    static var h200Path: String { Fixtures.configs + "/deployments/trtllm-h200-dp8ep8.json" }

    @Test func shippedFilesLoadWithTheirSettings() throws {
        let ag1 = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: "trtllm-h200-dp8ep8")
        #expect(ag1.hardware.name == "h200")
        #expect(ag1.hardware.acceleratorKind == "GPU")
        #expect(ag1.model.precision.name == "fp8-w8a8")
        #expect(ag1.deployment.layout == ParallelLayout(tensorParallel: 1, attentionDataParallel: 8, expertParallel: 8, pipelineParallel: 1))
        #expect(ag1.deployment.layout.diesPerReplica == 8)
        #expect(ag1.deployment.limits.maxBatchPerRank == 128)
        #expect(ag1.deployment.limits.maxBatchedTokensPerRank == 1127)
        #expect(ag1.deployment.limits.chunkedPrefill == false)
        #expect(ag1.deployment.limits.policy == .decodeFirst)
        #expect(ag1.deployment.memory.usableFraction == 0.8)
        #expect(ag1.deployment.memory.workspaceBytesPerDie == 4e9)
        #expect(ag1.deployment.mtp == .off)

        let ascend = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: "aggregated-910c")
        #expect(ascend.deployment.replicas * ascend.deployment.layout.diesPerReplica / ascend.hardware.diesPerPackage == 256)
        #expect(ascend.deployment.limits.chunkedPrefill)
        #expect(ascend.hardware.acceleratorKind == "NPU")
        #expect(ascend.deployment.mtp.draftTokens == 1)
    }

    @Test func precisionOverrideReadsTheModelFilesEntry() throws {
        let bf16 = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: "aggregated-910c", precision: "bf16")
        #expect(bf16.model.precision.name == "bf16")
        #expect(bf16.deployment.precisionName == "bf16")
    }

    /// Loads the AG1 file with one edit and returns the error it produces.
    func error(_ edit: (inout [String: Any]) -> Void) throws -> ConfigError? {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Self.h200Path, in: dir, edit)
        do {
            _ = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: path)
            return nil
        } catch { return error }
    }

    @Test func badFieldsAreRefusedNamingThePath() throws {
        let unknownPolicy = try error { Fixtures.set(&$0, ["engine", "policy", "value"], "shortestFirst") }
        #expect(unknownPolicy?.code == .unknownName)
        #expect(unknownPolicy?.path == "$.engine.policy.value")
        #expect(unknownPolicy?.reason.contains("\"decodeFirst\", \"prefillFirst\"") == true)

        let zeroBudget = try error { Fixtures.set(&$0, ["engine", "maxBatchedTokensPerRank", "value"], 0) }
        #expect(zeroBudget?.path == "$.engine.maxBatchedTokensPerRank.value")

        let badFraction = try error { Fixtures.set(&$0, ["kvMemory", "usableFraction", "value"], 1.5) }
        #expect(badFraction?.path == "$.kvMemory.usableFraction.value")

        let router = try error { Fixtures.set(&$0, ["router", "value"], "random") }
        #expect(router?.code == .unknownName)
        #expect(router?.reason.contains("\"prefix-aware\"") == true)

        let unsourced = try error { Fixtures.set(&$0, ["engine", "kvBlockTokens"], 32) }
        #expect(unsourced?.code == .wrongType)

        let missing = try error { $0["layout"] = nil }
        #expect(missing?.code == .missingField)
        #expect(missing?.path == "$.layout")

        let exchange = try error { $0["moeCommunication"] = ["value": "broadcast", "source": "test"] }
        #expect(exchange?.code == .unknownName)
        #expect(exchange?.path == "$.moeCommunication.value")
        #expect(exchange?.reason.contains("\"all-gather-reduce-scatter\"") == true)

        // A draft model needs drafts to propose, and says which checkpoint.
        let idleDraft = try error { $0["draftModel"] = ["model": "qwen3-235b-a22b-eagle3", "precision": "bf16", "source": "test"] }
        #expect(idleDraft?.path == "$.draftModel")
    }

    @Test func layoutsTheEnginesCannotRunAreRefused() throws {
        let ep = try error { Fixtures.set(&$0, ["layout", "expertParallel", "value"], 4) }
        #expect(ep?.path == "$.layout.expertParallel.value")
        #expect(ep?.reason.contains("spans the 8 dies") == true)
        // EP 1 (experts sharded by TP on every die) is a layout the engines run.
        #expect(try error { Fixtures.set(&$0, ["layout", "expertParallel", "value"], 1) } == nil)
    }

    @Test func aFileOfTheOtherKindIsRefusedWithTheBackendToUse() throws {
        do {
            _ = try AggregatedSystem.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer")
            Issue.record("a disaggregated file loaded as aggregated")
        } catch {
            #expect(error.path == "$.serving")
            #expect(error.reason.contains("--backend cloudmatrix"))
        }
        do {
            _ = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: "trtllm-h200-dp8ep8")
            Issue.record("an aggregated file loaded as disaggregated")
        } catch {
            #expect(error.path == "$.serving")
            #expect(error.reason.contains("--backend aggregated"))
        }
        let unknown = try error { $0["serving"] = "hybrid" }
        #expect(unknown?.code == .unknownName)
    }
}
