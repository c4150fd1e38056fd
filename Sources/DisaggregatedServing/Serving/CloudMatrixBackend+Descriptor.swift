import DiscreteEvent
import Serving
import SystemDescription
import CostModel

extension CloudMatrixBackend {
    /// Loads `configs/` and builds the backend for `settings` (from `ServingDeploymentSettings(system:serving:)`).
    public static func load(configsDirectory: String, deployment: String) throws(ConfigError)
        -> (system: SystemConfiguration, serving: ServingSystemParameters)
    {
        try load(configsDirectory: configsDirectory, deployment: deployment, files: ConfigFiles())
    }

    public var descriptor: BackendDescriptor {
        let s = settings
        let d = resolved.system.deployment
        let dies = resolved.system.hardware.diesPerPackage
        let prefillNPUs = s.phase == .decode ? 0 : s.prefillInstances * d.prefill.npus
        let decodeNPUs = s.phase == .prefill ? 0 : s.decodeInstances * d.decode.npus
        let npus = prefillNPUs + decodeNPUs
        // What the hardware file calls its package (`NPU` for the Ascend 910C, `GPU` for the H800).
        let kind = resolved.system.hardware.acceleratorKind
        var entries: [BackendDescriptor.ConfigurationEntry] = [
            .init("deployment", d.name),
            .init("phase", s.phase.rawValue),
            .init("prefill_instances", "\(s.prefillInstances) x \(d.prefill.npus) \(kind)s"),
            .init("decode_instances", "\(s.decodeInstances) x \(d.decode.npus) \(kind)s"),
            .init("decode_batch_per_die", "\(s.decodeBatchPerDie)"),
            .init("prefill_tokens_per_batch", "\(resolved.prefillTokenBudget)"),
            .init("kv_room_per_decode_die", "\(MemoryBudget.gb(resolved.kvCapacityBytesPerDecodeDie))"),
            .init("kv_bytes_per_token", "\(Int(resolved.kvBytesPerToken))"),
            .init("ems", s.emsEnabled ? "on" : "off"),
        ]
        if s.emsEnabled {
            entries.append(.init("ems_capacity", MemoryBudget.gb(s.emsCapacityBytes)))
            entries.append(.init("ems_link", s.emsLink.rawValue))
            entries.append(.init("ems_block_tokens", s.emsBlockTokens.map { "\($0)" } ?? "trace"))
        }
        entries += [
            .init("microbatching", s.microbatching == .whenFaster ? "auto" : s.microbatching.rawValue),
            .init("mtp", s.mtp.draftTokens > 0 ? "on (\(s.mtp.draftTokens) draft, acceptance \(s.mtp.acceptanceRate))" : "off"),
            .init("mtp_sampling", s.mtpSampling.rawValue),
            .init("precision", s.precision),
            .init("experts", s.expertBalance.rawValue),
        ]
        return BackendDescriptor(
            name: "cloudmatrix", acceleratorKind: kind, acceleratorCount: npus, dieCount: npus * dies, configuration: entries)
    }
}
