import CMBenchTestSupport
import Foundation
import Serving
import Testing
@testable import DisaggregatedServing
import CostModel
import SystemDescription

/// The GPU deployments are served by the same backend: a trace replays through them, with no
/// EMS pool and nothing about one accepted.
@Suite struct GPUServingTests {
    func make(_ parameters: [String: String]) throws -> CloudMatrixBackend { try ServingHarness.fromRegistry(parameters) }

    @Test(arguments: ["deepseek-h800", "sglang-h100"])
    func gpuDeploymentsReplayWithoutAPool(deployment: String) throws {
        var backend = try make(["deployment": deployment])
        #expect(backend.resolved.serving.ems == nil)
        #expect(!backend.settings.emsEnabled)
        backend.checksInvariantsEveryStep = true
        let run = ServingHarness.replay(backend, ServingHarness.conversations(count: 300))
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
}
