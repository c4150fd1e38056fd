import Foundation
import Testing
import CMBenchTestSupport
@testable import SystemDescription

/// Parameter counts and KV bytes computed from each shipped model file against the totals the
/// publishers state: the files' shapes are read from `config.json`, so a wrong shape shows here.
@Suite struct OtherModelShapesTests {
    func model(_ name: String, precision: String? = nil) throws -> ModelShape {
        try ModelShape.load(path: "\(Fixtures.configs)/models/\(name).json", precision: precision)
    }

    /// Within `percent` of the published figure (the publishers round to three or four digits).
    func near(_ value: Int, _ published: Double, percent: Double = 0.5) -> Bool {
        abs(Double(value) / published - 1) * 100 < percent
    }

    @Test func deepSeekR1Has671BParameters() throws {
        // DeepSeek-V3 technical report: 671B total, 37B activated (main model, MTP excluded).
        let m = try model("deepseek-r1")
        #expect(near(m.totalParams, 671e9))
        #expect(near(m.activeLinearParamsPerToken + 2 * m.headParams, 37e9, percent: 2))
    }

    @Test func kimiK2HasAbout1TParametersAnd32BActive() throws {
        // Moonshot's model card: 1.04T total (1T in its headline), 32B activated.
        let m = try model("kimi-k2")
        #expect(m.attention.kind == "mla" && m.heads == 64 && m.routedExperts == 384 && m.denseLayers == 1)
        #expect(near(m.totalParams, 1.03e12, percent: 1))
        #expect(near(m.activeLinearParamsPerToken + 2 * m.headParams, 32.9e9, percent: 1))
        // MLA: the same 576-element latent per layer as DeepSeek, over 61 layers, in BF16.
        #expect(try model("kimi-k2", precision: "bf16").kvBytesPerToken == 61 * 576 * 2)
    }

    @Test func qwen3Has235BTotalAnd22BActive() throws {
        let m = try model("qwen3-235b-a22b")
        #expect(near(m.totalParams, 235e9))
        #expect(near(m.activeLinearParamsPerToken + 2 * m.headParams, 22e9, percent: 1.5))
        #expect(m.moe?.sharedExperts == 0 && m.denseLayers == 0)
        // 94 layers × K and V × 4 KV heads × 128 × 2 B in BF16.
        #expect(try model("qwen3-235b-a22b", precision: "bf16").kvBytesPerToken == 94 * 2 * 4 * 128 * 2)
    }

    @Test func llamaModelsAreDenseWithTheirPublishedSizes() throws {
        let small = try model("llama-3.1-70b"), large = try model("llama-3.1-405b")
        #expect(small.moe == nil && small.denseLayers == small.layers)
        #expect(near(small.totalParams, 70.6e9))
        #expect(near(large.totalParams, 405.9e9))
        // Dense: every parameter but the embedding is active.
        #expect(small.activeLinearParamsPerToken + small.headParams == small.totalParams - small.headParams)
        #expect(small.kvBytesPerToken == 80 * 2 * 8 * 128 * 2)
        #expect(large.kvBytesPerToken == 126 * 2 * 8 * 128 * 2)
    }

    @Test(arguments: ["deepseek-r1", "kimi-k2", "qwen3-235b-a22b", "llama-3.1-70b", "llama-3.1-405b"])
    func everyPrecisionOfTheFileLoads(name: String) throws {
        let path = "\(Fixtures.configs)/models/\(name).json"
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let precisions = try #require(json["precisions"] as? [String: Any])
        #expect(precisions.count >= 2)
        for key in precisions.keys {
            let m = try ModelShape.load(path: path, precision: key)
            #expect(m.precision.name == key)
            #expect(m.name == name)
        }
    }
}
