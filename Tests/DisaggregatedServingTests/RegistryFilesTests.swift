import CMBenchTestSupport
import Serving
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
}
