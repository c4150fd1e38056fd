// libFuzzer target: any bytes, read as a hardware, a model and a deployment file (each loader
// tries them), then combined with the shipped CloudMatrix files the way `cmbench` combines them:
// cross-checked, memory-checked, resolved for serving and costed at the deployment's own batch.
// Every step must return a value or throw a ConfigError — never crash or trap on an overflow.
// Reads the reference files from configs/ (ci/fuzz.sh runs from the package root).
import CostModel
import DisaggregatedServing
import SystemDescription
import Foundation

enum Reference {
    static let hardwareData = file("configs/hardware/ascend-910c.json")
    static let modelData = file("configs/models/deepseek-r1.json")
    static let deploymentData = file("configs/deployments/cloudmatrix-infer.json")
    static let hardware = try! Hardware.load(data: hardwareData, name: "hardware")
    static let model = try! ModelShape.load(data: modelData, name: "model")
    static let system = SystemConfiguration(
        hardware: hardware, model: model, deployment: try! Deployment.load(data: deploymentData, name: "deployment", hardware: hardware))
    // The GPU pairing: a deployment names its hardware, so GPU deployment bytes are only
    // exercised against GPU hardware (and GPU hardware bytes against a GPU deployment).
    static let gpuHardwareData = file("configs/hardware/h800.json")
    static let gpuDeploymentData = file("configs/deployments/deepseek-h800.json")
    static let gpuHardware = try! Hardware.load(data: gpuHardwareData, name: "gpu hardware")
    static let gpuModel = try! ModelShape.load(data: modelData, name: "model", precision: "fp8-w8a8")

    static func file(_ path: String) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            fatalError("FuzzConfigLoader: run from the package root (cannot read \(path))")
        }
        return data
    }
}

/// Cross-checks, memory-checks, resolves and costs one combination.
func exercise(_ system: SystemConfiguration, servingData: Data) throws(ConfigError) {
    try system.checkMemory(file: "fuzz")
    let serving = try ServingSystemParameters.load(deploymentData: servingData, name: "fuzz")
    let settings = ServingDeploymentSettings(system: system, serving: serving)
    let resolved = try ResolvedServingSystem(system: system, serving: serving, settings: settings)
    let d = resolved.system.deployment
    let decode = DecodeCostModel(system: resolved.system).stepTime(
        batchPerDie: d.decode.batchPerDie, meanKVLength: Double(d.decode.maxKVLengthTokens) / 2, options: resolved.decodeOptions)
    let prefill = PrefillCostModel(system: resolved.system).batchTime(
        tokensPerNPU: d.prefill.tokensPerNPU, promptLength: d.prefill.promptLength, options: resolved.prefillOptions)
    _ = "\(decode) \(prefill)"
}

/// Runs one combination; a ConfigError is an answer, and its description must render.
func attempt(_ body: () throws(ConfigError) -> Void) {
    do { try body() } catch { _ = error.description }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let reference = Reference.system
    // The bytes as a hardware file, with the CloudMatrix and with the GPU deployment.
    for (deploymentData, model) in [(Reference.deploymentData, reference.model), (Reference.gpuDeploymentData, Reference.gpuModel)] {
        attempt { () throws(ConfigError) in
            let hardware = try Hardware.load(data: bytes, name: "fuzz")
            let deployment = try Deployment.load(data: deploymentData, name: "deployment", hardware: hardware)
            try exercise(SystemConfiguration(hardware: hardware, model: model, deployment: deployment), servingData: deploymentData)
        }
    }
    // As a model file.
    attempt { () throws(ConfigError) in
        var system = reference
        system.model = try ModelShape.load(data: bytes, name: "fuzz")
        try exercise(system, servingData: Reference.deploymentData)
    }
    // As a deployment file, on the CloudMatrix and on the GPU hardware (a deployment names its own).
    for (hardware, model) in [(reference.hardware, reference.model), (Reference.gpuHardware, Reference.gpuModel)] {
        attempt { () throws(ConfigError) in
            let deployment = try Deployment.load(data: bytes, name: "fuzz", hardware: hardware)
            try exercise(SystemConfiguration(hardware: hardware, model: model, deployment: deployment), servingData: bytes)
        }
    }
    return 0
}
