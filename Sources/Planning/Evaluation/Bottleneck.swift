/// What limits a deployment at the load where it stops meeting its SLOs.
public enum Bottleneck: String, Sendable, Hashable, Codable, CaseIterable {
    /// Prompts queue for prefill instances (TTFT fails; prefill busy most of the time).
    case prefillCompute = "prefill compute"
    /// Decode steps are too slow at the batch reached (TPOT fails).
    case decodeCompute = "decode compute"
    /// Requests wait for KV room on a decode die (TTFT fails; dies' HBM for KV nearly full).
    case decodeKVRoom = "decode KV room"
    /// Requests wait for a decode slot with KV room to spare: the batch cap per die binds.
    case decodeBatchCap = "decode batch cap"
    /// Prompt KV transfers to decode take a large share of TTFT.
    case kvTransfer = "KV transfer"
    /// Loading cached prefixes from the EMS pool takes most of prefill's busy time.
    case emsLink = "EMS link"
    /// Requests are refused outright (prompt over a prefill batch, KV over a decode die): no
    /// load makes them meet an SLO.
    case rejections = "rejected requests"
    /// Nothing failed (the deployment meets its SLOs at this load).
    case none = "none"

    /// Names the bottleneck of one run from where its requests' time went (see
    /// `RunBreakdown`): the objective that failed most, then the largest share of TTFT.
    static func diagnose(_ b: RunBreakdown) -> Bottleneck {
        guard b.failedRequests > 0 else { return .none }
        if b.rejectedRequests * 2 >= b.failedRequests { return .rejections }
        if b.tpotFailures > b.ttftFailures { return .decodeCompute }
        // TTFT: waiting for decode room, prefill (queue and compute, EMS loads inside), transfer.
        let shares: [(Bottleneck, Double)] = [
            (b.peakKVReservedFraction >= 0.9 ? .decodeKVRoom : .decodeBatchCap, b.meanDecodeRoomWaitSeconds),
            (b.emsLoadSeconds * 2 > b.prefillBusySeconds ? .emsLink : .prefillCompute, b.meanPrefillSeconds),
            (.kvTransfer, b.meanKVTransferSeconds),
        ]
        return shares.max { $0.1 < $1.1 }!.0
    }
}

/// Where a run's time went, for `Bottleneck.diagnose`: counts of failed requests by objective
/// and the backend's sums, per request.
public struct RunBreakdown: Sendable, Hashable, Codable {
    public var failedRequests: Int
    public var rejectedRequests: Int
    /// Requests failing their TTFT and TPOT limits (a request may fail both).
    public var ttftFailures: Int
    public var tpotFailures: Int
    /// Per admitted request: time in the global queue for decode room; time from arrival at
    /// prefill to its first token less that wait (prefill queue and batch); KV transfer.
    public var meanDecodeRoomWaitSeconds: Double
    public var meanPrefillSeconds: Double
    public var meanKVTransferSeconds: Double
    /// Prefill instances' busy time (all batches) and the part loading from the EMS pool.
    public var prefillBusySeconds: Double
    public var emsLoadSeconds: Double
    /// Highest fraction of a decode die's KV room reserved at once.
    public var peakKVReservedFraction: Double
}
