import Foundation

extension Hardware {
    /// Loads and validates a hardware file.
    public static func load(path: String) throws(ConfigError) -> Hardware {
        try Hardware(file: ConfigFile.decode(HardwareFile.self, at: path), path: path)
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
            hbmBandwidthBytesPerSecond: try v.positive(f.die.hbmBandwidthGBps, "$.die.hbmBandwidthGBps") * gb)
        name = f.name
        diesPerPackage = try v.positive(f.package.diesPerPackage, "$.package.diesPerPackage")
        npusPerNode = try v.positive(f.node.npusPerNode, "$.node.npusPerNode")
        cpusPerNode = try v.nonNegative(f.node.cpusPerNode, "$.node.cpusPerNode")
        supernodeNPUs = try v.positive(f.supernode.npus, "$.supernode.npus")
        let m = f.scaleUp.measured
        let p = "$.scaleUp.measured."
        scaleUp = Fabric(
            name: f.scaleUp.fabric,
            domainNPUs: try v.positive(f.scaleUp.domainNPUs, "$.scaleUp.domainNPUs"),
            lineRateBytesPerSecond: try v.positive(f.scaleUp.lineRateGBps, "$.scaleUp.lineRateGBps") * gb,
            measured: MeasuredLink(
                readIntraNodeBytesPerSecond: try v.positive(m.readIntraNodeGBps, p + "readIntraNodeGBps") * gb,
                readInterNodeBytesPerSecond: try v.positive(m.readInterNodeGBps, p + "readInterNodeGBps") * gb,
                writeIntraNodeBytesPerSecond: try v.positive(m.writeIntraNodeGBps, p + "writeIntraNodeGBps") * gb,
                writeInterNodeBytesPerSecond: try v.positive(m.writeInterNodeGBps, p + "writeInterNodeGBps") * gb,
                readIntraNodeLatencySeconds: try v.nonNegative(m.readIntraNodeLatencyUs, p + "readIntraNodeLatencyUs") * 1e-6,
                readInterNodeLatencySeconds: try v.nonNegative(m.readInterNodeLatencyUs, p + "readInterNodeLatencyUs") * 1e-6,
                writeIntraNodeLatencySeconds: try v.nonNegative(m.writeIntraNodeLatencyUs, p + "writeIntraNodeLatencyUs") * 1e-6,
                writeInterNodeLatencySeconds: try v.nonNegative(m.writeInterNodeLatencyUs, p + "writeInterNodeLatencyUs") * 1e-6))
        scaleOut = Fabric(
            name: f.scaleOut.fabric, domainNPUs: supernodeNPUs,
            lineRateBytesPerSecond: try v.positive(f.scaleOut.lineRateGbps, "$.scaleOut.lineRateGbps") * 1e9 / 8,
            measured: nil)
        if scaleUp.domainNPUs > supernodeNPUs {
            throw v.fail("$.scaleUp.domainNPUs.value", "scale-up domain (\(scaleUp.domainNPUs) NPUs) exceeds the supernode (\(supernodeNPUs) NPUs)")
        }
        let a = f.attained
        efficiency = AttainedEfficiency(
            gemmCompute: try v.fraction(a.gemmComputeUtilisation, "$.attained.gemmComputeUtilisation"),
            gemmTileM: try v.positive(a.gemmTileM, "$.attained.gemmTileM"),
            gemmTileN: try v.positive(a.gemmTileN, "$.attained.gemmTileN"),
            attentionCompute: try v.fraction(a.attentionComputeUtilisation, "$.attained.attentionComputeUtilisation"),
            memoryBandwidth: try v.fraction(a.memoryBandwidthUtilisation, "$.attained.memoryBandwidthUtilisation"))
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
        expertCommunication = ExpertCommunicationTable(
            engine: engine,
            referenceTokensPerRank: try v.positive(c.referenceTokensPerRank, "$.expertCommunication.referenceTokensPerRank"),
            referenceExpertsPerToken: try v.positive(c.referenceExpertsPerToken, "$.expertCommunication.referenceExpertsPerToken"),
            referenceDispatchMessageBytes: try v.positive(c.referenceDispatchMessageBytes, "$.expertCommunication.referenceDispatchMessageBytes"),
            referenceCombineMessageBytes: try v.positive(c.referenceCombineMessageBytes, "$.expertCommunication.referenceCombineMessageBytes"),
            dispatch: try points(c.dispatch, "dispatch"), combine: try points(c.combine, "combine"))
    }
}
