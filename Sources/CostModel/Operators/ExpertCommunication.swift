import Foundation
import SystemDescription

/// Dispatch and combine time over the scale-up fabric: a fixed latency plus bytes over an
/// effective bandwidth, fitted to the measured operator table.
///
/// The table (paper Table 6) has one batch size per EP degree, so it cannot separate a
/// batch-independent cost from a per-byte one. The fixed part is taken from the fabric's
/// measured small-message write latency (UB: 2.1 µs inter-node, v2 Table 1), and the rest of each
/// measured latency is charged to the bytes: effective bandwidth = reference bytes ÷ (latency −
/// fixed), where reference bytes = 128 tokens × top-8 × message size. Between measured EP degrees
/// the bandwidth is interpolated in log₂(EP); beyond them it is held at the nearest point.
///
/// The time does not depend on how many vector cores the issuing stream owns. The measured
/// latency is that of a latency-bound pipeline, not of the cores' throughput:
/// - AIV-Direct sends through a 3-stage pipeline whose unit is one token (paper §4.2.1): a
///   token's messages leave, then the next token's; 128 tokens take ~150 µs, ~1.2 µs per token,
///   the order of one UB write round trip (1.3–2.1 µs, v2 Table 1);
/// - combine moves 1.9× the bytes of dispatch (14 KB vs 7.5 KB per message) and dispatch alone
///   quantises, yet both take the same time at every EP degree (Table 6), so neither bytes nor
///   per-byte vector work set the time;
/// - with the 8+16 / 16+32 stream split the paper finds Dispatch only "slightly slower" and
///   attributes the microbatch gain to hiding the communication (§5.4.1), which a core-bound
///   operator would not allow.
/// The `share` parameter is kept for callers; it does not scale the time.
package struct ExpertCommunicationModel: Sendable {
    package enum Kind: String, Sendable { case dispatch, combine }

    package var table: ExpertCommunicationTable
    package var fixedLatencySeconds: Double
    /// The link model, when the hardware has no measured table.
    package var links: LinkCommunication?
    package var domainDies: Int
    package var scaleUpBytesPerSecond: Double
    package var scaleOutBytesPerSecond: Double

    package init(hardware: Hardware) {
        table = hardware.expertCommunication
        links = table.isMeasured ? nil : hardware.linkCommunication
        fixedLatencySeconds = links?.fixedLatencySeconds ?? hardware.scaleUp.measured?.writeInterNodeLatencySeconds ?? 0
        domainDies = hardware.diesPerScaleUpDomain
        scaleUpBytesPerSecond = hardware.scaleUp.attainedBytesPerSecond
        scaleOutBytesPerSecond = hardware.scaleOut.attainedBytesPerSecond
    }

    /// Shares of one rank's dispatch/combine bytes by path when its destinations are spread
    /// evenly over `ep` ranks packed into scale-up domains of `domainDies`: to itself (no
    /// link), to the other ranks of its domain, and to ranks in other domains (scale-out).
    ///
    /// Beyond one domain the scale-out share is (EP − domain) / EP: it grows with EP and is
    /// zero while the whole EP group fits in one domain (UB: 768 dies; NVLink: 8 GPUs).
    package static func trafficShares(expertParallelism ep: Int, domainDies: Int) -> (local: Double, scaleUp: Double, scaleOut: Double) {
        let n = Double(max(ep, 1))
        let inDomain = Double(min(max(ep, 1), max(domainDies, 1)))
        return (1 / n, (inDomain - 1) / n, (n - inDomain) / n)
    }

    func referenceBytes(_ kind: Kind) -> Double {
        let msg = kind == .dispatch ? table.referenceDispatchMessageBytes : table.referenceCombineMessageBytes
        return Double(table.referenceTokensPerRank * table.referenceExpertsPerToken * msg)
    }

    /// Effective bytes per second for `kind` at `expertParallelism` ranks, whole die.
    package func effectiveBandwidth(_ kind: Kind, expertParallelism ep: Int) -> Double {
        let points = kind == .dispatch ? table.dispatch : table.combine
        let bw = points.map { referenceBytes(kind) / max($0.latencySeconds - fixedLatencySeconds, 1e-9) }
        let xs = points.map { Foundation.log2(Double($0.expertParallelism)) }
        let x = Foundation.log2(Double(max(ep, 1)))
        if x <= xs[0] { return bw[0] }
        for i in 1..<xs.count where x <= xs[i] {
            let t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return bw[i - 1] + t * (bw[i] - bw[i - 1])
        }
        return bw[bw.count - 1]
    }

    /// Time for one rank to send `tokens` tokens × `expertsPerToken` copies of `messageBytes`.
    package func time(
        _ kind: Kind, tokens: Double, expertsPerToken: Int, messageBytes: Int, expertParallelism ep: Int,
        share: CoreShare = .wholeDie
    ) -> OperatorTime {
        let name = kind == .dispatch ? "dispatch" : "combine"
        guard tokens > 0 else { return OperatorTime(name: name, microseconds: 0, bound: .communication) }
        let bytes = tokens * Double(expertsPerToken * messageBytes)
        let shares = Self.trafficShares(expertParallelism: ep, domainDies: domainDies)
        let seconds: Double
        if let links {
            // Remote bytes only; the kernel may route intra-domain traffic over the NIC as well.
            var up = bytes * shares.scaleUp, out = bytes * shares.scaleOut
            if links.lowLatencyKernelsUseScaleOutOnly { out += up; up = 0 }
            seconds = fixedLatencySeconds + max(up / scaleUpBytesPerSecond, out / (links.lowLatencyBytesPerSecond ?? scaleOutBytesPerSecond))
        } else if shares.scaleOut > 0 {
            // The measured table covers the scale-up domain; what leaves it goes over scale-out.
            let inside = bytes * (1 - shares.scaleOut) / effectiveBandwidth(kind, expertParallelism: min(ep, domainDies))
            seconds = fixedLatencySeconds + max(inside, bytes * shares.scaleOut / scaleOutBytesPerSecond)
        } else {
            seconds = fixedLatencySeconds + bytes / effectiveBandwidth(kind, expertParallelism: ep)
        }
        return OperatorTime(name: name, microseconds: seconds * 1e6, bound: .communication, bytes: bytes)
    }
}

/// Bulk collectives driven by the copy engine (SDMA) at the fabric's measured write rate.
///
/// Used by prefill (paper §4.3.2 routes its all-to-all to SDMA). Each die sends the bytes that
/// leave it; the rate is the measured one-die write bandwidth across nodes (v2 Table 1), the
/// conservative of the intra/inter pair since an EP32 instance spans two nodes.
package struct BulkTransferModel: Sendable {
    package var bandwidthBytesPerSecond: Double
    package var latencySeconds: Double
    package var domainDies: Int
    package var scaleOutBytesPerSecond: Double
    package var deduplicatesPerDomain: Bool

    package init(hardware: Hardware) {
        let m = hardware.scaleUp.measured
        bandwidthBytesPerSecond = m?.writeInterNodeBytesPerSecond ?? hardware.scaleUp.attainedBytesPerSecond
        latencySeconds = hardware.linkCommunication?.fixedLatencySeconds ?? m?.writeInterNodeLatencySeconds ?? 0
        domainDies = hardware.diesPerScaleUpDomain
        scaleOutBytesPerSecond = hardware.scaleOut.attainedBytesPerSecond
        deduplicatesPerDomain = hardware.linkCommunication?.bulkKernelsDeduplicatePerDomain ?? false
    }

    /// Dispatch or combine of `tokens` tokens, each to `copies` experts spread evenly over `ep`
    /// ranks, with `messageBytes` per copy, the bytes scaled by `loadFactor` (the hottest die).
    ///
    /// Inside one scale-up domain this is the remote bytes over the scale-up rate. Across domains
    /// the bytes leaving the domain go over scale-out in parallel with the rest; a kernel that
    /// deduplicates per domain sends a token once to each other domain it needs (expected
    /// (D − 1)(1 − (1 − 1/D)^copies) domains of D, experts drawn independently) and forwards it
    /// inside the destination over the scale-up fabric.
    package func expertTime(_ name: String, tokens: Double, copies: Int, messageBytes: Int, expertParallelism ep: Int, loadFactor: Double) -> OperatorTime {
        let shares = ExpertCommunicationModel.trafficShares(expertParallelism: ep, domainDies: domainDies)
        guard shares.scaleOut > 0 else {
            let remote = Double(ep - 1) / Double(ep)
            return time(name, bytesSent: tokens * Double(copies * messageBytes) * remote * loadFactor)
        }
        let all = tokens * Double(copies * messageBytes) * loadFactor
        let domains = Double(ep) / Double(domainDies)
        var out = all * shares.scaleOut
        var up = all * shares.scaleUp
        if deduplicatesPerDomain {
            let remoteDomains = (domains - 1) * (1 - Foundation.pow(1 - 1 / domains, Double(copies)))
            out = tokens * remoteDomains * Double(messageBytes) * loadFactor
            up = all * (1 - 1 / Double(ep))  // every non-local copy crosses scale-up once (direct or forwarded)
        }
        guard out + up > 0 else { return OperatorTime(name: name, microseconds: 0, bound: .communication) }
        let s = latencySeconds + max(up / bandwidthBytesPerSecond, out / scaleOutBytesPerSecond)
        return OperatorTime(name: name, microseconds: s * 1e6, bound: .communication, bytes: out + up)
    }

    package func time(_ name: String, bytesSent: Double) -> OperatorTime {
        guard bytesSent > 0 else { return OperatorTime(name: name, microseconds: 0, bound: .communication) }
        let s = latencySeconds + bytesSent / bandwidthBytesPerSecond
        return OperatorTime(name: name, microseconds: s * 1e6, bound: .communication, bytes: bytesSent)
    }
}
