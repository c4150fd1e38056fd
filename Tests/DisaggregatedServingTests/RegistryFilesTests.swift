import CMBenchTestSupport
import Foundation
import Serving
import SystemDescription
import Testing

@testable import DisaggregatedServing

/// The `cloudmatrix` entry records the three files it read, once each (the deployment file is
/// parsed three times, from one read).
@Suite struct RegistryFilesTests {
    @Test(arguments: [("cloudmatrix-infer", "ascend-910c"), ("deepseek-h800", "h800")])
    func theEntryRecordsHardwareModelAndDeploymentOnce(deployment: String, hardware: String) throws {
        var registry = BackendRegistry.builtIn
        registry.register(CloudMatrixBackend.factory.entry)
        let parameters: [BackendConfiguration.Parameter] = [.init("configs", Fixtures.configs), .init("deployment", deployment)]
        let configuration = BackendConfiguration(backend: "cloudmatrix", parameters: parameters, seed: 1)
        let built = try registry.build(configuration)
        // The typed factory, which the command line keeps for a specialised loop, records the same.
        #expect(try CloudMatrixBackend.factory.make(configuration).files == built.files)
        let configs = Fixtures.configs
        #expect(built.files.map(\.role) == ["deployment", "hardware", "model"])
        #expect(
            built.files.map(\.path) == [
                "\(configs)/deployments/\(deployment).json", "\(configs)/hardware/\(hardware).json", "\(configs)/models/deepseek-r1.json",
            ])
        #expect(built.files.allSatisfy { $0.sha256.count == 64 })
    }

    static func build(deployment: String) throws(BackendConfigurationError) -> BackendRegistry.Built<CloudMatrixBackend> {
        let parameters: [BackendConfiguration.Parameter] = [.init("configs", Fixtures.configs), .init("deployment", deployment)]
        return try CloudMatrixBackend.factory.make(BackendConfiguration(backend: "cloudmatrix", parameters: parameters, seed: 1))
    }

    /// A deployment given by the path of its file (as `cmbench plan` writes one) builds the same
    /// backend as its name, and records the file by the path given.
    @Test func aDeploymentGivenByPathBuildsWhatItsNameBuilds() throws {
        let path = Fixtures.deploymentPath
        let byName = try Self.build(deployment: "cloudmatrix-infer")
        let byPath = try Self.build(deployment: path)
        #expect(byPath.backend.resolved.system == byName.backend.resolved.system)
        #expect(byPath.backend.resolved.serving == byName.backend.resolved.serving)
        #expect(byPath.backend.resolved.settings == byName.backend.resolved.settings)
        #expect(byPath.backend.descriptor == byName.backend.descriptor)
        #expect(byPath.files == byName.files)
        #expect(byPath.files.first { $0.role == "deployment" }?.path == path)
    }

    /// The file may live outside `configs/` under any name; a value ending in `.json` is a path
    /// even without a folder.
    @Test func aDeploymentFileOutsideTheConfigsFolderIsRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let copy = directory.path("planned.json")
        try FileManager.default.copyItem(atPath: Fixtures.deploymentPath, toPath: copy)
        let built = try Self.build(deployment: copy)
        #expect(built.backend.resolved.system == (try Self.build(deployment: "cloudmatrix-infer")).backend.resolved.system)
        #expect(built.files.map(\.path) == [copy, "\(Fixtures.configs)/hardware/ascend-910c.json", "\(Fixtures.configs)/models/deepseek-r1.json"])
        #expect(SystemConfiguration.deploymentPath(configsDirectory: "configs", deployment: "planned.json") == "planned.json")
        #expect(SystemConfiguration.deploymentPath(configsDirectory: "configs", deployment: "planned") == "configs/deployments/planned.json")
    }

    @Test func aMissingDeploymentPathIsAnErrorNamingIt() {
        let missing = "/nonexistent/plans/planned.json"
        do {
            _ = try Self.build(deployment: missing)
            Issue.record("built a backend from \(missing)")
        } catch {
            #expect(error.message.contains(missing))
            #expect((error.cause as? ConfigError)?.code == .missingFile)
            #expect((error.cause as? ConfigError)?.file == missing)
        }
    }
}
