import DiscreteEvent
import Serving
import SystemDescription
import CostModel

extension CloudMatrixBackend {
    /// Loads `configs/` (hardware, model at the requested precision, deployment and its
    /// `servingSystem` section), applies `configure` to the file defaults, and builds the
    /// backend with its random stream split from `seed`. Each file is read once through `files`,
    /// which records its path and digest.
    public static func make(
        configsDirectory: String = "configs", deployment: String = "cloudmatrix-infer", seed: UInt64 = 0,
        precision: String? = nil, model: String? = nil, files: ConfigFiles = ConfigFiles(),
        configure: (inout ServingDeploymentSettings) -> Void = { _ in }
    ) throws(ConfigError) -> CloudMatrixBackend {
        var (system, serving) = try load(configsDirectory: configsDirectory, deployment: deployment, model: model, files: files)
        if let precision, precision != system.model.precision.name {
            system.model = try ModelShape.load(
                path: "\(configsDirectory)/models/\(system.deployment.modelName).json", precision: precision, files: files)
        }
        var settings = ServingDeploymentSettings(system: system, serving: serving)
        configure(&settings)
        // A what-if may switch MTP on (`mtp=on`): only for a model that has the module.
        if let reason = system.model.mtpProblem(draftTokens: settings.mtp.draftTokens) {
            throw ConfigError(.invalidValue, file: SystemConfiguration.deploymentPath(configsDirectory: configsDirectory, deployment: deployment), path: "mtp", reason: reason)
        }
        settings.precision = system.model.precision.name
        let resolved = try ResolvedServingSystem(system: system, serving: serving, settings: settings)
        return CloudMatrixBackend(resolved, generator: SeededGenerator(seed: seed).split("backend.cloudmatrix"))
    }

    /// Loads `configs/` as ``load(configsDirectory:deployment:)`` does, reading each file once
    /// through `files` (the deployment's sections are parsed from one read), which records its
    /// path and digest.
    public static func load(configsDirectory: String, deployment: String, model: String? = nil, files: ConfigFiles) throws(ConfigError)
        -> (system: SystemConfiguration, serving: ServingSystemParameters)
    {
        let system = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: deployment, model: model, files: files)
        let serving = try ServingSystemParameters.load(
            deploymentPath: SystemConfiguration.deploymentPath(configsDirectory: configsDirectory, deployment: deployment), files: files)
        return (system, serving)
    }

    /// `cloudmatrix`: CloudMatrix-Infer from `configs/`, with what-if parameters:
    ///
    /// | key | values | default |
    /// |---|---|---|
    /// | `configs` | directory | `configs` |
    /// | `deployment` | deployment file name in `configs/deployments/`, or a path to a deployment file (contains `/` or ends in `.json`; its hardware and model still come from `configs`) | `cloudmatrix-infer` |
    /// | `model` | a model file name in `configs/models/`: replaces the deployment's model, layout kept, MTP off for a model without an MTP module (refused when its shapes or memory do not fit the layout) | the deployment's |
    /// | `prefill_instances`, `decode_instances` | positive integers | the deployment's (6, 1) |
    /// | `decode_batch_per_die` | batch cap per decode die | the deployment's (48) |
    /// | `phase` | `full`, `decode` (KV ready at decode), `prefill` (leave after the first token) | `full` |
    /// | `ems` | `on`, `off` | `on` |
    /// | `ems_capacity_gb` | pool capacity, GB | `servingSystem.ems.capacityGB`, else pool nodes × DRAM × share |
    /// | `ems_link` | `ub`, `vpc` | `ub` |
    /// | `ems_block_tokens` | EMS page size in tokens: a stored block takes whole pages | one page per trace block |
    /// | `microbatching` | `always`, `never`, `auto` | the deployment's (`auto`) |
    /// | `mtp` | `on`, `off` (`on` with no draft in the file adds one) | the deployment's (`on`) |
    /// | `mtp_acceptance` | in [0, 1] | the deployment's (0.7) |
    /// | `mtp_sampling` | `expected`, `sampled` | `expected` |
    /// | `precision` | `int8`, `bf16` (or a model-file precision name) | the deployment's (`int8`) |
    /// | `experts` | `perfect`, `default`, `random` | the deployment's (`default`) |
    ///
    /// Every other key is refused. `factory.entry` is the registry's entry; a caller that keeps
    /// `factory` itself builds a `CloudMatrixBackend` and gets a specialised replay loop.
    public static let factory = BackendFactory<CloudMatrixBackend>(
        name: "cloudmatrix",
        summary: "CloudMatrix-Infer (paper 2506.12708): peer-to-peer prefill/decode with the EMS context cache, from configs/"
    ) { parameters throws(BackendConfigurationError) in
        try fromParameters(&parameters)
    }

    static func fromParameters(_ p: inout BackendParameters) throws(BackendConfigurationError) -> CloudMatrixBackend {
        func fail(_ key: String?, _ message: String) -> BackendConfigurationError {
            BackendConfigurationError(backend: "cloudmatrix", key: key, message: message)
        }
        let configs = p.text("configs") ?? "configs"
        let deployment = p.text("deployment") ?? "cloudmatrix-infer"
        let model = p.text("model")
        let prefillInstances = try p.positiveInteger("prefill_instances", default: nil)
        let decodeInstances = try p.positiveInteger("decode_instances", default: nil)
        let batchCap = try p.positiveInteger("decode_batch_per_die", default: nil)
        let phase = try p.choice("phase", Dictionary(uniqueKeysWithValues: ServingDeploymentSettings.Phase.allCases.map { ($0.rawValue, $0) }))
        let ems = try p.onOff("ems")
        let capacityGB = try p.number("ems_capacity_gb", default: nil)
        if let capacityGB, capacityGB < 0 { throw fail("ems_capacity_gb", "must not be negative, got \(capacityGB)") }
        let link = try p.choice("ems_link", ["ub": ServingDeploymentSettings.CacheLink.ub, "vpc": .vpc])
        let blockTokens = try p.positiveInteger("ems_block_tokens", default: nil)
        let microbatching = try p.choice(
            "microbatching", ["always": MicrobatchPolicy.always, "never": .never, "auto": .whenFaster])
        let mtp = try p.onOff("mtp")
        let acceptance = try p.number("mtp_acceptance", default: nil)
        if let acceptance, !(0...1).contains(acceptance) { throw fail("mtp_acceptance", "must be in [0, 1], got \(acceptance)") }
        let sampling = try p.choice("mtp_sampling", ["expected": ServingDeploymentSettings.MTPSampling.expected, "sampled": .sampled])
        var precision = p.text("precision")
        if precision == "int8" { precision = "int8-w8a8" }
        let experts = try p.choice("experts", ["perfect": ExpertBalance.perfect, "default": .default, "random": .random])
        let backend: CloudMatrixBackend
        // Each file is read once; its path and digest go into every output of the run.
        let files = ConfigFiles()
        do {
            backend = try make(configsDirectory: configs, deployment: deployment, seed: p.seed, precision: precision, model: model, files: files) { s in
                if let prefillInstances { s.prefillInstances = prefillInstances }
                if let decodeInstances { s.decodeInstances = decodeInstances }
                if let batchCap { s.decodeBatchPerDie = batchCap }
                if let phase { s.phase = phase }
                if let ems { s.emsEnabled = ems }
                if let capacityGB { s.emsCapacityBytes = capacityGB * 1e9 }
                if let link { s.emsLink = link }
                if let blockTokens { s.emsBlockTokens = blockTokens }
                if let microbatching { s.microbatching = microbatching }
                if let mtp, !mtp { s.mtp = .off }
                if let mtp, mtp, s.mtp.draftTokens == 0 { s.mtp.draftTokens = 1 }
                if let acceptance { s.mtp.acceptanceRate = acceptance }
                if let sampling { s.mtpSampling = sampling }
                if let experts { s.expertBalance = experts }
            }
        } catch {
            // An option is to blame when the error names it: the precision option naming one the
            // model file lacks, or a what-if count (its path is the option's key, not a JSON
            // path). Otherwise a file is: keep its error, so a missing or invalid file is reported
            // as it is by explain and reproduce.
            if error.code == .unknownName && error.path == "$.precisions" { throw fail("precision", "\(error)") }
            if !error.path.hasPrefix("$") { throw fail(error.path, error.reason) }
            throw BackendConfigurationError(backend: "cloudmatrix", key: nil, message: "\(error)", cause: error)
        }
        if backend.resolved.serving.ems == nil {
            // Options about a pool the deployment does not have are refused rather than ignored.
            let asked: [String?] = [ems == true ? "ems" : nil, capacityGB != nil ? "ems_capacity_gb" : nil,
                                    link != nil ? "ems_link" : nil, blockTokens != nil ? "ems_block_tokens" : nil]
            if let key = asked.compactMap({ $0 }).first {
                throw fail(key, "deployment '\(deployment)' has no EMS pool (no servingSystem.ems section in its file)")
            }
        }
        for file in files.digests { p.record(file) }
        return backend
    }
}
