import SystemDescription

/// `IterationCostModel`'s iteration time without building the breakdown: what a scheduler calls
/// every iteration.
///
/// Returns exactly (`==`) `breakdown(ranks:).totalMicroseconds` and `.stageMicroseconds`: it adds
/// the same operator times in the same order. The operators that depend on one token count
/// (GEMMs over a rank's tokens, decode tokens or chunk tokens; the routed experts over the
/// stage's tokens; dispatch, combine, all-reduces, LM head) are tabulated when the timer is made,
/// for counts up to what the engine limits allow (`maxBatchedTokensPerRank`, or
/// `maxBatchPerRank` × (1 + drafts) if larger; the stage's ranks times that for the experts),
/// and computed on the spot beyond. Attention cores and vector work are linear in the rank's
/// sums within one roofline regime and are evaluated in closed form, as is kv_b over the context
/// before a chunk (a count without a useful bound).
///
/// An immutable object: `Sendable`, shared freely between threads (each replay may also make its
/// own). A class, not a struct: the scheduler calls it through `any IterationTiming` once per
/// pass, and the witness of a 4 KB struct copied the whole timer onto the stack on every call.
///
/// - Complexity: per call, a few table reads for each rank that can be the slowest (every rank
///   computing a prompt chunk, and the decode-only rank with the most context of each request
///   count), and O(ranks × distinct decode request counts) comparisons; building it, O(table sizes)
///   operator evaluations (milliseconds for the shipped deployments).
public final class IterationTimer: IterationTiming {
    public let model: IterationCostModel
    let q: Int, heads: Int, tp: Int, pp: Int
    let overheadUs: Double
    let allToAll: Bool
    let moeCollective: Bool
    let stageCounts: [(dense: Int, moe: Int, mtp: Int)]
    let extrasPlan: (drafts: Int, mtp: Bool)
    let graphUs: Double
    let dispatchCoreChargedUs: Double?

    // Tables indexed by a token count; each holds the value the breakdown computes for it.
    let qa: Table, qb: Table, wuk: Table, wuv: Table, oproj: Table, contextKVB: Table  // raw parts of fused operators
    let chunkUp: Table, attentionAllReduce: Table, dense: Table, gate: Table  // charged, per rank (the all-reduce after attention and after the FFN alike)
    let shared: Table, dispatch: Table, combine: Table, send: Table  // by the busiest rank's tokens
    let lmHead: Table, sampling: Table, mtpProjection: Table
    let routed: Table, moeAllReduce: Table  // by the stage's tokens
    let terms: ClosedForm
    /// Grouped-query attention's tables and terms (nil for latent attention, whose tables are above).
    let groupedQuery: (qkv: Table, oproj: Table, terms: GroupedQueryTerms)?
    let isGroupedQuery: Bool
    let hasExperts: Bool
    /// Whether an EAGLE-3 draft model runs (read once: `model.draftModel != nil` copied the whole shape on every call).
    let hasDraftModel: Bool
    /// Whether the model has shared experts (read once: `model.model.sharedExperts` copied the
    /// whole cost model, 3.4 KB, on every call).
    let hasSharedExperts: Bool

    /// The constants of the terms evaluated in closed form, each the same expression (and so the
    /// same bits) as the operator it stands for: `mixedPrologVectorBytes`, `outProjQuantBytes`,
    /// `cachedContextNormBytes`, `decodeAttentionCore`, `prefillFlashAttention` and
    /// `Roofline.memorySeconds` / `Roofline.kernel`. (Calling the operators themselves would copy
    /// the model's description, strings included, on every call.) The fast-path test pins them.
    struct ClosedForm: Sendable {
        var decodeVector: (Double, Double), promptVector: (Double, Double, Double)
        var quant: Double, contextNorm: Double
        var decodePairFlops: Double, kvBytesPerToken: Double, decodeQueryBytes: Double
        var prefillPairFlops: Double, prefillQueryBytes: Double
        var memoryRate: Double, attentionRate: Double

        init(_ m: ModelShape, _ a: MultiHeadLatentAttention, heads h: Int, hardware: Hardware) {
            let p = m.precision, act = p.activationBytes, kv = a.kvElementsPerToken
            decodeVector = (Double((m.hidden + a.qLoraRank + kv + h * a.qkHeadDim) * 2 * act), Double(kv * p.kvCacheBytes))
            promptVector = (
                Double(m.hidden * (2 * act + p.linearComputeBytes)), Double((a.qLoraRank + kv) * 2 * act), Double(kv * p.kvCacheBytes)
            )
            quant = Double(h * a.vHeadDim * (act + p.linearComputeBytes))
            contextNorm = Double(kv * 2 * act)
            decodePairFlops = 2 * Double(h * (kv + a.kvLoraRank))
            kvBytesPerToken = Double(kv * p.kvCacheBytes)
            decodeQueryBytes = Double(h * (kv + a.kvLoraRank) * act)
            prefillPairFlops = 2 * Double(h * (a.qkHeadDim + a.vHeadDim))
            prefillQueryBytes = Double(h * (2 * a.qkHeadDim + 2 * a.vHeadDim) * act)
            let die = hardware.die, eff = hardware.efficiency
            memoryRate = die.hbmBandwidthBytesPerSecond * eff.memoryBandwidth
            attentionRate = die.matmulPeak(operandBytes: p.attentionComputeBytes) * eff.attentionCompute * CoreShare.wholeDie.cubeFraction
        }

        @inline(__always) func vectorMicroseconds(bytes: Double) -> Double { bytes / memoryRate * 1e6 }
        @inline(__always) func kernelMicroseconds(flops: Double, bytes: Double) -> Double {
            max(flops / attentionRate, bytes / memoryRate) * 1e6
        }
        @inline(__always) func prologVectorBytes(_ t: Double, _ c: Double) -> Double {
            (t * decodeVector.0 + t * decodeVector.1) + (c * promptVector.0 + c * promptVector.1 + c * promptVector.2)
        }
        @inline(__always) func decodeCore(kvTokens: Double, queries q: Int, requests: Double) -> Double {
            kernelMicroseconds(
                flops: decodePairFlops * kvTokens * Double(q), bytes: kvTokens * kvBytesPerToken + requests * Double(q) * decodeQueryBytes)
        }
        @inline(__always) func flashAttention(pairs: Double, queryTokens: Double) -> Double {
            kernelMicroseconds(flops: prefillPairFlops * pairs, bytes: queryTokens * prefillQueryBytes)
        }
    }

    /// The closed-form terms of grouped-query attention, each the same expression as its operator
    /// (`gqaProlog`'s vectors, `gqaDecodeAttention`, `gqaPrefillAttention`, `gqaOutProj`'s quant).
    struct GroupedQueryTerms: Sendable {
        var norm: Double, rope: (Double, Double), quant: Double
        var pairFlops: Double, kvBytesPerToken: Double, decodeQueryBytes: Double, promptQueryBytes: Double
        var memoryRate: Double, attentionRate: Double

        init(_ m: ModelShape, _ a: GroupedQueryAttention, heads h: Int, kvHeads kv: Int, hardware: Hardware) {
            let p = m.precision, act = p.activationBytes, d = a.headDim
            norm = Double(m.hidden * (2 * act + p.linearComputeBytes))
            rope = (Double((h + kv) * d * 2 * act), Double(2 * kv * d * p.kvCacheBytes))
            quant = Double(h * d * (act + p.linearComputeBytes))
            pairFlops = Double(4 * h * d)
            kvBytesPerToken = Double(2 * kv * d * p.kvCacheBytes)
            decodeQueryBytes = Double(2 * h * d * act)
            promptQueryBytes = Double((2 * h + 2 * kv) * d * act)
            let die = hardware.die, eff = hardware.efficiency
            memoryRate = die.hbmBandwidthBytesPerSecond * eff.memoryBandwidth
            attentionRate = die.matmulPeak(operandBytes: p.attentionComputeBytes) * eff.groupedQueryAttentionCompute * CoreShare.wholeDie.cubeFraction
        }

        @inline(__always) func vectorMicroseconds(bytes: Double) -> Double { bytes / memoryRate * 1e6 }
        @inline(__always) func kernelMicroseconds(flops: Double, bytes: Double) -> Double {
            max(flops / attentionRate, bytes / memoryRate) * 1e6
        }
        @inline(__always) func prologVectors(_ t: Double) -> (norm: Double, rope: Double) {
            (vectorMicroseconds(bytes: t * norm), vectorMicroseconds(bytes: t * rope.0 + t * rope.1))
        }
        @inline(__always) func decode(kvTokens: Double, queries q: Int, requests: Double) -> Double {
            kernelMicroseconds(flops: pairFlops * kvTokens * Double(q), bytes: kvTokens * kvBytesPerToken + requests * Double(q) * decodeQueryBytes)
        }
        @inline(__always) func prompt(pairs: Double, queryTokens: Double, contextTokens: Double) -> Double {
            kernelMicroseconds(flops: pairFlops * pairs, bytes: queryTokens * promptQueryBytes + contextTokens * kvBytesPerToken)
        }
    }

    /// Operator times for counts 0..<values.count, and the function for any other count.
    struct Table: Sendable {
        let values: [Double]
        let compute: @Sendable (Int) -> Double

        init(_ size: Int, _ f: @escaping @Sendable (Int) -> Double) {
            values = (0..<max(size, 0)).map(f)
            compute = f
        }

        @inline(__always) subscript(_ n: Int) -> Double { n < values.count ? values[n] : compute(n) }
    }

    /// Most decode requests on one rank for which `layerTimes` finds the slowest rank of each
    /// count in its one scan (a table on the stack); beyond, one scan per distinct count.
    static let maxCountTable = 1_024
    /// The table's size: the engine's batch cap (a rank never holds more), at most `maxCountTable`.
    let countTable: Int

    /// Largest table: 2^17 entries (1 MB) per table; counts beyond are computed on the spot.
    static let maxTableSize = 1 << 17

    public init(_ m: IterationCostModel) {
        model = m
        q = m.queriesPerDecodeRequest
        heads = m.headsPerDie
        tp = m.tp
        pp = max(1, m.layout.pipelineParallel)
        overheadUs = m.calibration.perOperatorOverheadSeconds * 1e6
        allToAll = m.moeCommunication == .allToAll
        moeCollective = m.moeCommunication == .allReduce && m.layout.diesPerStage > 1
        stageCounts = m.stageLayers
        extrasPlan = (m.deployment.mtp.draftTokens, m.mtpPasses > 0)
        graphUs = m.graphOverhead.microseconds
        dispatchCoreChargedUs = m.dispatchCoreSeconds > 0
            ? m.calibration.charged(OperatorTime(name: "", microseconds: m.dispatchCoreSeconds * 1e6, bound: .fixed)).microseconds : nil

        let limits = m.deployment.limits
        let rankSize = min(Self.maxTableSize, max(limits.maxBatchedTokensPerRank, limits.maxBatchPerRank * m.queriesPerDecodeRequest) + 1)
        let stageSize = min(Self.maxTableSize, (rankSize - 1) * max(1, m.layout.attentionDataParallel) + 1)
        let o = m.operators, h = m.headsPerDie, c = m.calibration, share = CoreShare.wholeDie
        let model = m.model, overheads = m.deployment.overheads
        func part(_ f: @escaping @Sendable (Double) -> OperatorTime) -> Table { Table(rankSize) { f(Double($0)).microseconds } }
        func charged(_ size: Int, _ f: @escaping @Sendable (Int) -> OperatorTime) -> Table {
            Table(size) { c.charged(f($0)).microseconds }
        }
        let mlaSize = model.attention.latent == nil ? 0 : rankSize
        func mlaPart(_ f: @escaping @Sendable (Double) -> OperatorTime) -> Table { Table(mlaSize) { f(Double($0)).microseconds } }
        let a = o.mla
        qa = mlaPart { o.linear("q_a+kv_a", m: $0, n: a.qLoraRank + a.kvElementsPerToken, k: model.hidden, share: share) }
        qb = mlaPart { o.linear("q_b", m: $0, n: h * a.qkHeadDim, k: a.qLoraRank, share: share) }
        wuk = mlaPart { o.linear("W_UK absorb", m: $0, n: a.kvLoraRank, k: a.qkNopeHeadDim, groups: h, share: share) }
        wuv = mlaPart { o.linear("W_UV absorb", m: $0, n: a.vHeadDim, k: a.kvLoraRank, groups: h, share: share) }
        oproj = mlaPart { o.linear("o_proj", m: $0, n: model.hidden, k: h * a.vHeadDim, share: share) }
        contextKVB = mlaPart { o.cachedContextKVB(groupTokens: $0, headsOnDie: h) }
        terms = ClosedForm(model, a, heads: h, hardware: m.hardware)
        if let g = model.attention.groupedQuery {
            let kv = m.kvHeadsPerDie
            groupedQuery = (
                qkv: part { o.linear("qkv", m: $0, n: (h + 2 * kv) * g.headDim, k: model.attentionInputWidth, share: share) },
                oproj: part { o.linear("o_proj", m: $0, n: model.hidden, k: h * g.headDim, share: share) },
                terms: GroupedQueryTerms(model, g, heads: h, kvHeads: kv, hardware: m.hardware))
        } else {
            groupedQuery = nil
        }
        isGroupedQuery = model.attention.groupedQuery != nil
        hasExperts = model.moe != nil
        hasDraftModel = m.draftModel != nil
        hasSharedExperts = model.sharedExperts > 0
        countTable = min(max(limits.maxBatchPerRank, 1), Self.maxCountTable)
        let expertSize = hasExperts ? rankSize : 0
        chunkUp = charged(mlaSize) { o.chunkUpProjection(tokens: Double($0), heads: h, share: share) }
        attentionAllReduce = charged(m.tp > 1 ? rankSize : 0) { m.allReduce("", tokens: Double($0), dies: m.tp) }
        dense = charged(rankSize) { o.denseFFN(tokens: Double($0), shards: m.tp, share: share) }
        gate = charged(expertSize) { o.gating(tokens: Double($0), share: share) }
        shared = Table(model.sharedExperts > 0 ? expertSize : 0) { m.sharedExperts(rankTokens: $0)?.microseconds ?? 0 }
        dispatch = charged(allToAll && hasExperts ? rankSize : 0) { m.expertMessage(.dispatch, rankTokens: $0) }
        combine = charged(allToAll && hasExperts ? rankSize : 0) { m.expertMessage(.combine, rankTokens: $0) }
        send = charged(pp > 1 ? rankSize : 0) { m.stageSend(tokens: Double($0)) }
        lmHead = charged(rankSize) { o.lmHead(tokens: Double($0), logitBytes: overheads.logitBytes, shards: m.tp) }
        sampling = charged(rankSize) {
            o.sampling(tokens: Double($0), passes: overheads.samplingPassesOverLogits, logitBytes: overheads.logitBytes)
        }
        mtpProjection = charged(extrasPlan.mtp ? rankSize : 0) { o.mtpProjection(tokens: Double($0)) }
        routed = Table(hasExperts ? stageSize : 0) { m.routedExperts(totalTokens: $0).microseconds }
        moeAllReduce = charged(moeCollective && hasExperts ? stageSize : 0) { m.moeAllReduce(totalTokens: $0) }
    }

    /// One rank's attention for one layer (µs), summed as `IterationLayer.rankMicroseconds` sums
    /// `IterationCostModel.rankAttention`.
    @inline(__always) func attention(_ r: RankLoad) -> Double {
        // The flag first: `if let` alone copied the grouped-query tables (retaining their arrays) on every call.
        if isGroupedQuery, let g = groupedQuery { return groupedQueryAttention(r, g) }
        let dn = r.decodeRequests * q, cn = r.prefillTokens, tn = dn + cn
        guard tn > 0 else { return 0 }
        let d = Double(dn), c = Double(cn), f = terms
        var s = 0 + (qa[tn] + qb[tn] + wuk[dn] + f.vectorMicroseconds(bytes: f.prologVectorBytes(d, c)) + overheadUs)
        if cn > 0 { s += chunkUp[cn] }
        if r.prefillContextTokens > 0 {
            let ctx = r.prefillContextTokens
            s += f.vectorMicroseconds(bytes: Double(ctx) * f.contextNorm) + contextKVB[ctx] + overheadUs
        }
        if dn > 0 { s += f.decodeCore(kvTokens: Double(r.decodeContextTokens), queries: q, requests: Double(r.decodeRequests)) + overheadUs }
        if cn > 0 { s += f.flashAttention(pairs: r.prefillAttentionPairs, queryTokens: c) + overheadUs }
        s += wuv[dn] + f.vectorMicroseconds(bytes: c * f.quant) + oproj[tn] + overheadUs
        if tp > 1 { s += attentionAllReduce[tn] }
        return s
    }

    /// One rank's grouped-query attention for one layer (µs), summed as `rankAttention` sums it.
    @inline(__always) func groupedQueryAttention(_ r: RankLoad, _ g: (qkv: Table, oproj: Table, terms: GroupedQueryTerms)) -> Double {
        let dn = r.decodeRequests * q, cn = r.prefillTokens, tn = dn + cn
        guard tn > 0 else { return 0 }
        let t = Double(tn), f = g.terms
        let v = f.prologVectors(t)
        var s = 0 + (0 + v.norm + g.qkv[tn] + v.rope + overheadUs)
        if dn > 0 { s += f.decode(kvTokens: Double(r.decodeContextTokens), queries: q, requests: Double(r.decodeRequests)) + overheadUs }
        if cn > 0 {
            s += f.prompt(pairs: r.prefillAttentionPairs, queryTokens: Double(cn), contextTokens: Double(r.prefillContextTokens)) + overheadUs
        }
        s += 0 + f.vectorMicroseconds(bytes: t * f.quant) + g.oproj[tn] + overheadUs
        if tp > 1 { s += attentionAllReduce[tn] }
        return s
    }

    /// One rank's own part of a dense layer and of a MoE layer (µs): its attention, then its
    /// dense FFN or its gate.
    @inline(__always) func rankMicroseconds(_ r: RankLoad, tokens t: Int) -> (dense: Double, moe: Double) {
        let a = attention(r)
        var d = a + dense[t]
        if tp > 1 { d += attentionAllReduce[t] }
        guard hasExperts else { return (d, 0) }
        var m = a + gate[t]
        if let core = dispatchCoreChargedUs { m += core }
        return (d, m)
    }

    /// Per-layer times of the three layer kinds and the per-pass extras, for one iteration.
    ///
    /// A layer takes the slowest rank's own operators, so only the ranks that can be slowest are
    /// priced. Among decode-only ranks with the same number of requests every operator but the
    /// attention core has the same count, and the core grows with the context read: each step
    /// adds, multiplies or divides positive numbers, which IEEE rounding keeps monotone, so the
    /// rank with the most context is at least as slow, bit for bit. Only that one of each request
    /// count is priced (with DP32 and a few requests a rank, a handful instead of dozens).
    @inline(__always) func layerTimes(_ ranks: [RankLoad]) -> (dense: Double, moe: Double, extras: Double, busiest: Int)? {
        var denseMax = 0.0, moeMax = 0.0
        var total = 0, busiest = 0, sampledMax = 0
        // The decode-only ranks are priced after the others, one request count at a time in
        // increasing order: the first rank with the most context of each count. The scan that
        // sums the loads also keeps it, per count up to `countTable`, in a table on the stack;
        // counts beyond (none within the engine limits) are found by one scan each, below.
        var beyondTable = 0
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: countTable + 1) { slowest in
            slowest.initialize(repeating: -1)
            var mostDecodeRequests = 0
            for index in ranks.indices {
                let r = ranks[index]
                let t = r.decodeRequests * q + r.prefillTokens
                total += t
                busiest = max(busiest, t)
                sampledMax = max(sampledMax, r.decodeRequests * q + r.prefillsCompleting)
                guard t > 0 else { continue }
                guard r.prefillTokens == 0 && r.prefillContextTokens == 0 else {
                    let own = rankMicroseconds(r, tokens: t)
                    denseMax = max(denseMax, own.dense)
                    moeMax = max(moeMax, own.moe)
                    continue
                }
                let count = r.decodeRequests
                guard count <= countTable else {
                    beyondTable += 1
                    continue
                }
                mostDecodeRequests = max(mostDecodeRequests, count)
                let first = Int(slowest[count])
                if first < 0 || r.decodeContextTokens > ranks[first].decodeContextTokens { slowest[count] = Int32(truncatingIfNeeded: index) }
            }
            guard mostDecodeRequests > 0 else { return }
            for count in 1...mostDecodeRequests where slowest[count] >= 0 {
                let own = rankMicroseconds(ranks[Int(slowest[count])], tokens: count * q)
                denseMax = max(denseMax, own.dense)
                moeMax = max(moeMax, own.moe)
            }
        }
        var decodeOnly = beyondTable, countsBelow = countTable
        while decodeOnly > 0 {
            var count = Int.max, slowest = 0, ofCount = 0
            for index in ranks.indices {
                let r = ranks[index]
                guard r.decodeRequests > countsBelow && r.decodeRequests <= count && r.prefillTokens == 0 && r.prefillContextTokens == 0 else {
                    continue
                }
                if r.decodeRequests < count {
                    count = r.decodeRequests
                    slowest = index
                    ofCount = 1
                } else {
                    if r.decodeContextTokens > ranks[slowest].decodeContextTokens { slowest = index }
                    ofCount += 1
                }
            }
            let own = rankMicroseconds(ranks[slowest], tokens: count * q)
            denseMax = max(denseMax, own.dense)
            moeMax = max(moeMax, own.moe)
            decodeOnly -= ofCount
            countsBelow = count
        }
        guard total > 0 else { return nil }
        guard hasExperts else { return (denseMax, 0, extrasMicroseconds(busiest: busiest, sampledMax: sampledMax, ranks: ranks), busiest) }
        let mlp = hasSharedExperts ? 0 + routed[total] + shared[busiest] + overheadUs : 0 + routed[total] + overheadUs
        var moe = moeMax
        if allToAll {
            moe += dispatch[busiest]
            moe += mlp
            moe += combine[busiest]
        } else {
            moe += mlp
            if moeCollective { moe += moeAllReduce[total] }
        }
        return (denseMax, moe, extrasMicroseconds(busiest: busiest, sampledMax: sampledMax, ranks: ranks), busiest)
    }

    /// The extras as the breakdown sums them: LM head and sampling, the MTP module's passes, then
    /// a draft model's passes (built operator by operator: only EAGLE-3 deployments have them).
    @inline(__always) func extrasMicroseconds(busiest: Int, sampledMax: Int, ranks: [RankLoad]) -> Double {
        var extras = 0.0
        if sampledMax > 0 { extras = extras + lmHead[sampledMax] + sampling[sampledMax] }
        if extrasPlan.mtp {
            for _ in 0..<extrasPlan.drafts {
                extras += mtpProjection[busiest]
                if sampledMax > 0 { extras = extras + lmHead[sampledMax] + sampling[sampledMax] }
            }
        }
        if hasDraftModel { for pass in model.draftPasses(ranks: ranks) { extras += pass.microseconds } }
        return extras
    }

    @inline(__always) func stageLayersMicroseconds(_ s: Int, dense: Double, moe: Double) -> Double {
        let c = stageCounts[s]
        var t = 0.0
        if c.dense > 0 { t += dense * Double(c.dense) }
        if c.moe > 0 { t += moe * Double(c.moe) }
        if c.mtp > 0 { t += moe * Double(c.mtp) }
        return t
    }

    public func iterationMicroseconds(ranks: [RankLoad]) -> Double {
        guard let l = layerTimes(ranks) else { return 0 }
        var pass = 0.0
        for s in 0..<pp {
            pass = pass + stageLayersMicroseconds(s, dense: l.dense, moe: l.moe) + (s < pp - 1 ? send[l.busiest] : 0)
        }
        return pass + l.extras + graphUs
    }

    public func stageMicroseconds(ranks: [RankLoad]) -> Double {
        guard pp > 1 else { return iterationMicroseconds(ranks: ranks) }
        guard let l = layerTimes(ranks) else { return 0 }
        var busiest = 0.0
        for s in 0..<pp {
            let own = stageLayersMicroseconds(s, dense: l.dense, moe: l.moe) + (s < pp - 1 ? send[l.busiest] : 0) + (s == pp - 1 ? l.extras : 0)
            busiest = max(busiest, own)
        }
        return busiest + graphUs
    }
}

extension IterationCostModel {
    /// The fast path for this model (tables built now).
    public func timer() -> IterationTimer { IterationTimer(self) }
}
