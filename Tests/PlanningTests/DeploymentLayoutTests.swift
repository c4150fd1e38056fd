import CMBenchTestSupport
import SystemDescription
import Testing

@testable import Planning

/// The layout rules derive what a candidate leaves out; on each shipped file's own settings
/// they must give back the file, or the planner's "shipped deployment" would not be the one
/// `replay` runs.
@Suite struct DeploymentLayoutTests {
    @Test(arguments: ["cloudmatrix-infer", "deepseek-h800", "sglang-h100"])
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
        var candidate = CandidateDeployment.shipped(by: system)
        for npus in [16, 24, 48, 80] {
            candidate.decodeNPUs = npus
            candidate.decodeBatchPerDie = 8
            let (configuration, _) = try DeploymentLayout.configure(candidate, on: system)
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
}
