extension ParallelLayout {
    /// Layers of each kind on each pipeline stage for a model of `layers` layers, the first
    /// `denseLayers` dense, with `mtpLayers` MTP layers on the last stage: `layers / pp` each, the
    /// remainder one each to the stages before the last (vLLM's `get_pp_indices`,
    /// vllm/distributed/utils.py, which keeps the last stage, holding the LM head, lighter).
    public func stageLayers(layers: Int, denseLayers: Int, mtpLayers: Int) -> [(dense: Int, moe: Int, mtp: Int)] {
        let pp = max(1, pipelineParallel)
        var sizes = Array(repeating: layers / pp, count: pp)
        let remainder = layers % pp
        if remainder > 0 { for i in 2...(remainder + 1) { sizes[pp - i] += 1 } }
        var start = 0
        return sizes.enumerated().map { s, size in
            let dense = max(0, min(start + size, denseLayers) - start)
            start += size
            return (dense, size - dense, s == pp - 1 ? mtpLayers : 0)
        }
    }

    /// Dies that split each routed expert's intermediate dimension: the stage's dies beyond the
    /// EP group (TP-sharded experts; with EP 1, every die of the stage holds a slice of every expert).
    public var expertShards: Int { max(1, diesPerStage / max(1, expertParallel)) }
}

extension AggregatedDeployment {
    /// Routed-expert slots of a stage: the model's routed experts plus the redundant copies.
    public func routedSlots(model m: ModelShape) -> Int { m.routedExperts + max(0, redundantExperts) }
    /// Routed-expert slots on the fullest die (the EP group spreads the slots; the ceiling).
    public func routedSlotsPerDie(model m: ModelShape) -> Int {
        let ep = max(1, layout.expertParallel)
        return (routedSlots(model: m) + ep - 1) / ep
    }
    /// MTP layers the engine holds: the model's module when drafts are on.
    public func mtpLayersHeld(model m: ModelShape) -> Int { mtp.draftTokens > 0 ? m.mtpModules : 0 }
}

/// What each die of an aggregated replica holds, stage by stage, and the KV cache left to it.
///
/// Per die: the weights of its stage's layers for the layout, the workspace, then the KV cache
/// by the engine's rule (`KVMemoryShare`). The KV of a request lives on every die of its
/// attention rank's TP group (MLA caches one latent head, which TP cannot split: vLLM and
/// TensorRT-LLM replicate it), so a rank's capacity is one die's.
public struct AggregatedMemoryBudget: Sendable, Equatable {
    public struct Stage: Sendable, Equatable {
        /// Weights, workspace and the KV cache, in bytes per die.
        public var budget: MemoryBudget
        /// Bytes of HBM the KV cache gets (negative: the weights and workspace do not fit).
        public var kvCacheBytes: Double
        /// KV bytes per token on one die: latent elements × KV bytes × this stage's layers.
        public var kvBytesPerToken: Double
        /// Weights and workspace, the part that does not depend on the KV rule.
        public var fixedBytes: Double
    }

    public var stages: [Stage]
    public var share: KVMemoryShare
    public var hbmBytes: Double

    /// Whole KV blocks of `blockTokens` tokens one attention rank can hold: what the most
    /// constrained stage can hold (every stage caches every token of the rank's requests).
    public func kvBlocksPerRank(blockTokens: Int) -> Int {
        stages.map { stage in
            guard stage.kvCacheBytes > 0, stage.kvBytesPerToken > 0 else { return 0 }
            return Int((stage.kvCacheBytes / (Double(max(1, blockTokens)) * stage.kvBytesPerToken)).rounded(.down))
        }.min() ?? 0
    }

    /// The most HBM the engine lets the weights, workspace and KV cache take on a die:
    /// `usableFraction` × HBM (vLLM), the whole HBM (TensorRT-LLM sizes the cache from what is free).
    public var allowedBytes: Double { share.kvFractionOfFree ? hbmBytes : share.usableFraction * hbmBytes }

    /// Throws `doesNotFit` when a stage's weights and workspace leave no room for KV.
    public func check(file: String, path: String, what: String) throws(ConfigError) {
        for (s, stage) in stages.enumerated() where stage.kvCacheBytes <= 0 {
            let items = stage.budget.items.filter { $0.name != "KV cache" }
            let list = items.map { "\($0.name) \(MemoryBudget.gb($0.bytes))" }.joined(separator: ", ")
            let limit = share.kvFractionOfFree ? "HBM" : "\(share.usableFraction) of HBM"
            throw ConfigError(
                .doesNotFit, file: file, path: path,
                reason: "\(what)\(stages.count > 1 ? " (pipeline stage \(s))" : "") needs \(MemoryBudget.gb(stage.fixedBytes)) per die before any KV cache but may use \(MemoryBudget.gb(allowedBytes)) (\(limit)) (\(list)); use more tensor, expert or pipeline parallelism, a smaller weight precision or less workspace")
        }
    }
}

extension MemoryBudget {
    /// Each pipeline stage of an aggregated replica, per die: attention weights
    /// (`AttentionShape.parametersPerDie`: MLA's q_a/kv_a replicated, q_b, kv_b and o_proj split
    /// over the TP group, as vLLM's `DeepseekV2MLAAttention` builds them; GQA's heads split, KV
    /// heads replicated when TP exceeds them), dense FFNs
    /// / TP, routed experts spread over EP with the redundant copies (slices of every expert
    /// when EP leaves dies over), shared experts / TP, the router, the embedding on the first
    /// stage and the LM head on the last (vocabulary-parallel / TP), the MTP module on the last;
    /// the workspace; and the KV cache from `KVMemoryShare`.
    public static func aggregated(model m: ModelShape, deployment d: AggregatedDeployment, hardware hw: Hardware, draftModel draft: ModelShape? = nil)
        -> AggregatedMemoryBudget
    {
        let p = m.precision
        let w = Double(p.linearWeightBytes), fw = p.ffnWeightBytesPerElement
        let tp = Double(max(1, d.layout.tensorParallel))
        let mtp = d.mtpLayersHeld(model: m)
        let stages = d.layout.stageLayers(layers: m.layers, denseLayers: m.denseLayers, mtpLayers: mtp)
        let attention = m.attention.parametersPerDie(hidden: m.hidden, tensorParallel: d.layout.tensorParallel)
        let routedPerLayer = Double(d.routedSlotsPerDie(model: m)) * Double(m.expertParams) / Double(d.layout.expertShards) * fw
        let sharedPerLayer = Double(m.sharedExperts * m.expertParams) / tp * fw
        let head = Double(m.headParams * p.embeddingAndHeadBytes) / tp
        let kvPerTokenPerLayer = Double(m.attention.kvElementsPerTokenPerLayer(tensorParallel: d.layout.tensorParallel) * p.kvCacheBytes)
        let hbm = hw.die.hbmCapacityBytes
        let share = d.memory
        // A draft model (EAGLE-3) on the last stage, whole on every die of the rank: its layers,
        // its fc and its LM head (the embedding is the target's); its own one-layer KV cache.
        let draftWeights = draft.map { g in
            Double(g.layers * g.attentionParams + g.denseLayers * g.denseFFNParams + g.draftProjectionParams) * Double(g.precision.linearWeightBytes)
                + Double(g.headParams * g.precision.embeddingAndHeadBytes)
        } ?? 0
        let draftKVPerToken = draft.map { Double($0.layers * $0.kvElementsPerTokenPerLayer * $0.precision.kvCacheBytes) } ?? 0
        return AggregatedMemoryBudget(
            stages: stages.enumerated().map { s, c in
                let attnLayers = Double(c.dense + c.moe + c.mtp), moeLayers = Double(c.moe + c.mtp)
                var items: [(name: String, bytes: Double)] = [
                    ("attention weights", attention * w * attnLayers),
                    ("dense FFN weights", Double(m.denseFFNParams) / tp * fw * Double(c.dense)),
                    ("routed expert weights", routedPerLayer * moeLayers),
                    ("shared expert weights", sharedPerLayer * moeLayers),
                    ("router weights", Double(m.routerParams * p.routerBytes) * moeLayers),
                    ("embedding", s == 0 ? head : 0),
                    ("LM head", s == stages.count - 1 ? head : 0),
                    ("MTP projection", Double(m.mtpProjectionParams) * w * Double(c.mtp)),
                    ("workspace", share.workspaceBytesPerDie),
                ]
                if draft != nil, s == stages.count - 1 { items.append(("draft model weights", draftWeights)) }
                let fixed = items.reduce(0) { $0 + $1.bytes }
                let kv = share.kvFractionOfFree ? share.usableFraction * (hbm - fixed) : share.usableFraction * hbm - fixed
                items.append(("KV cache", max(kv, 0)))
                return AggregatedMemoryBudget.Stage(
                    budget: MemoryBudget(items: items, capacityBytes: hbm), kvCacheBytes: kv,
                    kvBytesPerToken: kvPerTokenPerLayer * attnLayers + (s == stages.count - 1 ? draftKVPerToken : 0), fixedBytes: fixed)
            },
            share: share, hbmBytes: hbm)
    }
}
