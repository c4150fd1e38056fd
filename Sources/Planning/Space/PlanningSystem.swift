import SystemDescription

/// One system the planner may deploy: a deployment file's hardware, model and serving
/// parameters, loaded and validated by the caller (the planner reads no files).
///
/// `models` holds the model at each precision the search may try (the base's included), keyed
/// by the model file's precision name.
public struct PlanningSystem: Sendable {
    /// The deployment file's name (`cloudmatrix-infer`): what `--systems` names.
    public var name: String
    public var base: SystemConfiguration
    public var serving: ServingSystemParameters
    public var models: [String: ModelShape]

    public init(name: String, base: SystemConfiguration, serving: ServingSystemParameters, models: [String: ModelShape] = [:]) {
        self.name = name
        self.base = base
        self.serving = serving
        var all = models
        all[base.model.precision.name] = base.model
        self.models = all
    }

    /// The hardware file's name (what `--price` keys on).
    public var hardwareName: String { base.hardware.name }
    public var basePrecision: String { base.model.precision.name }
}
