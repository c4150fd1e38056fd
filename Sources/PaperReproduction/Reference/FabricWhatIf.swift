import SystemDescription
import CostModel
import DisaggregatedServing
/// The paper's central claim as numbers: what the decode deployments do when their fabrics are
/// swapped (CloudMatrix with its UB replaced by RoCE at the GPUs' per-die NIC rate; the H800
/// deployment given a UB-like scale-up domain spanning its whole EP group).
package enum FabricWhatIf {
    package struct Outcome: Sendable, Equatable {
        package var name: String
        package var tpotMilliseconds: Double
        package var tokensPerSecondPerNPU: Double
    }

    /// CloudMatrix decode at `batchPerNPU`, as configured and with expert traffic over RoCE
    /// links: every dispatch/combine byte leaves the die over a NIC of `gpu`'s attained rate.
    package static func cloudMatrixOverRoCE(cloudMatrix: SystemConfiguration, gpu: Hardware, batchPerNPU: Int = 96, kv: Double = 4096)
        -> (ub: Outcome, roce: Outcome)
    {
        var roce = cloudMatrix
        roce.hardware.expertCommunication.dispatch = []
        roce.hardware.expertCommunication.combine = []
        roce.hardware.scaleUp.domainNPUs = 1
        roce.hardware.scaleOut.attainedBytesPerSecond = gpu.scaleOut.attainedBytesPerSecond
        roce.hardware.linkCommunication = gpu.linkCommunication.map {
            var l = $0
            l.fixedLatencySeconds = cloudMatrix.hardware.scaleUp.measured?.writeInterNodeLatencySeconds ?? $0.fixedLatencySeconds
            // Only the fabric changes: the SM time of DeepEP's kernels is not CloudMatrix's.
            l.lowLatencyDispatchCoreSeconds = 0
            l.lowLatencyBytesPerSecond = nil
            return l
        }
        return (decode("cloudmatrix, UB", cloudMatrix, batchPerNPU, kv), decode("cloudmatrix, RoCE at GPU NIC rate", roce, batchPerNPU, kv))
    }

    /// The H800 decode deployment at `batchPerGPU` as configured and with its NVLink domain
    /// stretched over the whole EP group (UB-like), the low-latency kernels using it.
    package static func h800WithUBDomain(h800: SystemConfiguration, batchPerGPU: Int = 128, kv: Double = 4096)
        -> (nvlink: Outcome, ubLike: Outcome)
    {
        var ub = h800
        ub.hardware.scaleUp.domainNPUs = max(h800.deployment.decode.npus, h800.deployment.prefill.npus)
        ub.hardware.linkCommunication?.lowLatencyKernelsUseScaleOutOnly = false
        return (decode("h800, NVLink node + IB", h800, batchPerGPU, kv), decode("h800, UB-like domain", ub, batchPerGPU, kv))
    }

    static func decode(_ name: String, _ s: SystemConfiguration, _ batchPerNPU: Int, _ kv: Double) -> Outcome {
        let step = DecodeCostModel(system: s).stepTime(
            batchPerDie: batchPerNPU / s.hardware.diesPerPackage, meanKVLength: kv, options: DecodeOptions(deployment: s.deployment.decode))
        return Outcome(
            name: name, tpotMilliseconds: step.tpotMilliseconds,
            tokensPerSecondPerNPU: step.tokensPerSecondPerDie * Double(s.hardware.diesPerPackage))
    }
}
