import Foundation

/// The serving-system constants around the cost model, from the deployment file's
/// `servingSystem` section: decode KV room, KV transfer, the EMS pool, model caching.
///
/// Rates are in bytes per second and times in seconds. Each value's citation is in the file.
public struct ServingSystemParameters: Sendable, Equatable {
    /// HBM a decode die holds back from its KV room for activations and workspace.
    public var decodeWorkspaceBytesPerDie: Double
    /// Fixed time of one prefill → decode KV transfer.
    public var kvTransferLatencySeconds: Double
    /// Dies whose RDMA ports carry one request's KV in parallel.
    public var kvTransferDies: Int
    /// The EMS context-cache pool; nil for a system without one (the GPU deployments).
    public var ems: EMSParameters?
    /// Model caching (cold and warm starts); nil where the file does not describe it.
    public var modelCaching: ModelCachingParameters?

    /// The EMS pool: where its DRAM is and how fast a die reaches it.
    public struct EMSParameters: Sendable, Equatable {
        public var poolNodes: Int
        public var dramBytesPerNode: Double
        public var poolShareOfDRAM: Double
        public var ubReadBytesPerSecondPerDie: Double
        public var ubReadLatencySeconds: Double
        public var vpcBytesPerSecondPerNode: Double
        public var vpcLatencySeconds: Double
        /// The pool's capacity as the file states it (`capacityGB`, optional: a planned or
        /// measured size); nil to derive it from the nodes' DRAM.
        public var capacityBytes: Double? = nil

        /// The pool's default capacity: `capacityGB` when the file gives it, else its share of
        /// the DRAM of its nodes.
        public var defaultCapacityBytes: Double { capacityBytes ?? Double(poolNodes) * dramBytesPerNode * poolShareOfDRAM }
    }

    /// Model caching (paper v3 §4.4.3, Table 1 setup).
    public struct ModelCachingParameters: Sendable, Equatable {
        public var obsBucketBytesPerSecond: Double
        public var modelInstances: Int
        public var distinctModels: Int
        public var nodesPerModelInstance: Int
        public var localCacheModelsPerNode: Int
        public var cpuUBBytesPerSecondPerSocket: Double
    }

    /// Loads the `servingSystem` section of a deployment file, read once through `files`: pass
    /// the `ConfigFiles` the deployment was loaded with, and the bytes already parsed are reused.
    public static func load(deploymentPath path: String, files: ConfigFiles = ConfigFiles()) throws(ConfigError)
        -> ServingSystemParameters
    {
        try load(deploymentData: files.read(path, role: .deployment), name: path)
    }

    /// Decodes and validates the `servingSystem` section from the bytes of a deployment file;
    /// errors name `path` as the file.
    public static func load(deploymentData data: Data, name path: String) throws(ConfigError) -> ServingSystemParameters {
        let file = try ConfigFile.decode(ServingSystemFile.self, from: data, file: path)
        guard let s = file.servingSystem else {
            throw ConfigError(
                .missingField, file: path, path: "$.servingSystem",
                reason: "the serving backend needs a servingSystem section (decode workspace, KV transfer; optionally EMS and model caching); see configs/deployments/cloudmatrix-infer.json or deepseek-h800.json")
        }
        let v = FieldValidator(file: path)
        let p = "$.servingSystem."
        let gb = 1e9
        return ServingSystemParameters(
            decodeWorkspaceBytesPerDie: try v.nonNegative(s.decodeWorkspaceGBPerDie, p + "decodeWorkspaceGBPerDie") * gb,
            kvTransferLatencySeconds: try v.nonNegative(s.kvTransfer.latencyUs, p + "kvTransfer.latencyUs") * 1e-6,
            kvTransferDies: try v.positive(s.kvTransfer.diesCarrying, p + "kvTransfer.diesCarrying"),
            ems: try s.ems.map { e throws(ConfigError) in
                EMSParameters(
                    poolNodes: try v.positive(e.poolNodes, p + "ems.poolNodes"),
                    dramBytesPerNode: try v.positive(e.dramPerNodeGB, p + "ems.dramPerNodeGB") * gb,
                    poolShareOfDRAM: try v.fraction(e.poolShareOfDRAM, p + "ems.poolShareOfDRAM"),
                    ubReadBytesPerSecondPerDie: try v.positive(e.ubReadGBpsPerDie, p + "ems.ubReadGBpsPerDie") * gb,
                    ubReadLatencySeconds: try v.nonNegative(e.ubReadLatencyUs, p + "ems.ubReadLatencyUs") * 1e-6,
                    vpcBytesPerSecondPerNode: try v.positive(e.vpcGbpsPerNode, p + "ems.vpcGbpsPerNode") * 1e9 / 8,
                    vpcLatencySeconds: try v.nonNegative(e.vpcLatencyUs, p + "ems.vpcLatencyUs") * 1e-6,
                    capacityBytes: try e.capacityGB.map { c throws(ConfigError) in try v.nonNegative(c, p + "ems.capacityGB") * gb })
            },
            modelCaching: try s.modelCaching.map { m throws(ConfigError) in
                ModelCachingParameters(
                    obsBucketBytesPerSecond: try v.positive(m.obsBucketGBps, p + "modelCaching.obsBucketGBps") * gb,
                    modelInstances: try v.positive(m.modelInstances, p + "modelCaching.modelInstances"),
                    distinctModels: try v.positive(m.distinctModels, p + "modelCaching.distinctModels"),
                    nodesPerModelInstance: try v.positive(m.nodesPerModelInstance, p + "modelCaching.nodesPerModelInstance"),
                    localCacheModelsPerNode: try v.nonNegative(m.localCacheModelsPerNode, p + "modelCaching.localCacheModelsPerNode"),
                    cpuUBBytesPerSecondPerSocket: try v.positive(m.cpuUBGBpsPerSocket, p + "modelCaching.cpuUBGBpsPerSocket") * gb)
            })
    }
}

/// The JSON layout of a deployment file's `servingSystem` section (other sections ignored).
struct ServingSystemFile: Decodable, Sendable {
    struct Section: Decodable, Sendable {
        struct KVTransfer: Decodable, Sendable {
            var latencyUs: Sourced<Double>
            var diesCarrying: Sourced<Int>
        }
        struct EMS: Decodable, Sendable {
            var poolNodes: Sourced<Int>
            var dramPerNodeGB: Sourced<Double>
            var poolShareOfDRAM: Sourced<Double>
            var ubReadGBpsPerDie: Sourced<Double>
            var ubReadLatencyUs: Sourced<Double>
            var vpcGbpsPerNode: Sourced<Double>
            var vpcLatencyUs: Sourced<Double>
            /// The pool's capacity, overriding poolNodes × dramPerNodeGB × poolShareOfDRAM.
            var capacityGB: Sourced<Double>?
        }
        struct ModelCaching: Decodable, Sendable {
            var obsBucketGBps: Sourced<Double>
            var modelInstances: Sourced<Int>
            var distinctModels: Sourced<Int>
            var nodesPerModelInstance: Sourced<Int>
            var localCacheModelsPerNode: Sourced<Int>
            var cpuUBGBpsPerSocket: Sourced<Double>
        }
        var decodeWorkspaceGBPerDie: Sourced<Double>
        var kvTransfer: KVTransfer
        var ems: EMS?
        var modelCaching: ModelCaching?
    }
    var servingSystem: Section?
}
