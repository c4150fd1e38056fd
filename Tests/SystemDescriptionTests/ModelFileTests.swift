import Foundation
import Testing
import CMBenchTestSupport
@testable import SystemDescription

/// Bad model files name the file, the JSON path and the reason; the attention kinds' shapes
/// give the KV and parameter arithmetic by hand.
@Suite struct ModelFileTests {
    /// Loads the DeepSeek-R1 file with one edit and returns the error it produces.
    func modelError(_ edit: (inout [String: Any]) -> Void) throws -> ConfigError? {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.modelPath, in: dir, edit)
        do {
            _ = try ModelShape.load(path: path)
            return nil
        } catch { return error }
    }

    /// A grouped-query attention block replacing R1's latent one.
    func gqa(_ q: Int, _ kv: Int, _ d: Int) -> [String: Any] {
        ["kind": "gqa", "queryHeads": ["value": q, "source": "test"], "kvHeads": ["value": kv, "source": "test"], "headDim": ["value": d, "source": "test"]]
    }

    @Test func missingAttentionKindNamesThePath() throws {
        let e = try #require(try modelError { json in
            var a = json["attention"] as! [String: Any]
            a["kind"] = nil
            json["attention"] = a
        })
        #expect(e.code == .missingField)
        #expect(e.path == "$.attention.kind")
        #expect(e.file.hasSuffix("deepseek-r1.json"))
    }

    @Test func unknownAttentionKindNamesTheChoices() throws {
        let e = try #require(try modelError { Fixtures.set(&$0, ["attention", "kind"], "linear") })
        #expect(e.code == .unknownName)
        #expect(e.path == "$.attention.kind")
        #expect(e.reason.contains("\"mla\"") && e.reason.contains("\"gqa\""))
    }

    @Test func latentFieldsAreRequiredForMLA() throws {
        let e = try #require(try modelError { Fixtures.set(&$0, ["attention", "kvLoraRank"], nil) })
        #expect(e.code == .missingField)
        #expect(e.path == "$.attention.kvLoraRank")
    }

    @Test func queryHeadsNotDivisibleByKVHeadsAreRefused() throws {
        let e = try #require(try modelError { $0["attention"] = gqa(64, 6, 128) })
        #expect(e.path == "$.attention.kvHeads.value")
        #expect(e.reason.contains("do not divide the 64 query heads"))
    }

    @Test func unknownPrecisionIsRefused() throws {
        let e = try #require(try modelError { $0["defaultPrecision"] = "fp6" })
        #expect(e.code == .unknownName)
        #expect(e.path == "$.defaultPrecision")
        #expect(e.reason.contains("unknown precision \"fp6\""))
    }

    @Test func moeLayersWithoutExpertsAreRefused() throws {
        let e = try #require(try modelError { $0["moe"] = nil })
        #expect(e.path == "$.moe")
        #expect(e.reason.contains("58 layers are MoE layers"))
    }

    @Test func denseModelNeedsItsFFNWidthAndNoMoEFields() throws {
        // Every layer dense, no experts: the MoE precision fields may go, the FFN width may not.
        let dense: (inout [String: Any]) -> Void = { json in
            json["moe"] = nil
            Fixtures.set(&json, ["denseLayers", "value"], 61)
            var precisions = json["precisions"] as! [String: Any]
            var p = precisions["int8-w8a8"] as! [String: Any]
            for k in ["routerBytes", "dispatchBytesPerElement", "dispatchScaleBytes", "combineBytesPerElement"] { p[k] = nil }
            precisions["int8-w8a8"] = p
            json["precisions"] = precisions
        }
        #expect(try modelError(dense) == nil)
        let e = try #require(try modelError { json in
            dense(&json)
            json["denseIntermediateSize"] = nil
        })
        #expect(e.path == "$.denseIntermediateSize")
        // A MoE model still needs them.
        let m = try #require(try modelError { Fixtures.set(&$0, ["precisions", "int8-w8a8", "routerBytes"], nil) })
        #expect(m.path == "$.precisions.int8-w8a8.routerBytes")
    }

    @Test func groupedQueryKVAndParametersByHand() throws {
        // Qwen3-235B's attention: 64 query heads, 4 KV heads of 128 over a 4,096 hidden.
        let a = AttentionShape.groupedQuery(GroupedQueryAttention(queryHeads: 64, kvHeads: 4, headDim: 128))
        #expect(a.kvElementsPerTokenPerLayer() == 2 * 4 * 128)
        #expect(a.parameters(hidden: 4096) == 4096 * 8192 + 2 * 4096 * 512 + 8192 * 4096)
        // TP 2 splits the KV heads; TP 8 replicates them, one per die.
        #expect(a.kvElementsPerTokenPerLayer(tensorParallel: 2) == 2 * 2 * 128)
        #expect(a.kvElementsPerTokenPerLayer(tensorParallel: 8) == 2 * 1 * 128)
        #expect(a.parametersPerDie(hidden: 4096, tensorParallel: 8) == Double(4096 * (8 + 2) * 128 + 8 * 128 * 4096))
        #expect(a.tensorParallelProblem(8) == nil)
        #expect(a.tensorParallelProblem(6)?.contains("does not divide the 64 attention heads") == true)
        let b = AttentionShape.groupedQuery(GroupedQueryAttention(queryHeads: 48, kvHeads: 8, headDim: 128))
        #expect(b.tensorParallelProblem(12)?.contains("not a multiple") == true)
        #expect(b.tensorParallelProblem(32)?.contains("does not divide the 48") == true)
        #expect(b.tensorParallelProblem(16) == nil)
    }

    @Test func aggregatedLayoutThatDoesNotDivideTheModelIsRefused() throws {
        let m = try Fixtures.system().model
        #expect(m.problem(with: AggregatedFixtures.layout(tp: 8, dp: 1, ep: 1)) == nil)
        let heads = try #require(m.problem(with: AggregatedFixtures.layout(tp: 3, dp: 1, ep: 1)))
        #expect(heads.field == "tensorParallel" && heads.reason.contains("128 attention heads"))
        let stages = try #require(m.problem(with: AggregatedFixtures.layout(pp: 62)))
        #expect(stages.field == "pipelineParallel")
    }
}
