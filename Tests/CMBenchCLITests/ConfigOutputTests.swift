import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// An output onto a configuration file a command read is refused, and the file is unchanged:
/// commands protect the files their provenance records.
@Suite struct ConfigOutputTests {
    @Test(arguments: ["reproduce", "replay"])
    func anOutputOntoAConfigurationFileReadIsRefused(command: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let configs = directory.path("configs")
        try FileManager.default.copyItem(atPath: Fixtures.configs, toPath: configs)
        let hardware = configs + "/hardware/ascend-910c.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: hardware))
        let arguments =
            command == "reproduce"
            ? ["reproduce", "--configs", configs, "--csv", hardware]
            : ["replay", "traces/default.csv.zst", "--max-requests", "20", "--backend-option", "configs=\(configs)",
               "--summary-csv", hardware]
        let result = cmbench(arguments)
        #expect(result.status == .usage, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("same file as the input"), "stderr: \(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: hardware)) == before)
    }
}
