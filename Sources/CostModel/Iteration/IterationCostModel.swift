import SystemDescription

/// The cost of one iteration of an aggregated replica (continuous batching): decode tokens and
/// prompt chunks of every attention rank in one mixed batch, from the same operators as the
/// decode step and the prefill batch.
///
/// Per layer and attention rank (its `tensorParallel` dies share its heads and weight columns):
/// - GEMMs every token needs run over all the rank's tokens at once: q_a/kv_a, q_b (in
///   `MLAProlog`), the output projection (in `O_PROJ`), the dense FFN, the router;
/// - decode tokens use absorbed MLA over their cached latent KV (W_UK, `FusedAttention` over
///   `decodeContextTokens`, W_UV), each request verifying 1 + k tokens under MTP;
/// - prompt chunks use attention without absorption: kv_b over the chunk (`Attn-PreFA up`), kv_b
///   again over the context before the chunk (`Attn-PreFA cached up`: the cache holds only the
///   latent, as vLLM's MLA backend does for chunked context, `_compute_prefill_context` in
///   vllm/v1/attention/backends/mla/common.py), causal attention over the chunks' (query, key)
///   pairs (`Attn-FA`);
/// - with `tensorParallel` > 1, an all-reduce of the rank's activations after attention and
///   after the dense FFN (`allReduce`).
/// At a MoE layer every rank of the stage meets the others (an idle rank joins with no tokens),
/// so the layer is the slowest rank's own part plus the common part (`MoECommunication`):
/// dispatch, the routed experts on the hottest die with the shared experts of the busiest rank,
/// combine; or the experts and the MoE all-reduce.
/// Each pipeline stage holds its share of the layers (`stageLayers`) and sends the activations
/// to the next; the last adds the LM head, sampling and the MTP module's projection, LM head and
/// sampling once per draft token, as `DecodeCostModel` does, and the MTP layer runs as a MoE
/// layer over the iteration's tokens once per draft ([assumption] prompt tokens go through every
/// draft pass as decode tokens do; with one draft token, the usual case, this is exact).
///
/// There is no two-microbatch overlap: TensorRT-LLM's aggregated DeepSeek-R1 rows (its best-
/// performance guide, `Best_perf_practice_on_DeepSeek-R1_in_TensorRT-LLM.md`) run without it,
/// and vLLM and SGLang enable it only on request. Modelling it would need the iteration split
/// into two halves of the ranks' tokens and run through `StagedCommunicationOverlap`, as
/// `DecodeCostModel` does for the `communication` overlap.
///
/// Every operator is charged the deployment's per-operator overhead, as in decode and prefill;
/// an operator with no tokens is not run. An iteration in which every rank is idle takes 0.
public struct IterationCostModel: IterationTiming {
    public var hardware: Hardware
    public var model: ModelShape
    public var deployment: AggregatedDeployment
    /// How the routed experts meet the tokens (see `MoECommunication`).
    public var moeCommunication: MoECommunication
    package var operators: TransformerOperators
    package var communication: ExpertCommunicationModel
    /// The draft model proposing `mtp.draftTokens` tokens per step (EAGLE-3), nil when drafts come
    /// from the model's MTP module or there are none.
    public var draftModel: ModelShape?
    package var draftOperators: TransformerOperators?

    /// - Parameter moeCommunication: nil: the deployment file's `moeCommunication`, else
    ///   all-to-all when attention is pure DP (TP 1) and EP spans every die of the stage, the
    ///   all-reduce form otherwise. `.allReduce` may be asked
    ///   for any layout (an engine that all-gathers the DP ranks' tokens and reduce-scatters the
    ///   outputs, as TensorRT-LLM's attention-DP MoE without its all-to-all kernels does);
    ///   `.allToAll` is honoured only where the default would choose it.
    public init(
        hardware: Hardware, model: ModelShape, deployment: AggregatedDeployment, moeCommunication: MoECommunication? = nil,
        draftModel: ModelShape? = nil
    ) {
        self.hardware = hardware
        self.draftModel = draftModel
        draftOperators = draftModel.map { TransformerOperators(model: $0, hardware: hardware) }
        self.model = model
        self.deployment = deployment
        let l = deployment.layout
        let canAllToAll = l.tensorParallel <= 1 && l.expertParallel > 1 && l.expertParallel == l.diesPerStage
        let asked = moeCommunication ?? (deployment.expertExchange == .allGatherReduceScatter ? .allReduce : nil)
        self.moeCommunication = canAllToAll && asked != .allReduce ? .allToAll : .allReduce
        operators = TransformerOperators(model: model, hardware: hardware)
        communication = ExpertCommunicationModel(hardware: hardware)
    }

    var layout: ParallelLayout { deployment.layout }
    var tp: Int { max(1, layout.tensorParallel) }
    var ep: Int { max(1, layout.expertParallel) }
    var calibration: Calibration { deployment.calibration }
    /// Tokens each decode request computes per iteration: 1 + MTP draft tokens.
    public var queriesPerDecodeRequest: Int { 1 + deployment.mtp.draftTokens }
    /// Attention heads on one die of a rank's TP group.
    var headsPerDie: Int { max(1, model.heads / tp) }
    /// KV heads on one die of a rank's TP group (grouped-query attention; 0 for MLA).
    var kvHeadsPerDie: Int { model.attention.groupedQuery?.kvHeadsPerDie(tensorParallel: tp) ?? 0 }
    var routedSlots: Int { deployment.routedSlots(model: model) }
    var routedSlotsPerDie: Int { deployment.routedSlotsPerDie(model: model) }
    var expertShards: Int { layout.expertShards }
    /// MTP layers each iteration runs (the module once per draft token).
    var mtpPasses: Int { deployment.mtp.draftTokens > 0 && draftModel == nil ? model.mtpModules * deployment.mtp.draftTokens : 0 }

    /// Layers of each kind on each pipeline stage (`ParallelLayout.stageLayers`), the MTP layer
    /// counted once per draft pass.
    public var stageLayers: [(dense: Int, moe: Int, mtp: Int)] {
        layout.stageLayers(layers: model.layers, denseLayers: model.denseLayers, mtpLayers: mtpPasses)
    }

    // MARK: operators

    /// A ring all-reduce of `tokens` activations over `dies` dies of the scale-up domain (or
    /// scale-out beyond it): each die sends and receives 2(n − 1)/n of the data (Patarasuk and
    /// Yuan, "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC 2009;
    /// NCCL's ring: docs "Performance reported by NCCL tests", busbw = algbw × 2(n − 1)/n), at the
    /// attained rate; latency: two phases (reduce-scatter, all-gather) of one link latency each,
    /// as the two-shot all-reduce of TensorRT-LLM's custom kernels (cpp/tensorrt_llm/kernels/
    /// customAllReduceKernels.cu) [assumption: the link's small-message latency per phase].
    func allReduce(_ name: String, tokens: Double, dies n: Int) -> OperatorTime {
        let bytes = 2 * Double(n - 1) / Double(n) * tokens * Double(model.hidden * model.precision.activationBytes)
        let seconds = 2 * linkLatencySeconds + bytes / linkBytesPerSecond(dies: n)
        return OperatorTime(name: name, microseconds: seconds * 1e6, bound: .communication, bytes: bytes)
    }

    /// The point-to-point send of `tokens` activations to the next pipeline stage.
    func stageSend(tokens: Double) -> OperatorTime {
        let bytes = tokens * Double(model.hidden * model.precision.activationBytes)
        let seconds = linkLatencySeconds + bytes / linkBytesPerSecond(dies: layout.diesPerReplica)
        return OperatorTime(name: "PP send", microseconds: seconds * 1e6, bound: .communication, bytes: bytes)
    }

    /// Small-message latency of the scale-up link: the link model's fixed latency (GPUs), else
    /// the measured intra-node write latency (UB, v2 Table 1).
    var linkLatencySeconds: Double {
        hardware.linkCommunication?.fixedLatencySeconds ?? hardware.scaleUp.measured?.writeIntraNodeLatencySeconds ?? 0
    }

    /// The attained scale-up rate while `dies` fit in one scale-up domain, the scale-out rate beyond.
    func linkBytesPerSecond(dies: Int) -> Double {
        dies <= hardware.diesPerScaleUpDomain ? hardware.scaleUp.attainedBytesPerSecond : hardware.scaleOut.attainedBytesPerSecond
    }

    /// One rank's attention for one layer, charged: nothing for an idle rank.
    func rankAttention(_ r: RankLoad) -> [OperatorTime] {
        let q = queriesPerDecodeRequest, h = headsPerDie
        let d = Double(r.decodeRequests * q), c = Double(r.prefillTokens)
        guard d + c > 0 else { return [] }
        var ops: [OperatorTime]
        switch model.attention {
        case .multiHeadLatent:
            ops = [operators.mixedMLAProlog(decodeTokens: d, prefillTokens: c, heads: h, share: .wholeDie)]
            if c > 0 { ops.append(operators.chunkUpProjection(tokens: c, heads: h, share: .wholeDie)) }
            if r.prefillContextTokens > 0 {
                ops.append(operators.prefillCachedContextUpProjection(groupTokens: Double(r.prefillContextTokens), headsOnDie: h))
            }
            if d > 0 {
                ops.append(operators.decodeAttentionCore(
                    kvTokens: Double(r.decodeContextTokens), queriesPerRequest: q, requests: Double(r.decodeRequests), heads: h,
                    share: .wholeDie))
            }
            if c > 0 { ops.append(operators.prefillFlashAttention(pairs: r.prefillAttentionPairs, queryTokens: c, heads: h)) }
            ops.append(operators.mixedOutProj(decodeTokens: d, prefillTokens: c, heads: h, share: .wholeDie))
        case .groupedQuery:
            // Decode tokens and prompt chunks share the projections; each kind has its attention kernel.
            let kv = kvHeadsPerDie
            ops = [operators.gqaProlog(tokens: d + c, heads: h, kvHeads: kv, share: .wholeDie)]
            if d > 0 {
                ops.append(operators.gqaDecodeAttention(
                    kvTokens: Double(r.decodeContextTokens), queriesPerRequest: q, requests: Double(r.decodeRequests), heads: h,
                    kvHeads: kv, share: .wholeDie))
            }
            if c > 0 {
                ops.append(operators.gqaPrefillAttention(
                    pairs: r.prefillAttentionPairs, queryTokens: c, contextTokens: Double(r.prefillContextTokens), heads: h, kvHeads: kv,
                    share: .wholeDie))
            }
            ops.append(operators.gqaOutProj(tokens: d + c, heads: h, share: .wholeDie))
        }
        if tp > 1 { ops.append(allReduce("AllReduce (attention)", tokens: d + c, dies: tp)) }
        return ops.map(calibration.charged)
    }

    /// What a rank runs after its attention in a dense layer, charged.
    func rankDenseTail(tokens t: Int) -> [OperatorTime] {
        guard t > 0 else { return [] }
        var ops = [operators.denseFFN(tokens: Double(t), shards: tp, share: .wholeDie)]
        if tp > 1 { ops.append(allReduce("AllReduce (FFN)", tokens: Double(t), dies: tp)) }
        return ops.map(calibration.charged)
    }

    /// SM time of one low-latency dispatch call, when the hardware file measures it.
    var dispatchCoreSeconds: Double {
        moeCommunication == .allToAll ? hardware.linkCommunication?.lowLatencyDispatchCoreSeconds ?? 0 : 0
    }

    /// What a rank runs after its attention in a MoE layer before meeting the others, charged:
    /// the router, and the dispatch kernels' SM time (as `DecodeCostModel`).
    func rankMoETail(tokens t: Int) -> [OperatorTime] {
        guard t > 0 else { return [] }
        var ops = [operators.gating(tokens: Double(t), share: .wholeDie)]
        if dispatchCoreSeconds > 0 {
            ops.append(OperatorTime(name: "dispatch send/recv", microseconds: dispatchCoreSeconds * 1e6, bound: .fixed))
        }
        return ops.map(calibration.charged)
    }

    /// Hottest-over-mean routed load for `totalTokens` tokens of the stage (1 when every die holds
    /// every expert).
    func expertMaxOverMean(totalTokens: Int) -> (meanPerSlot: Double, maxOverMean: Double) {
        guard model.moe != nil else { return (0, 1) }
        let mean = Double(totalTokens) * Double(model.expertsPerToken) / Double(routedSlots)
        guard ep > 1 else { return (mean, 1) }
        return (mean, deployment.imbalance.maxOverMean(balance: deployment.expertBalance, slots: routedSlots, meanTokensPerSlot: mean))
    }

    /// The routed experts of the busiest die, uncharged (fused into `MLP`).
    func routedExperts(totalTokens: Int) -> OperatorTime {
        let (mean, maxOverMean) = expertMaxOverMean(totalTokens: totalTokens)
        return operators.experts(tokensPerGroup: mean * maxOverMean, groups: routedSlotsPerDie, shards: expertShards, share: .wholeDie)
    }

    /// The shared experts over the busiest rank's tokens, uncharged (fused into `MLP`): each rank
    /// runs them on its own tokens, split over its TP group.
    func sharedExperts(rankTokens: Int) -> OperatorTime? {
        guard model.sharedExperts > 0 else { return nil }
        return operators.experts(
            "SharedExpert", tokensPerGroup: Double(rankTokens), groups: model.sharedExperts, shards: tp, share: .wholeDie)
    }

    func expertMessage(_ kind: ExpertCommunicationModel.Kind, rankTokens: Int) -> OperatorTime {
        communication.time(
            kind, tokens: Double(rankTokens), expertsPerToken: model.expertsPerToken,
            messageBytes: kind == .dispatch ? model.dispatchMessageBytes : model.combineMessageBytes, expertParallelism: ep)
    }

    /// The MoE part all ranks run together, charged, for `totalTokens` over the stage and
    /// `maxRankTokens` on the busiest rank.
    func moeCommon(totalTokens: Int, maxRankTokens: Int) -> [OperatorTime] {
        let mlp = TransformerOperators.fuse(
            "MLP", [routedExperts(totalTokens: totalTokens), sharedExperts(rankTokens: maxRankTokens)].compactMap { $0 })
        let ops: [OperatorTime]
        switch moeCommunication {
        case .allToAll:
            ops = [expertMessage(.dispatch, rankTokens: maxRankTokens), mlp, expertMessage(.combine, rankTokens: maxRankTokens)]
        case .allReduce:
            let n = layout.diesPerStage
            ops = n > 1 ? [mlp, moeAllReduce(totalTokens: totalTokens)] : [mlp]
        }
        return ops.map(calibration.charged)
    }

    func moeAllReduce(totalTokens: Int) -> OperatorTime {
        allReduce(
            layout.attentionDataParallel > 1 ? "AllGather+ReduceScatter (MoE)" : "AllReduce (MoE)", tokens: Double(totalTokens),
            dies: layout.diesPerStage)
    }

    /// The operators after the last layer, charged: LM head and sampling over the positions that
    /// sample (decode tokens and the last token of each completed prompt), and per MTP draft the
    /// module's projection over every token, its LM head and sampling.
    func extras(maxRankTokens: Int, maxSampled: Int) -> [OperatorTime] {
        let o = deployment.overheads
        let sampled = Double(maxSampled)
        var ops: [OperatorTime] = []
        func head() {
            guard maxSampled > 0 else { return }
            ops.append(operators.lmHead(tokens: sampled, logitBytes: o.logitBytes, shards: tp))
            ops.append(operators.sampling(tokens: sampled, passes: o.samplingPassesOverLogits, logitBytes: o.logitBytes))
        }
        head()
        if mtpPasses > 0 {
            for _ in 0..<deployment.mtp.draftTokens {
                ops.append(operators.mtpProjection(tokens: Double(maxRankTokens)))
                head()
            }
        }
        return ops.map(calibration.charged)
    }

    /// The draft model's passes of one iteration, charged, as SGLang's EAGLE worker runs them
    /// with top-k 1 (`eagle_worker.py`: a draft extend after the verify, then the draft steps):
    /// the first over the tokens the target just computed (each decode request's verified tokens,
    /// and the prompt tokens, whose draft KV it writes), proposing the first draft token; then
    /// `mtp.draftTokens` − 1 passes of one token per decode request. A pass is the `fc` over the
    /// fused target features, the draft's layer (its grouped-query attention over its own cache,
    /// its dense FFN), its LM head and sampling at one position per decode request (and per
    /// completed prompt in the first). Each attention rank runs its own draft with no
    /// communication, so a pass takes its slowest rank's time. [assumption] The verified tokens
    /// are charged in full in the first pass (SGLang extends over the accepted ones only).
    func draftPasses(ranks: [RankLoad]) -> [OperatorTime] {
        guard let draft = draftModel, let o = draftOperators, let g = draft.attention.groupedQuery else { return [] }
        let q = queriesPerDecodeRequest, logitBytes = deployment.overheads.logitBytes
        return (0..<deployment.mtp.draftTokens).map { pass in
            var slowest = OperatorTime(name: "Draft pass \(pass + 1)", microseconds: 0, bound: .fixed)
            for r in ranks {
                let d = Double(r.decodeRequests * (pass == 0 ? q : 1)), c = pass == 0 ? Double(r.prefillTokens) : 0
                let sampled = Double(r.decodeRequests + (pass == 0 ? r.prefillsCompleting : 0))
                guard d + c > 0 else { continue }
                var ops = [
                    o.linear("fc", m: d + c, n: draft.hidden, k: max(1, draft.draftFeatureLayers) * draft.hidden, share: .wholeDie),
                    o.gqaProlog(tokens: d + c, heads: g.queryHeads, kvHeads: g.kvHeads, share: .wholeDie),
                ]
                if d > 0 {
                    ops.append(o.gqaDecodeAttention(
                        kvTokens: Double(r.decodeContextTokens), queriesPerRequest: pass == 0 ? q : 1, requests: Double(r.decodeRequests),
                        heads: g.queryHeads, kvHeads: g.kvHeads, share: .wholeDie))
                }
                if c > 0 {
                    ops.append(o.gqaPrefillAttention(
                        pairs: r.prefillAttentionPairs, queryTokens: c, contextTokens: Double(r.prefillContextTokens), heads: g.queryHeads,
                        kvHeads: g.kvHeads, share: .wholeDie))
                }
                ops.append(o.gqaOutProj(tokens: d + c, heads: g.queryHeads, share: .wholeDie))
                ops.append(o.denseFFN(tokens: d + c, share: .wholeDie))
                if sampled > 0 {
                    ops.append(o.lmHead(tokens: sampled, logitBytes: logitBytes))
                    ops.append(o.sampling(tokens: sampled, passes: deployment.overheads.samplingPassesOverLogits, logitBytes: logitBytes))
                }
                let rank = TransformerOperators.fuse("Draft pass \(pass + 1)", ops.map(calibration.charged))
                if rank.microseconds > slowest.microseconds { slowest = rank }
            }
            return slowest
        }
    }

    /// Graph start-up per pass: one graph per MTP draft plus the main one, unless launches overlap.
    var graphOverhead: OperatorTime {
        let o = deployment.overheads
        let graphs = Double(deployment.mtp.graphsPerStep)
        let perGraph = o.graphLaunchOverlapped ? 0 : o.naiveGraphStartupSeconds
        return OperatorTime(name: "graph overhead", microseconds: graphs * perGraph * 1e6, bound: .fixed)
    }

    // MARK: the iteration

    /// Where one iteration's time goes, rank by rank and operator by operator.
    ///
    /// - Parameter ranks: one load per attention rank (`attentionDataParallel` of them).
    public func breakdown(ranks: [RankLoad]) -> IterationBreakdown {
        let q = queriesPerDecodeRequest
        let tokens = ranks.map { $0.decodeRequests * q + $0.prefillTokens }
        let total = tokens.reduce(0, +), busiest = tokens.max() ?? 0
        let maxSampled = ranks.map { $0.decodeRequests * q + $0.prefillsCompleting }.max() ?? 0
        var result = IterationBreakdown(
            ranks: ranks, layout: layout, moeCommunication: moeCommunication, queriesPerDecodeRequest: q,
            expertMaxOverMean: expertMaxOverMean(totalTokens: total).maxOverMean, stages: [], extras: [],
            graphOverhead: OperatorTime(name: "graph overhead", microseconds: 0, bound: .fixed))
        guard total > 0 else { return result }
        let attention = ranks.map(rankAttention)
        let dense = IterationLayer(
            kind: .dense, count: 0, rankOperators: zip(attention, tokens).map { $0 + rankDenseTail(tokens: $1) }, commonOperators: [])
        // A dense model has no MoE layer (every stage's count is 0), so none is built.
        let moe = model.moe == nil
            ? dense
            : IterationLayer(
                kind: .moe, count: 0, rankOperators: zip(attention, tokens).map { $0 + rankMoETail(tokens: $1) },
                commonOperators: moeCommon(totalTokens: total, maxRankTokens: busiest))
        let counts = stageLayers
        result.stages = counts.enumerated().map { s, c in
            var layers: [IterationLayer] = []
            for (layer, count) in [(dense, c.dense), (moe, c.moe)] where count > 0 {
                var l = layer
                l.count = count
                layers.append(l)
            }
            if c.mtp > 0 {
                var l = moe
                l.kind = .mtp
                l.count = c.mtp
                layers.append(l)
            }
            return IterationStage(
                layers: layers, send: s < counts.count - 1 ? calibration.charged(stageSend(tokens: Double(busiest))) : nil)
        }
        result.extras = extras(maxRankTokens: busiest, maxSampled: maxSampled) + draftPasses(ranks: ranks)
        result.graphOverhead = graphOverhead
        return result
    }

    /// What each die holds and the KV blocks a rank gets (`MemoryBudget.aggregated`).
    public var memoryBudget: AggregatedMemoryBudget {
        MemoryBudget.aggregated(model: model, deployment: deployment, hardware: hardware, draftModel: draftModel)
    }

    public func iterationMicroseconds(ranks: [RankLoad]) -> Double { breakdown(ranks: ranks).totalMicroseconds }

    public func stageMicroseconds(ranks: [RankLoad]) -> Double { breakdown(ranks: ranks).stageMicroseconds }
}
