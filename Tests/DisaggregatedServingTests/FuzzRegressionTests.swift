import CMBenchTestSupport
import Foundation
import Testing

@testable import DisaggregatedServing
import CostModel
import SystemDescription

/// Inputs that once crashed `Fuzz/FuzzConfigLoader.swift` (kept in `Fuzz/regressions/`), loaded the
/// way `cmbench` loads them: each must now be refused with a `ConfigError` naming the field, or
/// load — never trap.
@Suite struct FuzzRegressionTests {
    static let directory = SharedTraces.packageRoot.appendingPathComponent("Fuzz/regressions/FuzzConfigLoader")
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// Every regression input as a deployment, a hardware and a model file beside the real ones;
    /// what loads is memory-checked, resolved for serving and costed.
    @Test(arguments: files)
    func loadsOrIsRefused(file: String) throws {
        let path = Self.directory.appendingPathComponent(file).path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let reference = try Fixtures.system()
        let realDeployment = try Data(contentsOf: URL(fileURLWithPath: Fixtures.deploymentPath))
        var systems: [(SystemConfiguration, Data)] = []
        if let deployment = try? Deployment.load(data: data, name: file, hardware: reference.hardware) {
            systems.append((SystemConfiguration(hardware: reference.hardware, model: reference.model, deployment: deployment), data))
        }
        if let hardware = try? Hardware.load(data: data, name: file),
            let deployment = try? Deployment.load(data: realDeployment, name: "deployment", hardware: hardware)
        {
            systems.append((SystemConfiguration(hardware: hardware, model: reference.model, deployment: deployment), realDeployment))
        }
        if let model = try? ModelShape.load(data: data, name: file) {
            systems.append((SystemConfiguration(hardware: reference.hardware, model: model, deployment: reference.deployment), realDeployment))
        }
        for (system, servingData) in systems {
            do {
                try system.checkMemory(file: file)
                let serving = try ServingSystemParameters.load(deploymentData: servingData, name: file)
                let resolved = try ResolvedServingSystem(
                    system: system, serving: serving, settings: ServingDeploymentSettings(system: system, serving: serving))
                let d = resolved.system.deployment
                let step = DecodeCostModel(system: resolved.system).stepTime(
                    batchPerDie: d.decode.batchPerDie, meanKVLength: Double(d.decode.maxKVLengthTokens) / 2,
                    options: resolved.decodeOptions)
                _ = step.stepMicroseconds  // costing must not trap; its value is not the point here
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
    }

    /// The first crash: a 64-bit-overflowing maxKVLengthTokens trapped in the decode memory check.
    @Test func hugeIntegerIsRefusedWithItsField() throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent("deployment-max-kv-length-overflow.json"))
        let hardware = try Fixtures.system().hardware
        #expect {
            _ = try Deployment.load(data: data, name: "d.json", hardware: hardware)
        } throws: { error in
            let error = error as! ConfigError
            return error.path == "$.decode.maxKVLengthTokens.value" && error.reason.contains("at most")
        }
    }
}
