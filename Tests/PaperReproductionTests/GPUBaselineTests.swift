import Foundation
import Testing
import CMBenchTestSupport
@testable import PaperReproduction
import CostModel
import DisaggregatedServing
import SystemDescription

@Suite struct GPUBaselineTests {
    func gpu(_ name: String) throws -> SystemConfiguration {
        try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: name)
    }

    @Test(arguments: ["h800", "h100-sxm", "h200", "b200"])
    func gpuHardwareFilesLoad(name: String) throws {
        let hw = try Hardware.load(path: Fixtures.configs + "/hardware/\(name).json")
        #expect(hw.diesPerScaleUpDomain == 8)
        #expect(hw.linkCommunication != nil)
        #expect(!hw.expertCommunication.isMeasured)
        #expect(hw.scaleOut.attainedBytesPerSecond <= hw.scaleOut.lineRateBytesPerSecond)
    }

    @Test func scaleOutShareGrowsWithEPBeyondTheDomain() {
        let within = ExpertCommunicationModel.trafficShares(expertParallelism: 8, domainDies: 8)
        #expect(within.scaleOut == 0)
        var last = 0.0
        for ep in [16, 32, 64, 128, 256] {
            let s = ExpertCommunicationModel.trafficShares(expertParallelism: ep, domainDies: 8)
            #expect(s.scaleOut > last)
            #expect(abs(s.local + s.scaleUp + s.scaleOut - 1) < 1e-12)
            last = s.scaleOut
        }
        // UB's domain (384 NPUs x 2 dies) holds the whole EP320 decode group.
        #expect(ExpertCommunicationModel.trafficShares(expertParallelism: 320, domainDies: 768).scaleOut == 0)
    }

    @Test func aUBLikeDomainMakesGPUDispatchFaster() throws {
        let h800 = try gpu("deepseek-h800")
        var ub = h800.hardware
        ub.scaleUp.domainNPUs = 256
        ub.linkCommunication?.lowLatencyKernelsUseScaleOutOnly = false
        let m = h800.model
        func dispatch(_ hw: Hardware) -> Double {
            ExpertCommunicationModel(hardware: hw).time(.dispatch, tokens: 128, expertsPerToken: 8, messageBytes: m.dispatchMessageBytes, expertParallelism: 128).microseconds
        }
        #expect(dispatch(ub) < dispatch(h800.hardware) / 2)
    }

    @Test func cloudMatrixOverRoCEIsSlower() throws {
        let r = FabricWhatIf.cloudMatrixOverRoCE(cloudMatrix: try Fixtures.system(), gpu: try gpu("deepseek-h800").hardware)
        #expect(r.roce.tpotMilliseconds > r.ub.tpotMilliseconds)
        print("what-if:", r.ub, r.roce)
    }

    @Test func bulkTransfersCrossingNodesGoOverTheNIC() throws {
        let hw = try gpu("deepseek-h800").hardware
        let bulk = BulkTransferModel(hardware: hw)
        let intra = bulk.expertTime("d", tokens: 4096, copies: 8, messageBytes: 7680, expertParallelism: 8, loadFactor: 1)
        let inter = bulk.expertTime("d", tokens: 4096, copies: 8, messageBytes: 7680, expertParallelism: 32, loadFactor: 1)
        #expect(inter.microseconds > intra.microseconds)
    }

    @Test func tableAndLinksTogetherAreRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.configs + "/hardware/h800.json", in: dir) {
            Fixtures.set(&$0, ["expertCommunication", "dispatch"], [[String: Any]]())
        }
        #expect(throws: ConfigError.self) { _ = try Hardware.load(path: path) }
    }

    @Test func attainedScaleOutAboveLineRateIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.configs + "/hardware/h800.json", in: dir) {
            Fixtures.set(&$0, ["scaleOut", "attainedGBps", "value"], 80.0)
        }
        do {
            _ = try Hardware.load(path: path)
            Issue.record("expected an error")
        } catch { #expect(error.path == "$.scaleOut.attainedGBps.value") }
    }

    @Test func comparisonRowsExistAsPredictions() throws {
        let reference = try ReferencePoint.load(path: SharedTraces.packageRoot.appendingPathComponent("results/reference/gpu-baselines.json").path)
        let rows = try BaselineComparison.compare(configsDirectory: Fixtures.configs, reference: reference)
        #expect(Set(rows.map(\.id)).isSuperset(of: ["B1", "B2", "B3", "B4", "B5", "B6-D8", "B6-C256"]))
        #expect(rows.allSatisfy { $0.model > 0 })
        // Only the two rows C3 was fitted on are calibrations.
        #expect(Set(rows.filter { $0.role == .calibration }.map(\.id)) == BaselineComparison.calibrationRows)
        #expect(rows.count == reference.count)  // every row of the file, bandwidth columns included
    }

    /// C3, the low-latency kernels' scale-out rate in h800.json, is what refitting it on the
    /// reference EP8 dispatch gives; and it reproduces that row.
    @Test func calibrationC3RefitsToTheStoredRate() throws {
        let reference = try ReferencePoint.load(path: SharedTraces.packageRoot.appendingPathComponent("results/reference/gpu-baselines.json").path)
        let h800 = try gpu("deepseek-h800")
        let stored = try #require(h800.hardware.linkCommunication?.lowLatencyBytesPerSecond)
        let refit = try #require(BaselineComparison.refitLowLatencyRate(deepSeek: h800, reference: reference))
        #expect(abs(refit - stored) / stored < 2e-4)
        let rows = BaselineComparison.compare(deepSeek: h800, sglang: try gpu("sglang-h100"), reference: reference)
        let d8 = try #require(rows.first { $0.id == "B6-D8" })
        #expect(abs(d8.errorPercent) < 0.05)
    }

    @Test func lowLatencyRateAboveTheLineRateIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.configs + "/hardware/h800.json", in: dir) {
            Fixtures.set(&$0, ["expertCommunication", "links", "lowLatencyAttainedGBps", "value"], 60.0)
        }
        do {
            _ = try Hardware.load(path: path)
            Issue.record("expected an error")
        } catch { #expect(error.path == "$.expertCommunication.links.lowLatencyAttainedGBps.value") }
    }

    /// DeepEP's wire format, not CANN's 512-byte padding: FP8 data + 56 FP32 scales + 16-byte
    /// header, and BF16 for combine (the byte counts of DeepEP's low-latency test).
    @Test func gpuMessagesUseDeepEPsWireFormat() throws {
        let m = try gpu("deepseek-h800").model
        #expect(m.dispatchMessageBytes == 7168 + 7168 / 128 * 4 + 16)
        #expect(m.combineMessageBytes == 7168 * 2)
        let ascend = try Fixtures.system().model
        #expect(ascend.dispatchMessageBytes % 512 == 0)
    }

    /// Table 6's bandwidth column is bytes sent over latency: the model's bandwidth row must be
    /// its own latency row seen through that relation, so the two cannot drift apart.
    @Test func bandwidthRowsAreTheLatencyRowsThroughBytesSent() throws {
        let reference = try ReferencePoint.load(path: SharedTraces.packageRoot.appendingPathComponent("results/reference/gpu-baselines.json").path)
        let rows = try BaselineComparison.compare(configsDirectory: Fixtures.configs, reference: reference)
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.model) })
        let h800 = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: BaselineComparison.deepSeekDeployment)
        for ep in [8, 256] {
            let latency = try #require(byID["B6-D\(ep)"]), bandwidth = try #require(byID["B6-D\(ep)-bw"])
            let bytes = bandwidth * 1e9 * latency * 1e-6
            // At least the payload: 128 tokens × top-8 × one FP8 message each.
            #expect(bytes >= Double(128 * h800.model.expertsPerToken * h800.model.dispatchMessageBytes) * 0.999)
            #expect(bytes < Double(128 * h800.model.expertsPerToken * h800.model.dispatchMessageBytes) * 1.2)
        }
    }
}
