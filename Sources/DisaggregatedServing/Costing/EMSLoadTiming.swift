import SystemDescription

/// Seconds to bring cached KV from the EMS pool into a prefill instance, from the few numbers
/// it needs, copied out of the resolved system once.
///
/// Every die of a TP group needs the whole latent KV of its group's sequences (paper v3
/// §4.3.3: each TP rank holds a complete copy), so a die needs bytes × TP / dies. Over UB
/// each die reads its copy itself at the measured NPU–CPU read rate (the pool's DRAM is
/// spread over many nodes, so the die's port is the bottleneck). Over VPC each node fetches
/// what its dies need once through its Qingtian card and replicates it over UB locally
/// (replication not charged). Loading finishes before the batch computes.
///
/// A struct of its own so that a prefill batch reads a few doubles: reading them through the
/// backend's `resolved` made the compiler copy the whole backend (5.9 kB) once per batch.
struct EMSLoadTiming: Sendable {
    let link: ServingDeploymentSettings.CacheLink
    let ems: ServingSystemParameters.EMSParameters
    let kvBytesPerToken: Double
    let tensorParallelDies: Double
    let prefillDies: Double
    let diesPerNode: Double

    init?(_ resolved: ResolvedServingSystem) {
        guard let ems = resolved.serving.ems else { return nil }
        let p = resolved.system.deployment.prefill
        self.link = resolved.settings.emsLink
        self.ems = ems
        kvBytesPerToken = resolved.kvBytesPerToken
        tensorParallelDies = Double(p.attentionTensorParallelDies)
        prefillDies = Double(p.dies)
        diesPerNode = Double(resolved.system.hardware.diesPerNode)
    }

    /// The same arithmetic, in the same order, as the backend always used: bit for bit.
    func seconds(cachedTokens: Int) -> Double {
        let bytes = Double(cachedTokens) * kvBytesPerToken
        let perDie = bytes * tensorParallelDies / prefillDies
        switch link {
        case .ub:
            return ems.ubReadLatencySeconds + perDie / ems.ubReadBytesPerSecondPerDie
        case .vpc:
            let perNode = min(bytes, perDie * diesPerNode)
            return ems.vpcLatencySeconds + perNode / ems.vpcBytesPerSecondPerNode
        }
    }
}
