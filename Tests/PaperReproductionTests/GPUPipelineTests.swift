import Foundation
import Testing
import CMBenchTestSupport
@testable import PaperReproduction
import CostModel
import DisaggregatedServing
import SystemDescription

/// The GPU-specific mechanisms of the cost model: staged compute/communication overlap in
/// decode, the SMs the prefill communication kernels hold, the GEMMs' own memory bandwidth,
/// attention padding for SGLang's simulated MTP.
@Suite struct GPUPipelineTests {
    func gpu(_ name: String) throws -> SystemConfiguration {
        try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: name)
    }

    // MARK: staged overlap (decode)

    @Test func communicationCoveredByTheOtherMicrobatchsStagesCostsNothing() {
        let wait = StagedCommunicationOverlap.waitPerMicrobatch(
            dispatch: 50, combine: 100, sharedExpert: 20, attentionPart0: 40, attentionPart1AndGate: 150)
        #expect(wait == 0)
    }

    @Test func onlyWhatTheCoveringStageLeavesIsWaitedFor() {
        // Dispatch is covered by shared expert + stage 1 (20 + 40), combine by stage 2 (150).
        let wait = StagedCommunicationOverlap.waitPerMicrobatch(
            dispatch: 90, combine: 180, sharedExpert: 20, attentionPart0: 40, attentionPart1AndGate: 150)
        #expect(abs(wait - (30 + 30)) < 1e-12)
    }

    /// The property that distinguishes staged overlap from "two streams": at DeepSeek's decode
    /// point the communication is shorter than the compute in total, yet the dispatch is longer
    /// than the stages that can hide it, so the layer is longer than its compute.
    @Test func dispatchLongerThanItsCoveringStagesIsExposedEvenWhenCommunicationIsShorterInTotal() throws {
        let s = try gpu("deepseek-h800")
        let step = DecodeCostModel(system: s).stepTime(
            batchPerDie: 128, meanKVLength: 4096, options: DecodeOptions(deployment: s.deployment.decode))
        let moe = try #require(step.layers.first { $0.kind == .moe })
        #expect(moe.streams.count == 2)
        let compute = moe.streams[0].microseconds, communication = moe.streams[1].microseconds
        #expect(communication < compute)
        let wait = try #require(moe.communicationWaitPerMicrobatch)
        #expect(wait > 0)
        #expect(abs(moe.microseconds - 2 * (compute + wait)) < 1e-9)
        #expect(abs(moe.exposedMicroseconds - 2 * wait) < 1e-9)
        // A dense layer has no all-to-all to wait for.
        let dense = try #require(step.layers.first { $0.kind == .dense })
        #expect(dense.communicationWaitPerMicrobatch == 0)
    }

    /// Ascend's decode streams split the cores; the staged-overlap wait does not apply there.
    @Test func coreSplitStreamsHaveNoCommunicationWait() throws {
        let s = try Fixtures.system()
        let step = DecodeCostModel(system: s).stepTime(
            batchPerDie: 96, meanKVLength: 4096, options: DecodeOptions(deployment: s.deployment.decode))
        #expect(step.layers.allSatisfy { $0.communicationWaitPerMicrobatch == nil })
    }

    @Test func aUBLikeDomainShortensTheH800DecodeStep() throws {
        let whatIf = FabricWhatIf.h800WithUBDomain(h800: try gpu("deepseek-h800"))
        #expect(whatIf.ubLike.tokensPerSecondPerNPU > whatIf.nvlink.tokensPerSecondPerNPU)
    }

    // MARK: prefill communication SMs

    @Test func computeRunsOnTheSMsTheCommunicationKernelsLeave() throws {
        let s = try gpu("deepseek-h800")
        #expect(s.deployment.prefill.communicationCores == 24)
        var free = s
        free.deployment.prefill.communicationCores = 0
        let o = PrefillOptions(deployment: s.deployment)
        func attention(_ sys: SystemConfiguration) throws -> OperatorTime {
            let batch = PrefillCostModel(system: sys).batchTime(tokensPerNPU: 16384, promptLength: 4096, options: o)
            let moe = try #require(batch.layers.first { $0.kind == .moe })
            return try #require(moe.stages.first { $0.operation.name == "Attn-FA" }).operation
        }
        // Attention is a compute-bound kernel that scales with the SMs it gets: 132 / 108.
        let held = try attention(s), all = try attention(free)
        let overhead = s.deployment.calibration.perOperatorOverheadSeconds * 1e6
        #expect(abs((held.microseconds - overhead) / (all.microseconds - overhead) - 132.0 / 108.0) < 1e-9)
        let slower = PrefillCostModel(system: s).batchTime(tokensPerNPU: 16384, promptLength: 4096, options: o)
        let faster = PrefillCostModel(system: free).batchTime(tokensPerNPU: 16384, promptLength: 4096, options: o)
        #expect(slower.batchMicroseconds > faster.batchMicroseconds)
    }

    @Test func communicationCoresMustLeaveComputeCores() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let root = dir.path("configs")
        for sub in ["hardware", "models", "deployments"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: Fixtures.configs + "/hardware/h800.json", toPath: root + "/hardware/h800.json")
        try FileManager.default.copyItem(atPath: Fixtures.modelPath, toPath: root + "/models/deepseek-r1.json")
        let edited = try Fixtures.edited(Fixtures.configs + "/deployments/deepseek-h800.json", in: dir) {
            Fixtures.set(&$0, ["prefill", "communicationCores", "value"], 132)
        }
        try FileManager.default.moveItem(atPath: edited, toPath: root + "/deployments/deepseek-h800.json")
        do {
            _ = try SystemConfiguration.load(configsDirectory: root, deployment: "deepseek-h800")
            Issue.record("expected an error")
        } catch {
            #expect(error.path == "$.prefill.communicationCores.value")
            #expect(error.description.contains("leaves no core for compute"))
        }
    }

    /// DeepEP's low-latency dispatch keeps the SMs busy for a while even when its transfer is
    /// hidden ([SGL-EP] unit test: 0.06 ms): that time sits on the compute stream. Only the
    /// GPU kernels have it; the RoCE what-if swaps CloudMatrix's fabric, not its kernels.
    @Test func lowLatencyDispatchHoldsTheSMs() throws {
        let s = try gpu("deepseek-h800")
        let core = try #require(s.hardware.linkCommunication).lowLatencyDispatchCoreSeconds
        #expect(core > 0)
        func moeCompute(_ sys: SystemConfiguration, batch: Int) throws -> [OperatorTime] {
            let step = DecodeCostModel(system: sys).stepTime(
                batchPerDie: batch, meanKVLength: 4096, options: DecodeOptions(deployment: sys.deployment.decode))
            return try #require(step.layers.first { $0.kind == .moe }).streams[0].operators
        }
        let sm = try #require(try moeCompute(s, batch: 128).first { $0.name == "dispatch send/recv" })
        #expect(abs(sm.microseconds - (core * 1e6 + s.deployment.calibration.perOperatorOverheadSeconds * 1e6)) < 1e-9)
        var none = s
        none.hardware.linkCommunication?.lowLatencyDispatchCoreSeconds = 0
        let with = DecodeCostModel(system: s).stepTime(batchPerDie: 128, meanKVLength: 4096, options: DecodeOptions(deployment: s.deployment.decode))
        let without = DecodeCostModel(system: none).stepTime(batchPerDie: 128, meanKVLength: 4096, options: DecodeOptions(deployment: s.deployment.decode))
        #expect(with.stepMicroseconds > without.stepMicroseconds)
        let cm = try Fixtures.system()
        #expect(try moeCompute(cm, batch: 96).allSatisfy { $0.name != "dispatch send/recv" })
        let whatIf = FabricWhatIf.cloudMatrixOverRoCE(cloudMatrix: cm, gpu: s.hardware)
        #expect(whatIf.roce.tpotMilliseconds > whatIf.ub.tpotMilliseconds)
    }

    // MARK: expert balance

    @Test func randomRoutingKeepsTheNoiseButNotTheSkew() throws {
        let imbalance = try gpu("sglang-h100").deployment.imbalance
        let perfect = imbalance.maxOverMean(balance: .perfect, slots: 288, meanTokensPerSlot: 7282)
        let random = imbalance.maxOverMean(balance: .random, slots: 288, meanTokensPerSlot: 7282)
        let deployed = imbalance.maxOverMean(balance: .default, slots: 288, meanTokensPerSlot: 7282)
        #expect(perfect == 1)
        #expect(random > 1 && random < deployed)
        #expect(abs(deployed / random - imbalance.systematicSkew) < 1e-12)
        // Fewer tokens per expert, more noise.
        #expect(imbalance.maxOverMean(balance: .random, slots: 288, meanTokensPerSlot: 64) > random)
    }

    // MARK: two-batch overlap in program order (prefill)

    typealias TBO = TwoBatchOverlapSchedule

    @Test func withoutTransfersMicrobatchesRunBackToBack() {
        let dense = TBO.Layer(attention: 10)
        #expect(TBO.makespan(layers: [(dense, 3)], microbatches: 2) == 60)
    }

    @Test func oneMicrobatchExposesEveryTransfer() {
        let l = TBO.Layer(attention: 10, dispatch: 4, routedExperts: 8, combine: 6, beforeCombineWait: 1, afterCombineWait: 2)
        // 10 + 4 (dispatch) + 8 + max(1, 6) (combine covers the shared expert) + 2
        #expect(TBO.makespan(layers: [(l, 1)], microbatches: 1) == 30)
    }

    /// A1 B1 A2 B2 A3 B3: B's combine is sent after B2 and only A3 and B's shared expert run
    /// before B waits for it, so a long combine is exposed once per layer even though the
    /// other microbatch's experts hid A's.
    @Test func theSecondMicrobatchsCombineIsCoveredOnlyByTheThirdStages() {
        let l = TBO.Layer(attention: 10, dispatch: 5, routedExperts: 10, combine: 12, beforeCombineWait: 1, afterCombineWait: 0)
        // A1 0–10 (D_A 10–15), B1 10–20 (D_B 20–25), A2 20–30 (C_A 30–42), B2 30–40 (C_B 42–54),
        // A3 shared 40–41, waits C_A → 42; B3 shared 42–43, waits C_B → 54.
        #expect(TBO.makespan(layers: [(l, 1)], microbatches: 2) == 54)
    }

    @Test func gpuPrefillRunsTheProgramOrderAndItCostsTime() throws {
        let s = try gpu("deepseek-h800")
        #expect(s.deployment.prefill.overlap == .twoBatchOverlap)
        var listed = s
        listed.deployment.prefill.overlap = .listScheduled
        let o = PrefillOptions(deployment: s.deployment)
        let program = PrefillCostModel(system: s).batchTime(tokensPerNPU: 16384, promptLength: 4096, options: o)
        let greedy = PrefillCostModel(system: listed).batchTime(tokensPerNPU: 16384, promptLength: 4096, options: o)
        #expect(program.overlap == .twoBatchOverlap)
        #expect(program.batchMicroseconds > greedy.batchMicroseconds)
        // Never slower than running the two microbatches' stages one after another.
        let sequential = program.layers.reduce(0) { $0 + $1.sequentialMicroseconds * Double($1.count) } * 2
        #expect(program.pipelinedMicroseconds <= sequential + 1e-6)
    }

    @Test func unknownPrefillOverlapIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.configs + "/deployments/deepseek-h800.json", in: dir) {
            Fixtures.set(&$0, ["prefill", "overlap"], "eager")
        }
        let hw = try Hardware.load(path: Fixtures.configs + "/hardware/h800.json")
        do {
            _ = try Deployment.load(path: path, hardware: hw)
            Issue.record("expected an error")
        } catch { #expect(error.path == "$.prefill.overlap") }
    }

    // MARK: GEMM memory bandwidth

    @Test func memoryBoundGEMMsRunAtTheirOwnMeasuredBandwidth() throws {
        let ascend = try Fixtures.system().hardware.efficiency
        #expect(ascend.gemmMemoryBandwidth == ascend.memoryBandwidth)  // not given: same as attention's
        let h800 = try gpu("deepseek-h800").hardware
        #expect(h800.efficiency.gemmMemoryBandwidth < h800.efficiency.memoryBandwidth)
        var same = h800
        same.efficiency.gemmMemoryBandwidth = h800.efficiency.memoryBandwidth
        // An 8-token o_proj is weight streaming: memory-bound on both.
        func oProj(_ hw: Hardware) -> OperatorTime {
            Roofline(hardware: hw).gemm("o_proj", m: 8, n: 7168, k: 16384, weightBytes: 1, inputBytes: 1, outputBytes: 2, computeBytes: 1)
        }
        let measured = oProj(h800), attentionRate = oProj(same)
        #expect(measured.bound == .memory && attentionRate.bound == .memory)
        #expect(abs(measured.microseconds / attentionRate.microseconds - h800.efficiency.memoryBandwidth / h800.efficiency.gemmMemoryBandwidth) < 1e-9)
    }

    // MARK: simulated MTP (B5)

    @Test func paddedAttentionTakesAtLeastThePaddingsTime() throws {
        let s = try gpu("sglang-h100")
        let model = DecodeCostModel(system: s)
        var o = DecodeOptions(deployment: s.deployment.decode)
        o.mtp = .off
        func core(_ options: DecodeOptions, batch: Int, kv: Double) throws -> Double {
            let step = model.stepTime(batchPerDie: batch, meanKVLength: kv, options: options)
            let moe = try #require(step.layers.first { $0.kind == .moe })
            return try #require(moe.streams[0].operators.first { $0.name == "FusedAttention" }).microseconds
        }
        let unpadded = try core(o, batch: 256, kv: 500)
        let profile = BaselineComparison.profileAttentionMicroseconds(try gpu("deepseek-h800"))
        #expect(unpadded < profile)
        var padded = o
        padded.attentionPaddedTo = AttentionPadding(minimumMicrosecondsPerMicrobatch: profile)
        let overhead = s.deployment.calibration.perOperatorOverheadSeconds * 1e6
        #expect(abs(try core(padded, batch: 256, kv: 500) - (profile + overhead)) < 1e-9)
        // Padding below the real time changes nothing.
        padded.attentionPaddedTo = AttentionPadding(minimumMicrosecondsPerMicrobatch: 1)
        #expect(try core(padded, batch: 256, kv: 500) == unpadded)
    }

    @Test func simulatedMTPCountsOneRequestPlusItsAcceptedDraftPerTwoRunTokens() throws {
        let s = try gpu("sglang-h100")
        let (step, rate) = BaselineComparison.simulatedMTPDecode(s, profile: try gpu("deepseek-h800"), batch: 128, kv: 4000)
        #expect(step.batchPerDie == 256)
        #expect(abs(step.meanKVLength - 2000) < 1e-9)
        #expect(step.options.mtp.draftTokens == 0)
        let expected = 128 * (1 + s.deployment.decode.mtp.acceptanceRate) / (step.stepMicroseconds * 1e-6)
        #expect(abs(rate - expected) < 1e-9 * expected)
    }
}
