/// Hardware, model and an aggregated deployment loaded together and checked against each other:
/// what the iteration cost model and the aggregated backend take.
public struct AggregatedSystem: Sendable, Equatable {
    public var hardware: Hardware
    public var model: ModelShape
    public var deployment: AggregatedDeployment
    /// The deployment's draft model (EAGLE-3), loaded; nil without one.
    public var draftModel: ModelShape?

    public init(hardware: Hardware, model: ModelShape, deployment: AggregatedDeployment, draftModel: ModelShape? = nil) {
        self.hardware = hardware
        self.model = model
        self.deployment = deployment
        self.draftModel = draftModel
    }

    /// Loads the files of the standard layout `configs/{hardware,models,deployments}/<name>.json`
    /// (`name` may be a path to a deployment file, as for ``SystemConfiguration``), each read once
    /// through `files`, and cross-checks the names. `precision` replaces the file's precision;
    /// `model` (a file in `<dir>/models/`) the model it names, layout kept and checked.
    public static func load(
        configsDirectory dir: String, deployment name: String, precision: String? = nil, model modelName: String? = nil,
        files: ConfigFiles = ConfigFiles()
    ) throws(ConfigError) -> AggregatedSystem {
        let path = SystemConfiguration.deploymentPath(configsDirectory: dir, deployment: name)
        let data = try files.read(path, role: .deployment)
        let names = try ConfigFile.decode(Names.self, from: data, file: path)
        let hardwarePath = "\(dir)/hardware/\(names.hardware).json"
        let hw = try Hardware.load(path: hardwarePath, files: files)
        var dep = try AggregatedDeployment.load(data: data, name: path, hardware: hw)
        guard dep.hardwareName == hw.name else {
            throw ConfigError(
                .unknownName, file: path, path: "$.hardware",
                reason: "names hardware \"\(dep.hardwareName)\" but \(hardwarePath) describes \"\(hw.name)\"")
        }
        if let precision { dep.precisionName = precision }
        let modelPath = "\(dir)/models/\(modelName ?? names.model).json"
        let model = try ModelShape.load(path: modelPath, precision: dep.precisionName, files: files)
        if modelName != nil {
            dep.modelName = model.name
            // Drafts run the model's own MTP module: a replacement without one decodes without MTP.
            if model.mtpModules == 0 { dep.mtp = .off }
        }
        guard dep.modelName == model.name else {
            throw ConfigError(
                .unknownName, file: path, path: "$.model", reason: "names model \"\(dep.modelName)\" but \(modelPath) describes \"\(model.name)\"")
        }
        if let (field, reason) = model.problem(with: dep.layout) {
            throw ConfigError(.invalidValue, file: path, path: "$.layout.\(field).value", reason: reason)
        }
        var draft: ModelShape?
        if let d = dep.draftModel {
            draft = try ModelShape.load(path: "\(dir)/models/\(d.model).json", precision: d.precision, files: files)
            guard draft?.moe == nil, draft?.attention.groupedQuery != nil else {
                throw ConfigError(.invalidValue, file: path, path: "$.draftModel.model", reason: "a draft model must be dense with grouped-query attention (an EAGLE-3 head)")
            }
        } else if let reason = model.mtpProblem(draftTokens: dep.mtp.draftTokens) {
            // Without a draft model the drafts come from the model's own MTP module.
            throw ConfigError(.invalidValue, file: path, path: "$.mtp.draftTokens.value", reason: reason)
        }
        return AggregatedSystem(hardware: hw, model: model, deployment: dep, draftModel: draft)
    }

    private struct Names: Decodable { var hardware: String; var model: String }
}
