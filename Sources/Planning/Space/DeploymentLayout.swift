import SystemDescription
import DisaggregatedServing

/// Turns a `CandidateDeployment` into the deployment the backend runs, deriving what the
/// candidate leaves out from the base file's own rules, and checks it with the loaders'
/// validation (`SystemConfiguration.checkMemory`, `ResolvedServingSystem`).
///
/// **Expert layout** (routed experts R from the model file, D dies):
/// * decode, with the shared expert on dedicated dies as in the paper's EP320 (base file:
///   fewer shared copies than dies): shared copies scale with the dies (base ratio, at least
///   one); while R + copies ≤ D each die holds one expert and the spare dies hold redundant
///   experts (the base file's 256 + 32 + 32 = 320 comes out exactly). With fewer dies than
///   that, a die holds several experts, and then every die keeps a shared-expert copy (as the
///   GPU deployments do);
/// * decode with the shared expert on every die (the GPU files): ⌈R / D⌉ routed slots per die,
///   plus those the base file holds beyond its own ⌈R / D⌉, plus the shared expert; redundant
///   experts fill the spare routed slots (H100's 72 GPUs: 4 × 72 − 256 = 32, as the file; Kimi
///   K2 on 96 H200: (4 + 1) × 96 − 384 = 96, as the file);
/// * a model without a shared expert (Qwen3) places no copies: one routed expert per die with
///   redundant ones on the spare dies where the base file holds one expert per die, else
///   ⌈R / D⌉ per die;
/// * prefill: the model's shared experts on every die, ⌈R / D⌉ routed experts, and the base
///   file's redundant experts per die (CloudMatrix: 1 + 8 + 1 = 10 on 32 dies, as the file).
///   Attention's TP degree is the largest divisor of the dies that divides the base file's:
///   the file's degree where the dies allow it, all the dies of a smaller instance (each TP
///   rank holds the whole latent KV, so a wider group only multiplies the KV held).
///
/// Buffers (`maxTokensPerDieForBuffers`) follow from the batch as `ResolvedServingSystem` sizes
/// them (paper Eq. 2).
public enum DeploymentLayout {
    /// The system and settings for `candidate` in `phase`, or a `ConfigError` saying why it
    /// cannot run (most often: weights, buffers and KV exceed HBM).
    public static func resolve(
        _ candidate: CandidateDeployment, on system: PlanningSystem, phase: ServingDeploymentSettings.Phase = .full
    ) throws(ConfigError) -> ResolvedServingSystem {
        let (configuration, settings) = try configure(candidate, on: system, phase: phase)
        return try ResolvedServingSystem(system: configuration, serving: system.serving, settings: settings)
    }

    /// Why `candidate` cannot run (the loaders' words), or nil when it can.
    public static func problem(
        _ candidate: CandidateDeployment, on system: PlanningSystem, phase: ServingDeploymentSettings.Phase = .full
    ) -> String? {
        do { _ = try resolve(candidate, on: system, phase: phase) } catch { return error.reason }
        return nil
    }

    /// The configuration (deployment with the candidate's layout) and the what-if settings,
    /// checked against HBM.
    public static func configure(
        _ candidate: CandidateDeployment, on system: PlanningSystem, phase: ServingDeploymentSettings.Phase = .full
    ) throws(ConfigError) -> (SystemConfiguration, ServingDeploymentSettings) {
        let file = system.name
        guard let model = system.models[candidate.precision] else {
            let known = system.models.keys.sorted().joined(separator: ", ")
            throw ConfigError(.unknownName, file: file, path: "precision", reason: "no model loaded at precision '\(candidate.precision)' (loaded: \(known))")
        }
        for (name, value) in [
            ("prefill_instances", candidate.prefillInstances), ("prefill_npus", candidate.prefillNPUs),
            ("decode_instances", candidate.decodeInstances), ("decode_npus", candidate.decodeNPUs),
            ("decode_batch_per_die", candidate.decodeBatchPerDie),
        ] where value < 1 || value > FieldValidator.integerLimit {
            throw ConfigError(.invalidValue, file: file, path: name, reason: "must be between 1 and \(FieldValidator.integerLimit), got \(value)")
        }
        var configuration = system.base
        configuration.model = model
        let hardware = configuration.hardware
        let routed = model.routedExperts
        var deployment = configuration.deployment

        let base = system.base.deployment.decode
        var decode = deployment.decode
        let dies = candidate.decodeNPUs * hardware.diesPerPackage
        decode.npus = candidate.decodeNPUs
        decode.dies = dies
        decode.attentionDataParallelDies = dies
        decode.batchPerDie = candidate.decodeBatchPerDie
        // A model without a shared expert (Qwen3) places no copies; one with (DeepSeek, Kimi K2)
        // follows the base file's placement.
        let hasShared = model.sharedExperts > 0
        if !hasShared {
            decode.sharedExpertCopies = 0
        } else if base.sharedExpertOnEveryDie {
            decode.sharedExpertCopies = dies
        } else {
            let scaled = Int((Double(base.sharedExpertCopies) * Double(dies) / Double(base.dies)).rounded())
            decode.sharedExpertCopies = max(1, scaled)
        }
        let oneExpertPerDie = hasShared ? !decode.sharedExpertOnEveryDie : base.expertsPerDie == 1
        // The routed slots per die the base file holds beyond ⌈R / D⌉ (SGLang's K2 decode: 5 for
        // 384 experts on 96 GPUs, i.e. 96 redundant), kept at every size.
        let baseShared = base.sharedExpertOnEveryDie && hasShared ? 1 : 0
        let extraPerDie = max(0, base.expertsPerDie - baseShared - (routed + base.dies - 1) / base.dies)
        if oneExpertPerDie && routed + decode.sharedExpertCopies <= dies {
            decode.expertsPerDie = 1
            decode.redundantExperts = dies - routed - decode.sharedExpertCopies
        } else {
            let routedPerDie = (routed + dies - 1) / dies + extraPerDie
            decode.sharedExpertCopies = hasShared ? dies : 0
            decode.expertsPerDie = routedPerDie + (hasShared ? 1 : 0)
            decode.redundantExperts = routedPerDie * dies - routed
        }
        deployment.decode = decode

        let basePrefill = system.base.deployment.prefill
        var prefill = deployment.prefill
        let prefillDies = candidate.prefillNPUs * hardware.diesPerPackage
        let baseRoutedPerDie = (routed + basePrefill.dies - 1) / basePrefill.dies
        let sharedPerDie = model.sharedExperts
        let redundantPerDie = max(0, basePrefill.expertsPerDie - sharedPerDie - baseRoutedPerDie)
        prefill.npus = candidate.prefillNPUs
        prefill.dies = prefillDies
        prefill.expertParallelDies = prefillDies
        prefill.expertsPerDie = sharedPerDie + (routed + prefillDies - 1) / prefillDies + redundantPerDie
        prefill.attentionTensorParallelDies = greatestCommonDivisor(prefillDies, basePrefill.attentionTensorParallelDies)
        deployment.prefill = prefill
        deployment.prefillInstances = candidate.prefillInstances
        deployment.decodeInstances = candidate.decodeInstances
        deployment.precisionName = candidate.precision
        deployment.decode.mtp = mtpSettings(candidate.mtp, base: base.mtp)
        if let reason = model.mtpProblem(draftTokens: deployment.decode.mtp.draftTokens) {
            throw ConfigError(.invalidValue, file: file, path: "mtp", reason: reason)
        }
        // Paper v3 Eq. 2, as `ResolvedServingSystem` sizes the buffers for the batch.
        deployment.decode.maxTokensPerDieForBuffers =
            candidate.decodeBatchPerDie * (1 + deployment.decode.mtp.draftTokens) * min(model.expertsPerToken, deployment.decode.expertsPerDie)
        configuration.deployment = deployment

        var settings = ServingDeploymentSettings(system: configuration, serving: system.serving)
        settings.phase = phase
        settings.microbatching = candidate.microbatching
        settings.mtp = deployment.decode.mtp
        settings.precision = candidate.precision
        if let gb = candidate.emsCapacityGB {
            guard system.serving.ems != nil else {
                throw ConfigError(.invalidValue, file: file, path: "ems_capacity_gb", reason: "the deployment has no EMS pool (no servingSystem.ems section)")
            }
            guard gb >= 0, gb.isFinite else {
                throw ConfigError(.invalidValue, file: file, path: "ems_capacity_gb", reason: "must be a non-negative number, got \(gb)")
            }
            settings.emsCapacityBytes = gb * 1e9
        }
        // The loaders' checks: decode at its batch and longest context, and prefill, in HBM.
        var checked = configuration
        if phase == .decode { checked.deployment.prefill = system.base.deployment.prefill }
        try checked.checkMemory(file: file)
        return (configuration, settings)
    }

    /// MTP on keeps the base file's drafts and acceptance (one draft if the file has none, at
    /// its acceptance), as `--backend-option mtp=on` does.
    static func mtpSettings(_ on: Bool, base: MTPSettings) -> MTPSettings {
        guard on else { return .off }
        var settings = base
        if settings.draftTokens == 0 { settings.draftTokens = 1 }
        return settings
    }
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

extension DeploymentLayout {
    /// The edits that turn `system`'s deployment file into `candidate`'s: every knob the plan
    /// sets and every value the layout derives, each with `source` (what chose it). Given to
    /// `DeploymentRewriter`, the file replays to the same metrics as the plan's evaluation.
    public static func edits(
        _ candidate: CandidateDeployment, on system: PlanningSystem, phase: ServingDeploymentSettings.Phase = .full,
        source: String
    ) throws(ConfigError) -> [DeploymentEdit] {
        let (configuration, settings) = try configure(candidate, on: system, phase: phase)
        let d = configuration.deployment
        func count(_ path: [String], _ value: Int, _ why: String) -> DeploymentEdit {
            DeploymentEdit(path: path, value: .integer(value), source: "\(source): \(why)")
        }
        var edits = [
            count(["prefillInstances"], d.prefillInstances, "prefill instances"),
            count(["decodeInstances"], d.decodeInstances, "decode instances"),
            count(["decode", "npus"], d.decode.npus, "NPUs of a decode instance"),
            count(["decode", "attentionDataParallelDies"], d.decode.attentionDataParallelDies, "DP attention, one rank per die"),
            count(["decode", "sharedExpertCopies"], d.decode.sharedExpertCopies, "layout rule (DeploymentLayout)"),
            count(["decode", "redundantExperts"], d.decode.redundantExperts, "layout rule: spare expert slots hold redundant copies"),
            count(["decode", "expertsPerDie"], d.decode.expertsPerDie, "layout rule (DeploymentLayout)"),
            count(["decode", "batchPerDie"], d.decode.batchPerDie, "batch cap per decode die"),
            count(["decode", "maxTokensPerDieForBuffers"], d.decode.maxTokensPerDieForBuffers, "paper v3 Eq. 2 at the batch"),
            DeploymentEdit(
                path: ["decode", "microbatching", "enabled"], value: .bool(settings.microbatching != .never),
                source: "\(source): microbatching"),
            DeploymentEdit(
                path: ["decode", "microbatching", "policy"], value: .text(settings.microbatching.rawValue),
                source: "\(source): microbatching policy"),
            count(["decode", "mtp", "draftTokens"], settings.mtp.draftTokens, "MTP \(candidate.mtp ? "on" : "off")"),
            count(["prefill", "npus"], d.prefill.npus, "NPUs of a prefill instance"),
            count(["prefill", "expertParallelDies"], d.prefill.expertParallelDies, "EP over the instance's dies"),
            count(["prefill", "expertsPerDie"], d.prefill.expertsPerDie, "layout rule (DeploymentLayout)"),
            count(["prefill", "attentionTensorParallelDies"], d.prefill.attentionTensorParallelDies, "layout rule (DeploymentLayout)"),
            DeploymentEdit(path: ["precision"], value: .text(candidate.precision), source: "\(source): precision"),
        ]
        if let gb = candidate.emsCapacityGB {
            edits.append(DeploymentEdit(path: ["servingSystem", "ems", "capacityGB"], value: .number(gb), source: "\(source): EMS pool capacity"))
        }
        return edits
    }
}
