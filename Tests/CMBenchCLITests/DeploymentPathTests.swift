import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// `--backend-option deployment=PATH` (a deployment file written elsewhere, as `cmbench plan`
/// writes one) replays as the named deployment does and records the file it read, with its digest.
@Suite struct DeploymentPathTests {
    static let replay = ["replay", "traces/default.csv.zst", "--max-requests", "60", "--no-progress", "--json"]

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let result = cmbench(arguments)
        #expect(result.status == .ok, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func aDeploymentFileGivenByPathReplaysAsItsName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let copy = directory.path("planned.json")
        try FileManager.default.copyItem(atPath: "configs/deployments/cloudmatrix-infer.json", toPath: copy)
        let byName = try Self.json(Self.replay + ["--backend-option", "deployment=cloudmatrix-infer"])
        let byPath = try Self.json(Self.replay + ["--backend-option", "deployment=\(copy)"])
        #expect(byPath["tpot_ms"] as? NSDictionary == byName["tpot_ms"] as? NSDictionary)
        #expect(byPath["backend"] as? String == byName["backend"] as? String)
        let files = (byPath["provenance"] as? [String: Any])?["config_files"] as? [[String: String]]
        let named = (byName["provenance"] as? [String: Any])?["config_files"] as? [[String: String]]
        #expect(files?.first == ["role": "deployment", "path": copy, "sha256": named?.first?["sha256"] ?? ""])
        #expect(files?.dropFirst().map { $0["path"] } == ["configs/hardware/ascend-910c.json", "configs/models/deepseek-r1.json"])
    }

    @Test func aMissingDeploymentPathIsAMissingInputNamingIt() {
        let result = cmbench(Self.replay + ["--backend-option", "deployment=plans/none.json"])
        #expect(result.status == .missingInput)
        #expect(result.stderr.contains("plans/none.json"))
    }
}
