import CMBenchTestSupport
import Testing
@testable import PaperReproduction
import CostModel
import DisaggregatedServing
import SystemDescription

/// R12 and R16 through the serving layer: behaviour only. The paper's values are read solely to
/// check that every R12/R16 point gets a model value; none is an expected value here.
@Suite struct ServingReferenceTests {
    let files: (system: SystemConfiguration, serving: ServingSystemParameters)
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws { files = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer") }

    @Test func contextCachingSweepBehaves() throws {
        let sweep = try ServingReference.evaluateContextCaching(system: files.system, serving: files.serving)
        #expect(sweep.noCache.achievedReuse == 0)
        #expect(sweep.ub.map(\.achievedReuse) == sweep.vpc.map(\.achievedReuse))
        #expect(abs(sweep.ub[0].achievedReuse - 0.125) < 1e-9 && abs(sweep.ub[1].achievedReuse - 0.5) < 1e-9)
        #expect(abs(sweep.ub[2].achievedReuse - 0.9) < 0.01)
        // More reuse, more throughput and less TTFT; UB at least as fast as VPC everywhere.
        let ub = sweep.ub.map(\.prefillTokensPerSecondPerNPU)
        #expect(ub == ub.sorted() && sweep.noCache.prefillTokensPerSecondPerNPU < ub[0])
        for (u, v) in zip(sweep.ub, sweep.vpc) { #expect(u.ttftSeconds < v.ttftSeconds) }
        #expect(sweep.throughputGain50Over12 > 1 && sweep.throughputGain90OverNone > 1 && sweep.maxUBOverVPC > 1)
        #expect(sweep.ttftChangePercent(reuse: 0.9) < sweep.ttftChangePercent(reuse: 0.5))
        // The no-cache batch is the cost model's batch at the deployment's tokens per NPU.
        let model = PrefillCostModel(system: files.system)
        let direct = model.batchTime(tokensPerNPU: files.system.deployment.prefill.tokensPerNPU, promptLength: 4096, options: PrefillOptions(deployment: files.system.deployment))
        #expect(abs(sweep.noCache.ttftSeconds / (direct.batchMicroseconds * 1e-6) - 1) < 1e-6)
    }

    @Test func modelLoadingFollowsBandwidthsAndHitRates() throws {
        let p = try #require(ModelLoadingModel.predict(system: files.system, serving: files.serving))
        let mc = try #require(files.serving.modelCaching)
        #expect(p.modelBytes > 6e11 && p.modelBytes < 7e11)  // a 671B model in 8-bit weights
        let single = p.modelBytes / mc.obsBucketBytesPerSecond
        #expect(abs(p.noCache.coldStartSeconds - Double(mc.modelInstances) * single) < 1e-6)
        #expect(abs(p.ems.coldStartSeconds - single) < 1e-6)
        #expect(p.ems.warmStartSeconds! <= p.localDRAM.warmStartSeconds!)
        #expect(p.noCache.switchHitRate == 0 && p.localDRAM.switchHitRate == 1.0 / Double(mc.distinctModels))
        #expect(p.ems.switchHitRate == 1)
        #expect(p.ems.switchLatencySeconds < p.localDRAM.switchLatencySeconds && p.localDRAM.switchLatencySeconds < p.noCache.switchLatencySeconds)
        let small = try #require(ModelLoadingModel.predict(system: files.system, serving: files.serving, emsCapacityBytes: 2 * p.modelBytes))
        #expect(small.ems.switchHitRate == 2.0 / Double(mc.distinctModels))
    }

    @Test func everyR12AndR16ReferencePointGetsAPrediction() throws {
        let reference = try ReferencePoint.load(path: Fixtures.referencePath)
        let ids = reference.map(\.id).filter { $0.hasPrefix("R12") || $0.hasPrefix("R16") }
        #expect(ids.count >= 10)
        let rows = try ServingReference.compare(system: files.system, serving: files.serving, reference: reference)
        #expect(rows.map(\.id) == ids)
        #expect(rows.allSatisfy { $0.role == .prediction && $0.model.isFinite })
    }

    /// GPU deployments have neither an EMS pool nor model caching: their R12/R16 rows are left out.
    @Test func referenceRowsThatNeedAPoolAreLeftOut() throws {
        let (system, serving) = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: "deepseek-h800")
        let values = try ServingReference.modelValues(system: system, serving: serving)
        #expect(values.isEmpty)
        let (cm, cmServing) = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer")
        let all = try ServingReference.modelValues(system: cm, serving: cmServing)
        #expect(all.keys.contains("R12b") && all.keys.contains("R16e"))
    }

}
