import CMBenchTestSupport
import Foundation
import Testing

@testable import SystemDescription

/// `DeploymentRewriter`: the file `cmbench plan` writes loads with the ordinary loaders, holds the
/// chosen values with their sources, and keeps everything else of the file it started from.
@Suite struct DeploymentRewriterTests {
    static let deployments = ["cloudmatrix-infer", "deepseek-h800", "sglang-h100"]
    static let planSource = "chosen by cmbench plan (cmbench plan traces/default.csv.zst; trace sha256 1d67f3e4)"

    static func path(_ deployment: String) -> String { "\(Fixtures.configs)/deployments/\(deployment).json" }

    static func base(_ deployment: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path(deployment)))
    }

    /// The deployment and serving parameters of `data`, loaded from a file as `replay` loads them.
    static func load(_ data: Data, like deployment: String) throws -> (SystemConfiguration, ServingSystemParameters) {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let file = directory.path("\(deployment).json")
        try data.write(to: URL(fileURLWithPath: file))
        let names = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let files = ConfigFiles()
        let system = try SystemConfiguration.load(
            hardwarePath: "\(Fixtures.configs)/hardware/\(names["hardware"] as! String).json",
            modelPath: "\(Fixtures.configs)/models/\(names["model"] as! String).json", deploymentPath: file, files: files)
        return (system, try ServingSystemParameters.load(deploymentPath: file, files: files))
    }

    static func rewrite(_ deployment: String, _ edits: [DeploymentEdit]) throws -> Data {
        let json = try JSONSerialization.jsonObject(with: base(deployment)) as! [String: Any]
        return try DeploymentRewriter.rewrite(
            base(deployment), file: path(deployment), name: json["name"] as! String, description: json["description"] as! String,
            edits: edits)
    }

    static func error(_ edits: [DeploymentEdit], _ deployment: String = "cloudmatrix-infer") -> ConfigError? {
        do {
            _ = try rewrite(deployment, edits)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return ConfigError(.malformedJSON, file: "", path: "", reason: "unexpected \(error)")
        }
    }

    /// The value at `keys` of a JSON document.
    static func field(_ data: Data, _ keys: String...) throws -> Any? { try field(data, path: keys) }

    static func field(_ data: Data, path keys: [String]) throws -> Any? {
        var node: Any? = try JSONSerialization.jsonObject(with: data)
        for key in keys { node = (node as? [String: Any])?[key] }
        return node
    }

    @Test(arguments: deployments)
    func withoutEditsTheFileLoadsAsTheOriginalDoes(deployment: String) throws {
        let original = try Self.load(Self.base(deployment), like: deployment)
        let rewritten = try Self.rewrite(deployment, [])
        let loaded = try Self.load(rewritten, like: deployment)
        #expect(loaded.0 == original.0)
        #expect(loaded.1 == original.1)
        // Every field and citation is kept, not only those the loaders read.
        #expect(
            try JSONSerialization.jsonObject(with: rewritten) as! NSDictionary
                == JSONSerialization.jsonObject(with: Self.base(deployment)) as! NSDictionary)
        #expect(rewritten.last == UInt8(ascii: "\n"))
        #expect(try Self.rewrite(deployment, []) == rewritten)
    }

    /// The checked-in CloudMatrix file is laid out as the rewriter writes: unchanged, it comes
    /// back byte for byte (so key order, number text and escapes are all kept).
    @Test func theCloudMatrixFileComesBackByteForByte() throws {
        #expect(String(decoding: try Self.rewrite("cloudmatrix-infer", []), as: UTF8.self)
            == String(decoding: try Self.base("cloudmatrix-infer"), as: UTF8.self))
    }

    @Test func nameAndDescriptionAreReplaced() throws {
        let data = try DeploymentRewriter.rewrite(
            Self.base("cloudmatrix-infer"), file: Self.path("cloudmatrix-infer"), name: "planned", description: "chosen by \"plan\"",
            edits: [])
        #expect(try Self.load(data, like: "planned").0.deployment.name == "planned")
        #expect(try Self.field(data, "description") as? String == "chosen by \"plan\"")
        #expect(String(decoding: data, as: UTF8.self).hasPrefix("{\n  \"name\": \"planned\",\n  \"description\": "))
    }

    @Test func editsLoadBackWithTheirSources() throws {
        func edit(_ path: [String], _ value: DeploymentEdit.Value) -> DeploymentEdit {
            DeploymentEdit(path: path, value: value, source: Self.planSource + " " + path.joined(separator: "."))
        }
        let edits = [
            edit(["prefillInstances"], .integer(4)),
            edit(["decode", "npus"], .integer(128)),
            edit(["decode", "attentionDataParallelDies"], .integer(256)),
            edit(["decode", "expertsPerDie"], .integer(2)),
            edit(["decode", "sharedExpertCopies"], .integer(16)),
            edit(["decode", "redundantExperts"], .integer(0)),
            edit(["decode", "batchPerDie"], .integer(32)),
            edit(["decode", "microbatching", "enabled"], .bool(true)),
            edit(["decode", "microbatching", "policy"], .text("always")),
            edit(["decode", "mtp", "draftTokens"], .integer(2)),
            edit(["decode", "mtp", "acceptanceRate"], .number(0.65)),
            edit(["prefill", "npus"], .integer(32)),
            edit(["prefill", "expertParallelDies"], .integer(64)),
            edit(["prefill", "expertsPerDie"], .integer(5)),
            edit(["prefill", "attentionTensorParallelDies"], .integer(16)),
            edit(["precision"], .text("bf16")),
            edit(["servingSystem", "ems", "poolNodes"], .integer(16)),
        ]
        let data = try Self.rewrite("cloudmatrix-infer", edits)
        let (system, serving) = try Self.load(data, like: "cloudmatrix-infer")
        let d = system.deployment
        #expect(d.prefillInstances == 4)
        #expect(d.decode.npus == 128 && d.decode.dies == 256 && d.decode.attentionDataParallelDies == 256)
        #expect(d.decode.expertsPerDie == 2 && d.decode.sharedExpertCopies == 16 && d.decode.redundantExperts == 0)
        #expect(d.decode.batchPerDie == 32)
        #expect(d.decode.microbatchPolicy == .always && d.decode.streams?.count == 2)
        #expect(d.decode.mtp == MTPSettings(draftTokens: 2, acceptanceRate: 0.65))
        #expect(d.prefill.npus == 32 && d.prefill.expertParallelDies == 64 && d.prefill.expertsPerDie == 5)
        #expect(d.prefill.attentionTensorParallelDies == 16)
        #expect(d.precisionName == "bf16" && system.model.precision.name == "bf16")
        #expect(serving.ems?.poolNodes == 16)

        // Each changed value carries its source where the file keeps sources.
        for e in edits {
            let expected = e.source
            switch e.path {
            case ["precision"]: #expect(try Self.field(data, "precisionSource") as? String == expected)
            case ["decode", "microbatching", "enabled"]: #expect(try Self.field(data, "decode", "microbatching", "source") as? String == expected)
            case ["decode", "microbatching", "policy"]: #expect(try Self.field(data, "decode", "microbatching", "policySource") as? String == expected)
            default:
                let sourced = try Self.field(data, path: e.path) as? [String: Any]
                #expect(sourced?["source"] as? String == expected, "\(e.path)")
            }
        }
        // What was not edited keeps its citation; the new key sits beside the one it explains.
        #expect(try Self.field(data, "decodeInstances", "source") as? String == "paper v3 §5.1: 1 decode instance x 160 NPUs")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"precision\": \"bf16\",\n  \"precisionSource\": "))
        #expect(try Self.rewrite("cloudmatrix-infer", edits) == data)
    }

    @Test func aPlainFieldWithoutASourceGetsOneAndAnExistingOneIsReplaced() throws {
        let source = "chosen by cmbench plan"
        let data = try Self.rewrite("deepseek-h800", [DeploymentEdit(path: ["decode", "expertBalance"], value: .text("perfect"), source: source)])
        #expect(try Self.field(data, "decode", "expertBalanceSource") as? String == source)
        #expect(try Self.load(data, like: "deepseek-h800").0.deployment.decode.expertBalance == .perfect)
    }

    @Test func anUnknownPathIsRefusedByName() throws {
        let typo = try #require(Self.error([DeploymentEdit(path: ["decode", "npu"], value: .integer(8), source: "x")]))
        #expect(typo.code == .unknownName)
        #expect(typo.path == "$.decode.npu")
        #expect(typo.file == Self.path("cloudmatrix-infer"))
        let deep = try #require(Self.error([DeploymentEdit(path: ["decoder", "npus"], value: .integer(8), source: "x")]))
        #expect(deep.path == "$.decoder.npus")
        // The optional EMS capacity needs an EMS section to go into: the GPU files have none.
        let noPool = try #require(
            Self.error([DeploymentEdit(path: ["servingSystem", "ems", "capacityGB"], value: .number(100), source: "x")], "deepseek-h800"))
        #expect(noPool.path == "$.servingSystem.ems.capacityGB" && noPool.code == .unknownName)
    }

    @Test func editsOfTheWrongShapeAreRefused() throws {
        let object = try #require(Self.error([DeploymentEdit(path: ["decode"], value: .integer(8), source: "x")]))
        #expect(object.code == .wrongType && object.path == "$.decode")
        let text = try #require(Self.error([DeploymentEdit(path: ["decode", "npus"], value: .text("eight"), source: "x")]))
        #expect(text.code == .wrongType && text.reason.contains("a number"))
        let nan = try #require(Self.error([DeploymentEdit(path: ["decode", "mtp", "acceptanceRate"], value: .number(.nan), source: "x")]))
        #expect(nan.code == .invalidValue)
        let unsourced = try #require(Self.error([DeploymentEdit(path: ["decode", "npus"], value: .integer(8), source: "")]))
        #expect(unsourced.code == .invalidValue && unsourced.path == "$.decode.npus")
    }

    @Test func theEMSCapacityIsAddedWithItsSource() throws {
        let data = try Self.rewrite(
            "cloudmatrix-infer", [DeploymentEdit(path: ["servingSystem", "ems", "capacityGB"], value: .number(8192), source: Self.planSource)])
        let capacity = try Self.field(data, "servingSystem", "ems", "capacityGB") as? [String: Any]
        #expect(capacity?["source"] as? String == Self.planSource)
        #expect(try Self.load(data, like: "cloudmatrix-infer").1.ems?.defaultCapacityBytes == 8192e9)
    }

    @Test(arguments: ["", "{", "[1]", "{\"a\": 1, \"a\": 2}", "{\"a\": 01}", "{\"a\": \"\\q\"}", "{} x"])
    func malformedBasesAreRefused(text: String) {
        do {
            _ = try DeploymentRewriter.rewrite(Data(text.utf8), file: "base.json", name: "n", description: "d", edits: [])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.file == "base.json")
            #expect(error.code == .malformedJSON || error.code == .wrongType)
        }
    }

    @Test func stringsRoundTripThroughEscapes() throws {
        let text = #"{"name": "a", "description": "b", "s": "tab\t quote\" slash\/ \u00e9 \ud83d\ude00 \u0001"}"#
        let data = try DeploymentRewriter.rewrite(Data(text.utf8), file: "f", name: "a", description: "b", edits: [])
        #expect(try Self.field(data, "s") as? String == "tab\t quote\" slash/ é 😀 \u{01}")
    }
}
