/// Hardware, model and deployment loaded together and checked against each other.
///
/// This is what the cost models take: the three files must name each other, the precision must
/// exist in the model file, and the decode and prefill dies must hold their weights, buffers
/// and KV.
public struct SystemConfiguration: Sendable, Equatable {
    public var hardware: Hardware
    public var model: ModelShape
    public var deployment: Deployment

    public init(hardware: Hardware, model: ModelShape, deployment: Deployment) {
        self.hardware = hardware
        self.model = model
        self.deployment = deployment
    }

    /// Loads the three files and cross-checks them; each is read once through `files`, which
    /// records its path and digest.
    /// With `replacesModel` the model file replaces the one the deployment names (its layout,
    /// precision and settings kept, every check run against the new model; MTP off when the new
    /// model has no MTP module).
    public static func load(
        hardwarePath: String, modelPath: String, deploymentPath: String, replacesModel: Bool = false, files: ConfigFiles = ConfigFiles()
    ) throws(ConfigError) -> SystemConfiguration {
        let hw = try Hardware.load(path: hardwarePath, files: files)
        var dep = try Deployment.load(path: deploymentPath, hardware: hw, files: files)
        guard dep.hardwareName == hw.name else {
            throw ConfigError(
                .unknownName, file: deploymentPath, path: "$.hardware",
                reason: "names hardware \"\(dep.hardwareName)\" but \(hardwarePath) describes \"\(hw.name)\"")
        }
        let model = try ModelShape.load(path: modelPath, precision: dep.precisionName, files: files)
        if replacesModel {
            dep.modelName = model.name
            // Drafts run the model's own MTP module: a replacement without one decodes without MTP.
            if model.mtpModules == 0 { dep.decode.mtp = .off }
        }
        guard dep.modelName == model.name else {
            throw ConfigError(
                .unknownName, file: deploymentPath, path: "$.model",
                reason: "names model \"\(dep.modelName)\" but \(modelPath) describes \"\(model.name)\"")
        }
        if let (path, reason) = model.problem(with: dep) { throw ConfigError(.invalidValue, file: deploymentPath, path: path, reason: reason) }
        let system = SystemConfiguration(hardware: hw, model: model, deployment: dep)
        try system.checkMemory(file: deploymentPath)
        return system
    }

    /// Loads the files of the standard layout `configs/{hardware,models,deployments}/<name>.json`,
    /// each read once through `files` (the deployment's names and its contents from one read).
    /// `name` may also be a path to a deployment file elsewhere (see ``deploymentPath(configsDirectory:deployment:)``);
    /// its hardware and model are still read from `dir`. `model`, when given, names a file in
    /// `<dir>/models/` that replaces the deployment's model (`--model`: the same layout for another
    /// model; the shape and memory checks decide whether it holds).
    public static func load(configsDirectory dir: String, deployment name: String, model: String? = nil, files: ConfigFiles = ConfigFiles())
        throws(ConfigError) -> SystemConfiguration
    {
        let depPath = deploymentPath(configsDirectory: dir, deployment: name)
        let peek = try ConfigFile.decode(NamesOnly.self, from: files.read(depPath, role: .deployment), file: depPath)
        return try load(
            hardwarePath: "\(dir)/hardware/\(peek.hardware).json", modelPath: "\(dir)/models/\(model ?? peek.model).json",
            deploymentPath: depPath, replacesModel: model != nil, files: files)
    }

    /// The file a deployment names: a value containing "/" or ending in ".json" is a path to a
    /// deployment file (one `cmbench plan` wrote, say), used as it is; any other is the name of a
    /// file in `<dir>/deployments/`.
    public static func deploymentPath(configsDirectory dir: String, deployment: String) -> String {
        deployment.contains("/") || deployment.hasSuffix(".json") ? deployment : "\(dir)/deployments/\(deployment).json"
    }

    /// Checks that decode (at its batch and longest context) and prefill fit in HBM.
    public func checkMemory(file: String) throws(ConfigError) {
        let d = deployment.decode
        do {
            try MemoryBudget.decode(model: model, deployment: d, hardware: hardware, batchPerDie: d.batchPerDie, kvLength: d.maxKVLengthTokens)
                .check(file: file, path: "$.decode", what: "decode at batch \(d.batchPerDie) per die and \(d.maxKVLengthTokens)-token context")
            let mtp = d.mtp.draftTokens > 0 ? model.mtpModules : 0
            try MemoryBudget.prefill(model: model, deployment: deployment.prefill, hardware: hardware, mtpLayers: mtp)
                .check(file: file, path: "$.prefill", what: "prefill at \(deployment.prefill.tokensPerNPU) tokens per NPU")
        } catch {
            guard model.moe == nil else { throw error }
            // The disaggregated layout shards nothing but experts: a dense model is whole on every die.
            var dense = error
            dense.reason += ". Model \(model.name) is dense: a disaggregated deployment (DP attention, experts over the dies) "
                + "holds all of its weights on every die, with no tensor parallelism; run it on an aggregated deployment with TP "
                + "(e.g. --backend aggregated --backend-option deployment=aggregated-910c-llama-3.1-70b)"
            throw dense
        }
    }

    private struct NamesOnly: Decodable { var hardware: String; var model: String }
}
