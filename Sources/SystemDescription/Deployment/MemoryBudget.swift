/// What one die must hold in HBM, by item, in bytes.
///
/// Used to reject deployments that cannot run (weights + communication buffers + KV larger
/// than HBM) and, later, to size the KV room a decode rank has for admission.
public struct MemoryBudget: Sendable, Equatable {
    public var items: [(name: String, bytes: Double)]
    public var capacityBytes: Double

    public var totalBytes: Double { items.reduce(0) { $0 + $1.bytes } }
    public var headroomBytes: Double { capacityBytes - totalBytes }

    public static func == (a: MemoryBudget, b: MemoryBudget) -> Bool {
        a.capacityBytes == b.capacityBytes && a.items.map(\.name) == b.items.map(\.name)
            && a.items.map(\.bytes) == b.items.map(\.bytes)
    }

    /// A decode die: DP attention (full attention weights), its expert slots, dense FFNs,
    /// embedding and head, the MTP module, the static dispatch/combine buffers (paper Eq. 1–2)
    /// and the KV of `batchPerDie` requests of `kvLength` tokens.
    public static func decode(
        model m: ModelShape, deployment d: DecodeDeployment, hardware hw: Hardware, batchPerDie: Int, kvLength: Int
    ) -> MemoryBudget {
        let w = Double(m.precision.linearWeightBytes)
        let mtpLayers = d.mtp.draftTokens > 0 ? m.mtpModules : 0
        let attnLayers = Double(m.layers + mtpLayers)
        let moeLayers = Double(m.moeLayers + mtpLayers)
        let maxTokens = Double(d.maxTokensPerDieForBuffers)
        return MemoryBudget(
            items: [
                ("attention weights", Double(m.attentionParams) * w * attnLayers),
                ("dense FFN weights", Double(m.denseFFNParams) * w * Double(m.denseLayers)),
                ("expert weights", Double(d.expertsPerDie) * Double(m.expertParams) * w * moeLayers),
                ("router weights", Double(m.routerParams * m.precision.routerBytes) * moeLayers),
                ("embedding and LM head", 2 * Double(m.headParams * m.precision.embeddingAndHeadBytes)),
                ("MTP projection", Double(m.mtpProjectionParams) * w * Double(mtpLayers)),
                ("dispatch buffer", Double(d.dies) * maxTokens * Double(m.dispatchMessageBytes)),
                ("combine buffer", Double(d.dies) * maxTokens * Double(m.combineMessageBytes)),
                ("KV cache", Double(batchPerDie) * Double(kvLength) * Double(m.kvElementsPerTokenPerLayer * m.precision.kvCacheBytes) * attnLayers),
            ],
            capacityBytes: hw.die.hbmCapacityBytes)
    }

    /// A prefill die: SP attention weights with the up-projections split over the TP group,
    /// its expert slots, and the KV of its TP group's tokens (every TP rank holds a full copy of
    /// the single-latent-head cache, paper §4.3.3).
    public static func prefill(model m: ModelShape, deployment p: PrefillDeployment, hardware hw: Hardware, mtpLayers: Int)
        -> MemoryBudget
    {
        let w = Double(m.precision.linearWeightBytes)
        let tp = Double(p.attentionTensorParallelDies)
        let attn: Double
        switch m.attention {
        case .multiHeadLatent(let a):
            // SP-TP-SP: down- and output projections whole on every die, the up-projections split.
            attn = Double(a.qDownParams(hidden: m.hidden) + a.kvDownParams(hidden: m.hidden) + a.outProjParams(hidden: m.hidden))
                + Double(a.qUpParams + a.kvUpParams) / tp
        case .groupedQuery:
            attn = m.attention.parametersPerDie(hidden: m.hidden, tensorParallel: p.attentionTensorParallelDies)
        }
        let layers = Double(m.layers + mtpLayers)
        let tokensPerDie = Double(p.tokensPerNPU) / Double(hw.diesPerPackage)
        return MemoryBudget(
            items: [
                ("attention weights", attn * w * layers),
                ("dense FFN weights", Double(m.denseFFNParams) * w * Double(m.denseLayers)),
                ("expert weights", Double(p.expertsPerDie) * Double(m.expertParams) * w * Double(m.moeLayers + mtpLayers)),
                ("embedding and LM head", 2 * Double(m.headParams * m.precision.embeddingAndHeadBytes)),
                ("KV cache", tokensPerDie * tp * Double(m.attention.kvElementsPerTokenPerLayer(tensorParallel: p.attentionTensorParallelDies) * m.precision.kvCacheBytes) * layers),
            ],
            capacityBytes: hw.die.hbmCapacityBytes)
    }

    /// Throws `doesNotFit`, saying by how much, when the items exceed HBM.
    public func check(file: String, path: String, what: String) throws(ConfigError) {
        guard headroomBytes < 0 else { return }
        let list = items.map { "\($0.name) \(Self.gb($0.bytes))" }.joined(separator: ", ")
        throw ConfigError(
            .doesNotFit, file: file, path: path,
            reason: "\(what) needs \(Self.gb(totalBytes)) per die but HBM holds \(Self.gb(capacityBytes)): over by \(Self.gb(-headroomBytes)) (\(list)); lower the batch or context, or use more dies")
    }

    package static func gb(_ bytes: Double) -> String {
        let v = (bytes / 1e9 * 100).rounded() / 100
        return "\(v) GB"
    }
}
