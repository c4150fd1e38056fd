import SystemDescription
/// Model loading and switching with and without caching (paper v3 §4.4.3, Table 1 setup),
/// from bandwidths and cache capacities: a prediction of R16, not a replay component.
///
/// Three tiers, as in the paper's Table 1: no cache (every load reads OBS), a local DRAM cache
/// per node, and EMS (one shared copy in the pooled DRAM). The rules:
/// * OBS delivers one bucket's bandwidth, shared equally by concurrent loaders.
/// * *Cold start*: all model instances load at once with empty caches. Without EMS each
///   instance fetches its own copy from OBS; with EMS one copy is fetched and every instance
///   reads it from the pool. Reading into HBM overlaps the fetch (it is faster), so cold start
///   is the fetch time.
/// * *Warm start*: the model is in DRAM; one instance reads it into its NPUs over UB, limited by
///   the slower side: the source CPUs' UB ports (local: the instance's own nodes; EMS: the pool
///   nodes) or the instance's dies reading at the measured NPU–CPU rate.
/// * *Model switch*: an instance switches to one of the distinct models, uniformly; it hits
///   when its cache tier holds that model (local: the models its nodes keep; EMS: as many whole
///   models as the pool holds), loading warm, and otherwise loads alone from OBS.
/// * *DRAM overhead*: copies of the model held in DRAM (local: one per instance; EMS:
///   one shared copy, paper §4.4.3).
public enum ModelLoadingModel {
    public struct Tier: Sendable, Equatable {
        public var coldStartSeconds: Double
        /// nil where there is no DRAM copy to start from (no cache).
        public var warmStartSeconds: Double?
        public var dramCopiesOfModel: Double
        public var switchHitRate: Double
        public var switchLatencySeconds: Double
    }

    public struct Prediction: Sendable, Equatable {
        /// Bytes of the weights an instance loads: the main model and, when the deployment
        /// decodes with MTP, the MTP module it runs.
        public var modelBytes: Double
        public var noCache: Tier
        public var localDRAM: Tier
        public var ems: Tier
    }

    /// Bytes of the weights a serving instance loads: linear layers at the linear-weight width,
    /// router, embedding and LM head at theirs; every routed and shared expert (all are loaded);
    /// and `mtpModules` MTP modules (each an attention + MoE layer and its projection, sharing
    /// the main model's embedding and head — DeepSeek-V3 report §2.2), which a deployment that
    /// decodes with MTP must load too (paper v3 §5.1: one speculative token).
    public static func modelBytes(_ m: ModelShape, mtpModules: Int = 0) -> Double {
        let p = m.precision
        let layers = m.layers + mtpModules
        let moeLayers = m.moeLayers + mtpModules
        let linear = Double(layers * m.attentionParams + m.denseLayers * m.denseFFNParams
            + moeLayers * (m.routedExperts + m.sharedExperts) * m.expertParams + mtpModules * m.mtpProjectionParams)
            * Double(p.linearWeightBytes)
        let router = Double(moeLayers * m.routerParams * p.routerBytes)
        let embeddings = Double(2 * m.headParams * p.embeddingAndHeadBytes)
        return linear + router + embeddings
    }

    /// Nil when the deployment file describes no model caching or no EMS pool.
    public static func predict(
        system: SystemConfiguration, serving: ServingSystemParameters, emsCapacityBytes: Double? = nil
    ) -> Prediction? {
        guard let mc = serving.modelCaching, let ems = serving.ems else { return nil }
        let hw = system.hardware
        let mtp = system.deployment.decode.mtp.draftTokens > 0 ? system.model.mtpModules : 0
        let size = modelBytes(system.model, mtpModules: mtp)
        let instances = Double(mc.modelInstances)
        let obs = mc.obsBucketBytesPerSecond
        let singleFetch = size / obs
        let dies = Double(mc.nodesPerModelInstance * hw.diesPerNode)
        let sink = dies * ems.ubReadBytesPerSecondPerDie
        let cpuPort = Double(hw.cpusPerNode) * mc.cpuUBBytesPerSecondPerSocket
        let localWarm = size / min(sink, Double(mc.nodesPerModelInstance) * cpuPort)
        let emsWarm = size / min(sink, Double(ems.poolNodes) * cpuPort)
        let distinct = Double(mc.distinctModels)
        let localHit = min(1, Double(mc.localCacheModelsPerNode * mc.nodesPerModelInstance) / distinct)
        let capacity = emsCapacityBytes ?? ems.defaultCapacityBytes
        let emsHit = min(1, (capacity / size).rounded(.down) / distinct)
        func switchLatency(hit: Double, warm: Double) -> Double { hit * warm + (1 - hit) * singleFetch }
        return Prediction(
            modelBytes: size,
            noCache: Tier(
                coldStartSeconds: instances * singleFetch, warmStartSeconds: nil, dramCopiesOfModel: 0,
                switchHitRate: 0, switchLatencySeconds: singleFetch),
            localDRAM: Tier(
                coldStartSeconds: instances * singleFetch, warmStartSeconds: localWarm,
                dramCopiesOfModel: instances,
                switchHitRate: localHit, switchLatencySeconds: switchLatency(hit: localHit, warm: localWarm)),
            ems: Tier(
                coldStartSeconds: singleFetch, warmStartSeconds: emsWarm, dramCopiesOfModel: 1,
                switchHitRate: emsHit, switchLatencySeconds: switchLatency(hit: emsHit, warm: emsWarm)))
    }
}
