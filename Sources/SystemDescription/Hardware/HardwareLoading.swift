import Foundation

extension Hardware {
    /// Loads and validates a hardware file, read once through `files` (which records its digest).
    public static func load(path: String, files: ConfigFiles = ConfigFiles()) throws(ConfigError) -> Hardware {
        try load(data: files.read(path, role: .hardware), name: path)
    }

    /// Decodes and validates the bytes of a hardware file; errors name `name` as the file.
    public static func load(data: Data, name: String) throws(ConfigError) -> Hardware {
        try Hardware(file: ConfigFile.decode(HardwareFile.self, from: data, file: name), path: name)
    }

    /// Validates a decoded hardware file; every error names `path` and the JSON field.
    init(file f: HardwareFile, path: String) throws(ConfigError) {
        let v = FieldValidator(file: path)
        let gb = 1e9
        die = DieSpec(
            cubeCores: try v.positive(f.die.cubeCores, "$.die.cubeCores"),
            vectorCores: try v.positive(f.die.vectorCores, "$.die.vectorCores"),
            int8PeakOpsPerSecond: try v.positive(f.die.int8PeakTOPS, "$.die.int8PeakTOPS") * 1e12,
            bf16PeakFlopsPerSecond: try v.positive(f.die.bf16PeakTFLOPS, "$.die.bf16PeakTFLOPS") * 1e12,
            hbmCapacityBytes: try v.positive(f.die.hbmCapacityGB, "$.die.hbmCapacityGB") * gb,
            hbmBandwidthBytesPerSecond: try v.positive(f.die.hbmBandwidthGBps, "$.die.hbmBandwidthGBps") * gb,
            fp4PeakOpsPerSecond: try f.die.fp4PeakTOPS.map { n throws(ConfigError) in try v.positive(n, "$.die.fp4PeakTOPS") * 1e12 })
        name = f.name
        diesPerPackage = try v.positive(f.package.diesPerPackage, "$.package.diesPerPackage")
        if let kind = f.package.kind {
            guard !kind.isEmpty else { throw v.fail("$.package.kind", "must name the accelerator, e.g. \"GPU\"") }
            acceleratorKind = kind
        }
        npusPerNode = try v.positive(f.node.npusPerNode, "$.node.npusPerNode")
        cpusPerNode = try v.nonNegative(f.node.cpusPerNode, "$.node.cpusPerNode")
        supernodeNPUs = try v.positive(f.supernode.npus, "$.supernode.npus")
        let p = "$.scaleUp.measured."
        var measured: MeasuredLink?
        if let m = f.scaleUp.measured {
            measured = MeasuredLink(
                readIntraNodeBytesPerSecond: try v.positive(m.readIntraNodeGBps, p + "readIntraNodeGBps") * gb,
                readInterNodeBytesPerSecond: try v.positive(m.readInterNodeGBps, p + "readInterNodeGBps") * gb,
                writeIntraNodeBytesPerSecond: try v.positive(m.writeIntraNodeGBps, p + "writeIntraNodeGBps") * gb,
                writeInterNodeBytesPerSecond: try v.positive(m.writeInterNodeGBps, p + "writeInterNodeGBps") * gb,
                readIntraNodeLatencySeconds: try v.nonNegative(m.readIntraNodeLatencyUs, p + "readIntraNodeLatencyUs") * 1e-6,
                readInterNodeLatencySeconds: try v.nonNegative(m.readInterNodeLatencyUs, p + "readInterNodeLatencyUs") * 1e-6,
                writeIntraNodeLatencySeconds: try v.nonNegative(m.writeIntraNodeLatencyUs, p + "writeIntraNodeLatencyUs") * 1e-6,
                writeInterNodeLatencySeconds: try v.nonNegative(m.writeInterNodeLatencyUs, p + "writeInterNodeLatencyUs") * 1e-6)
        }
        let upLine = try v.positive(f.scaleUp.lineRateGBps, "$.scaleUp.lineRateGBps") * gb
        // Attained scale-up rate: stated, else the measured inter-node write rate, else the line rate.
        let upAttained = try f.scaleUp.attainedGBps.map { n throws(ConfigError) in try v.positive(n, "$.scaleUp.attainedGBps") * gb }
            ?? measured?.writeInterNodeBytesPerSecond ?? upLine
        scaleUp = Fabric(
            name: f.scaleUp.fabric,
            domainNPUs: try v.positive(f.scaleUp.domainNPUs, "$.scaleUp.domainNPUs"),
            lineRateBytesPerSecond: upLine, measured: measured, attainedBytesPerSecond: upAttained)
        let outLine = try v.positive(f.scaleOut.lineRateGbps, "$.scaleOut.lineRateGbps") * 1e9 / 8
        let outAttained = try f.scaleOut.attainedGBps.map { n throws(ConfigError) in try v.positive(n, "$.scaleOut.attainedGBps") * gb } ?? outLine
        if outAttained > outLine * 1.000001 {
            throw v.fail("$.scaleOut.attainedGBps.value", "attained rate \(outAttained / gb) GB/s exceeds the line rate \(outLine / gb) GB/s")
        }
        scaleOut = Fabric(
            name: f.scaleOut.fabric, domainNPUs: supernodeNPUs, lineRateBytesPerSecond: outLine, measured: nil,
            attainedBytesPerSecond: outAttained)
        if scaleUp.domainNPUs > supernodeNPUs {
            throw v.fail("$.scaleUp.domainNPUs.value", "scale-up domain (\(scaleUp.domainNPUs) NPUs) exceeds the supernode (\(supernodeNPUs) NPUs)")
        }
        let a = f.attained
        efficiency = AttainedEfficiency(
            gemmCompute: try v.fraction(a.gemmComputeUtilisation, "$.attained.gemmComputeUtilisation"),
            gemmTileM: try v.positive(a.gemmTileM, "$.attained.gemmTileM"),
            gemmTileN: try v.positive(a.gemmTileN, "$.attained.gemmTileN"),
            attentionCompute: try v.fraction(a.attentionComputeUtilisation, "$.attained.attentionComputeUtilisation"),
            memoryBandwidth: try v.fraction(a.memoryBandwidthUtilisation, "$.attained.memoryBandwidthUtilisation"),
            gemmMemoryBandwidth: try a.gemmMemoryBandwidthUtilisation.map { u throws(ConfigError) in
                try v.fraction(u, "$.attained.gemmMemoryBandwidthUtilisation")
            },
            groupedQueryAttentionCompute: try a.groupedQueryAttentionComputeUtilisation.map { u throws(ConfigError) in
                try v.fraction(u, "$.attained.groupedQueryAttentionComputeUtilisation")
            })
        let c = f.expertCommunication
        guard let engine = CommunicationEngine(rawValue: c.engine) else {
            throw v.fail("$.expertCommunication.engine", "unknown engine \"\(c.engine)\"; use \"vector\" or \"dma\"", code: .unknownName)
        }
        func points(_ list: [HardwareFile.CommPoint], _ key: String) throws(ConfigError) -> [ExpertCommunicationTable.Point] {
            if list.isEmpty { throw v.fail("$.expertCommunication.\(key)", "needs at least one measured point") }
            var out: [ExpertCommunicationTable.Point] = []
            for (i, pt) in list.enumerated() {
                let path = "$.expertCommunication.\(key)[\(i)]"
                guard pt.expertParallelism > 0 else { throw v.fail(path + ".expertParallelism", "must be positive") }
                out.append(.init(expertParallelism: pt.expertParallelism, latencySeconds: try v.positive(pt.latencyUs, path + ".latencyUs") * 1e-6))
            }
            return out.sorted { $0.expertParallelism < $1.expertParallelism }
        }
        let e = "$.expertCommunication."
        if let l = c.links {
            linkCommunication = LinkCommunication(
                fixedLatencySeconds: try v.nonNegative(l.fixedLatencyUs, e + "links.fixedLatencyUs") * 1e-6,
                lowLatencyKernelsUseScaleOutOnly: l.lowLatencyKernelsUseScaleOutOnly.value,
                bulkKernelsDeduplicatePerDomain: l.bulkKernelsDeduplicatePerDomain.value,
                lowLatencyDispatchCoreSeconds: try l.lowLatencyDispatchCoreUs.map { u throws(ConfigError) in
                    try v.nonNegative(u, e + "links.lowLatencyDispatchCoreUs") * 1e-6
                } ?? 0,
                lowLatencyBytesPerSecond: try l.lowLatencyAttainedGBps.map { n throws(ConfigError) in
                    try v.positive(n, e + "links.lowLatencyAttainedGBps") * gb
                })
            if let rate = linkCommunication?.lowLatencyBytesPerSecond, rate > outLine * 1.000001 {
                throw v.fail(e + "links.lowLatencyAttainedGBps.value", "attained rate \(rate / gb) GB/s exceeds the scale-out line rate \(outLine / gb) GB/s")
            }
            if c.dispatch != nil || c.combine != nil {
                throw v.fail("$.expertCommunication", "give either a measured table (dispatch, combine) or links, not both")
            }
            expertCommunication = ExpertCommunicationTable(
                engine: engine, referenceTokensPerRank: 0, referenceExpertsPerToken: 0, referenceDispatchMessageBytes: 0,
                referenceCombineMessageBytes: 0, dispatch: [], combine: [])
        } else {
            linkCommunication = nil
            func required(_ n: Sourced<Int>?, _ key: String) throws(ConfigError) -> Int {
                guard let n else {
                    throw v.fail(e + key, "required with a measured table; add it, or describe the fabric with \"links\" instead", code: .missingField)
                }
                return try v.positive(n, e + key)
            }
            expertCommunication = ExpertCommunicationTable(
                engine: engine,
                referenceTokensPerRank: try required(c.referenceTokensPerRank, "referenceTokensPerRank"),
                referenceExpertsPerToken: try required(c.referenceExpertsPerToken, "referenceExpertsPerToken"),
                referenceDispatchMessageBytes: try required(c.referenceDispatchMessageBytes, "referenceDispatchMessageBytes"),
                referenceCombineMessageBytes: try required(c.referenceCombineMessageBytes, "referenceCombineMessageBytes"),
                dispatch: try points(c.dispatch ?? [], "dispatch"), combine: try points(c.combine ?? [], "combine"))
        }
    }
}
