import CMBenchTestSupport
import Testing
@testable import SystemDescription

@Suite struct ModelShapeTests {
    let m: ModelShape
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws { m = try Fixtures.system().model }

    @Test func parameterCountsMatchTheConfigArithmetic() throws {
        // From DeepSeek-V3's config_671B.json (deepseek-ai/DeepSeek-V3, inference/configs): q_a, q_b,
        // kv_a_with_mqa, kv_b and o_proj plus the two LoRA norms are 187,107,328 per MLA layer.
        let a = try #require(m.attention.latent)
        #expect(m.attentionParams + a.qLoraRank + a.kvLoraRank == 187_107_328)
        #expect(m.expertParams == 44_040_192)
        #expect(m.denseFFNParams == 396_361_728)
        #expect(m.headParams == 926_679_040)
    }

    @Test func linearFLOPsPerTokenAreAbout73G() {
        // 2 × active linear parameters (with the LM head) ≈ 73 GFLOP per token.
        let flops = 2 * Double(m.activeLinearParamsPerToken + m.headParams)
        #expect(abs(flops / 73e9 - 1) < 0.01)
    }

    @Test func messageAndKVSizesFollowPrecision() throws {
        #expect(m.dispatchMessageBytes == 7_680)  // 7 KB + 4 B scale padded to 512 B
        #expect(m.combineMessageBytes == 14_336)
        #expect(m.kvBytesPerToken == 70_272)  // 576 × 2 B × 61 layers
        let bf16 = try ModelShape.load(path: Fixtures.modelPath, precision: "bf16")
        #expect(bf16.dispatchMessageBytes == 14_336)
    }

    @Test func mtpTokensPerStep() {
        #expect(MTPSettings(draftTokens: 1, acceptanceRate: 0.7).tokensPerStep == 1.7)
        #expect(MTPSettings(draftTokens: 1, acceptanceRate: 0.7).graphsPerStep == 2)
        #expect(MTPSettings.off.tokensPerStep == 1)
    }
}
