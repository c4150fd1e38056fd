import CMBenchTestSupport
import Testing
@testable import CostModel
import SystemDescription

@Suite struct OperatorTests {
    let system: SystemConfiguration
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws { system = try Fixtures.system() }
    var roofline: Roofline { Roofline(hardware: system.hardware) }

    func int8GEMM(m: Double, n: Int, k: Int, groups: Int = 1, share: CoreShare = .wholeDie) -> OperatorTime {
        roofline.gemm("t", m: m, n: n, k: k, groups: groups, weightBytes: 1, inputBytes: 1, outputBytes: 2, computeBytes: 1, share: share)
    }

    @Test func gemmCountsFLOPsAndBytes() {
        let op = int8GEMM(m: 128, n: 4096, k: 7168)
        #expect(op.flops == 2 * 128 * 4096 * 7168)
        #expect(op.bytes == Double(4096 * 7168 + 128 * 7168 + 128 * 4096 * 2))
    }

    @Test func computeBoundTimeScalesWithCoreShare() {
        let whole = int8GEMM(m: 7168, n: 4096, k: 4096, groups: 4)
        let half = int8GEMM(m: 7168, n: 4096, k: 4096, groups: 4, share: CoreShare(cubeFraction: 0.5, vectorFraction: 0.5))
        #expect(whole.bound == .compute)
        #expect(abs(half.microseconds / whole.microseconds - 2) < 1e-9)
    }

    @Test func memoryBoundTimeIgnoresCoreShare() {
        let whole = int8GEMM(m: 8, n: 7168, k: 16384)
        let third = int8GEMM(m: 8, n: 7168, k: 16384, share: CoreShare(cubeFraction: 1.0 / 3, vectorFraction: 1.0 / 3))
        #expect(whole.bound == .memory)
        #expect(whole.microseconds == third.microseconds)
        // 117 MB of INT8 weights at 84.1 % of 1.6 TB/s.
        #expect(abs(whole.microseconds - whole.bytes / (1.6e12 * 0.841) * 1e6) < 1e-6)
    }

    @Test func table9ImpliesThePeakInTheHardwareFile() {
        // FLOPs × bandwidth / (bytes × utilisation) for the first Table 9 row: 752 TOPS.
        let m = 7168.0, n = 4096.0, k = 4096.0, groups = 4.0
        let flops: Double = 2 * groups * m * n * k
        let a: Double = m * k, b: Double = k * n, c: Double = 2 * m * n
        let bytes: Double = groups * (a + b + c)
        let impliedPeak: Double = flops * 260e9 / (bytes * 0.794)
        #expect(abs(impliedPeak / system.hardware.die.int8PeakOpsPerSecond - 1) < 0.01)
    }

    @Test func decodeAttentionGrowsWithKVAndCountsAbsorbedFLOPs() {
        let ops = TransformerOperators(model: system.model, hardware: system.hardware)
        let short = ops.decodeAttentionCore(kvTokens: 48 * 1024, queriesPerRequest: 1, requests: 48, share: .wholeDie)
        let long = ops.decodeAttentionCore(kvTokens: 48 * 4096, queriesPerRequest: 1, requests: 48, share: .wholeDie)
        #expect(long.microseconds > short.microseconds)
        #expect(long.flops == 2 * 128 * (576 + 512) * 48 * 4096)
    }

    @Test func causalPairsAreHalfTheSquare() {
        #expect(TransformerOperators.causalPairs(sequences: 1, length: 4, reused: 0) == 10)
        #expect(TransformerOperators.causalPairs(sequences: 2, length: 4, reused: 2) == 14)
    }

    @Test func dispatchReproducesTable6AtItsBatchAndScalesWithBytes() {
        let comm = ExpertCommunicationModel(hardware: system.hardware)
        let ref = comm.time(.dispatch, tokens: 128, expertsPerToken: 8, messageBytes: 7680, expertParallelism: 256)
        #expect(abs(ref.microseconds - 152) < 1e-6)
        let half = comm.time(.dispatch, tokens: 64, expertsPerToken: 8, messageBytes: 7680, expertParallelism: 256)
        #expect(abs(half.microseconds - (2.1 + (152 - 2.1) / 2)) < 1e-6)
        let third = comm.time(
            .dispatch, tokens: 128, expertsPerToken: 8, messageBytes: 7680, expertParallelism: 256,
            share: CoreShare(cubeFraction: 1.0 / 3, vectorFraction: 1.0 / 3))
        // Latency-bound pipeline: a stream with a third of the vector cores is not slower.
        #expect(abs(third.microseconds - ref.microseconds) < 1e-6)
    }

    @Test func pipelineScheduleOneChainIsTheSumAndTwoChainsOverlap() {
        func stage(_ r: PipelineResource, _ us: Double) -> PipelineStage {
            PipelineStage(resource: r, operation: OperatorTime(name: "s", microseconds: us, bound: .compute))
        }
        let chain = [stage(.cube, 10), stage(.dma, 10), stage(.cube, 10), stage(.dma, 10)]
        #expect(PipelineSchedule.makespan(chains: [chain]) == 40)
        let halves = chain.map { stage($0.resource, $0.operation.microseconds / 2) }
        // mb1 computes while mb0 communicates: 4 stages of 5 µs overlap down to 25 µs.
        #expect(PipelineSchedule.makespan(chains: [halves, halves]) == 25)
    }
}
