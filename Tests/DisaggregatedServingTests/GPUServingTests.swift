import Foundation
import ServingModel
import Testing
@testable import DisaggregatedServing

/// The GPU deployments are served by the same backend: a trace replays through them, with no
/// EMS pool and nothing about one accepted.
@Suite struct GPUServingTests {
    func make(_ parameters: [String: String]) throws -> CloudMatrixBackend { try Serving.fromRegistry(parameters) }

    @Test(arguments: ["deepseek-h800", "sglang-h100"])
    func gpuDeploymentsReplayWithoutAPool(deployment: String) throws {
        var backend = try make(["deployment": deployment])
        #expect(backend.resolved.serving.ems == nil)
        #expect(!backend.settings.emsEnabled)
        backend.checksInvariantsEveryStep = true
        let run = Serving.replay(backend, Serving.conversations(count: 300))
        #expect(run.completed.count == 300)
        // Shared prefixes in the workload, but no pool to serve them from.
        #expect(run.completed.allSatisfy { $0.cachedPrefixTokens == 0 })
        #expect(run.meanTPOT > 0 && run.meanTTFT > 0)
    }

    @Test(arguments: [["ems": "on"], ["ems_capacity_gb": "100"], ["ems_link": "vpc"], ["ems_block_tokens": "64"]])
    func poolOptionsAreRefusedWithoutAPool(option: [String: String]) throws {
        var parameters = option
        parameters["deployment"] = "deepseek-h800"
        do {
            _ = try make(parameters)
            Issue.record("expected an error")
        } catch let error as BackendConfigurationError {
            #expect(error.key == option.keys.first)
            #expect(error.message.contains("has no EMS pool"))
        }
    }

    @Test func referenceRowsThatNeedAPoolAreLeftOut() throws {
        let (system, serving) = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: "deepseek-h800")
        let values = try ServingReference.modelValues(system: system, serving: serving)
        #expect(values.isEmpty)
        let (cm, cmServing) = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer")
        let all = try ServingReference.modelValues(system: cm, serving: cmServing)
        #expect(all.keys.contains("R12b") && all.keys.contains("R16e"))
    }
}
