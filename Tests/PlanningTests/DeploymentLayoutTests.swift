import CMBenchTestSupport
import SystemDescription
import Testing

@testable import Planning

/// The layout rules derive what a candidate leaves out; on each shipped file's own settings
/// they must give back the file, or the planner's "shipped deployment" would not be the one
/// `replay` runs.
@Suite struct DeploymentLayoutTests {
    @Test(arguments: ["cloudmatrix-infer", "deepseek-h800", "sglang-h100", "cloudmatrix-qwen3", "cloudmatrix-kimi-k2", "sglang-kimi-k2-h200"])
    func theShippedSettingsGiveBackTheFilesLayout(name: String) throws {
        let system = try PlanningFixtures.system(name)
        let (configuration, settings) = try DeploymentLayout.configure(.shipped(by: system), on: system)
        let file = system.base.deployment
        let planned = configuration.deployment
        #expect(planned.decode.dies == file.decode.dies)
        #expect(planned.decode.expertsPerDie == file.decode.expertsPerDie)
        #expect(planned.decode.sharedExpertCopies == file.decode.sharedExpertCopies)
        #expect(planned.decode.redundantExperts == file.decode.redundantExperts)
        #expect(planned.decode.attentionDataParallelDies == file.decode.attentionDataParallelDies)
        #expect(planned.prefill.expertsPerDie == file.prefill.expertsPerDie)
        #expect(planned.prefill.attentionTensorParallelDies == file.prefill.attentionTensorParallelDies)
        #expect(planned.prefillInstances == file.prefillInstances)
        #expect(settings.decodeBatchPerDie == file.decode.batchPerDie)
        #expect(settings.mtp == file.decode.mtp)
        #expect(settings.microbatching == file.decode.microbatchPolicy)
    }

    /// Fewer decode dies than experts: several experts per die, the shared expert on every die,
    /// every routed expert placed, spare slots holding redundant copies.
    @Test func smallDecodeInstancesHoldSeveralExpertsPerDie() throws {
        let system = try PlanningFixtures.system()
        for (npus, configuration) in try layouts(system, decodeNPUs: [16, 24, 48, 80]) {
            let d = configuration.deployment.decode
            #expect(d.dies == npus * 2)
            #expect(d.sharedExpertOnEveryDie)
            #expect(d.routedExpertSlots == 256 + d.redundantExperts)
            #expect(d.redundantExperts >= 0 && d.redundantExperts < d.dies)
        }
    }

    /// A decode instance too small for the model's weights is refused with the loaders' reason.
    @Test func whatDoesNotFitInHBMIsInvalidWithTheReason() throws {
        let system = try PlanningFixtures.system()
        var candidate = CandidateDeployment.shipped(by: system)
        candidate.decodeNPUs = 8
        let problem = try #require(DeploymentLayout.problem(candidate, on: system))
        #expect(problem.contains("HBM holds"))
        #expect(problem.contains("expert weights"))
        candidate.decodeNPUs = 160
        #expect(DeploymentLayout.problem(candidate, on: system) == nil)
    }

    /// A model without a shared expert (Qwen3) gets no shared-expert copies at any size, and a
    /// model without an MTP module is searched with MTP off only (on is refused with the reason).
    @Test func modelsWithoutASharedExpertOrMTPAreLaidOutWithout() throws {
        let system = try PlanningFixtures.system("cloudmatrix-qwen3")
        for (_, configuration) in try layouts(system, decodeNPUs: [16, 48, 80, 128]) {
            let d = configuration.deployment.decode
            #expect(d.sharedExpertCopies == 0)
            #expect(d.routedExpertSlots == 128 + d.redundantExperts)
            #expect(configuration.deployment.prefill.expertsPerDie == 5)  // 4 routed + 1 redundant, no shared
        }
        #expect(SearchSpace.defaults(for: system).mtp == [false])
        var candidate = CandidateDeployment.shipped(by: system)
        candidate.mtp = true
        #expect(DeploymentLayout.problem(candidate, on: system)?.contains("no MTP module") == true)
    }

    /// The shipped candidate at each decode size (batch 8 per die), laid out.
    func layouts(_ system: PlanningSystem, decodeNPUs: [Int]) throws -> [(npus: Int, configuration: SystemConfiguration)] {
        var candidate = CandidateDeployment.shipped(by: system)
        candidate.decodeBatchPerDie = 8
        return try decodeNPUs.map { npus in
            candidate.decodeNPUs = npus
            return (npus, try DeploymentLayout.configure(candidate, on: system).0)
        }
    }
}
