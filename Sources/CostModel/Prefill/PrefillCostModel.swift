import SystemDescription
/// Options of one prefill batch that a caller may vary around the deployment's defaults.
public struct PrefillOptions: Sendable, Equatable {
    public var microbatches: Int
    public var expertBalance: ExpertBalance
    /// Whether the MTP module also runs over the prompt (to draft the first decode token).
    public var runsMTPModule: Bool

    public init(microbatches: Int, expertBalance: ExpertBalance, runsMTPModule: Bool) {
        self.microbatches = microbatches
        self.expertBalance = expertBalance
        self.runsMTPModule = runsMTPModule
    }

    /// The deployment file's settings.
    public init(deployment d: Deployment) {
        self.init(
            microbatches: d.prefill.microbatches, expertBalance: d.prefill.expertBalance,
            runsMTPModule: d.decode.mtp.draftTokens > 0)
    }
}

/// One layer kind of a prefill batch: its pipeline stages for one microbatch.
public struct PrefillLayerStages: Sendable, Equatable {
    public var kind: LayerTime.Kind
    public var count: Int
    package var stages: [PipelineStage]
    /// The shared expert's part of the "MoE" stage (µs); a two-batch-overlap engine runs it
    /// after sending the combine (`TwoBatchOverlapSchedule`).
    public var sharedExpertMicroseconds: Double = 0

    /// This layer as the stages of `TwoBatchOverlapSchedule`: everything before the dispatch,
    /// the dispatch, the routed experts, the combine, the shared expert, what follows.
    var twoBatchOverlapLayer: TwoBatchOverlapSchedule.Layer {
        let transfers = stages.indices.filter { stages[$0].resource == .dma }
        func sum(_ r: Range<Int>) -> Double { stages[r].reduce(0) { $0 + $1.operation.microseconds } }
        guard transfers.count == 2 else { return .init(attention: sequentialMicroseconds) }
        let (d, c) = (transfers[0], transfers[1])
        return .init(
            attention: sum(0..<d), dispatch: stages[d].operation.microseconds,
            routedExperts: sum((d + 1)..<c) - sharedExpertMicroseconds, combine: stages[c].operation.microseconds,
            beforeCombineWait: sharedExpertMicroseconds, afterCombineWait: sum((c + 1)..<stages.count))
    }

    /// Busy time per resource for one microbatch of one layer (µs).
    package func busyMicroseconds(_ r: PipelineResource) -> Double {
        stages.filter { $0.resource == r }.reduce(0) { $0 + $1.operation.microseconds }
    }
    /// All stages back to back, one microbatch (µs).
    public var sequentialMicroseconds: Double { stages.reduce(0) { $0 + $1.operation.microseconds } }
}

/// The time of one prefill batch on one instance and where it goes.
public struct PrefillBreakdown: Sendable, Equatable {
    public var tokensPerNPU: Int
    public var promptLength: Int
    public var reusedPrefixTokens: Int
    public var options: PrefillOptions
    /// How the microbatches were overlapped (the deployment's scheme).
    public var overlap: PrefillOverlap = .listScheduled
    public var expertMaxOverMean: Double
    public var layers: [PrefillLayerStages]
    /// Makespan of the microbatch chains over all layers (µs).
    public var pipelinedMicroseconds: Double
    public var extras: [OperatorTime]
    public var graphOverhead: OperatorTime

    public var batchMicroseconds: Double {
        pipelinedMicroseconds + extras.reduce(0) { $0 + $1.microseconds } + graphOverhead.microseconds
    }
    /// Prompt tokens per second per NPU (reused tokens count: they are served, not computed).
    public var tokensPerSecondPerNPU: Double { Double(tokensPerNPU) / (batchMicroseconds * 1e-6) }
    public var layerCount: Int { layers.reduce(0) { $0 + $1.count } }
    /// Mean pipelined time per layer (µs), comparable to the paper's per-layer latency.
    public var meanLayerMicroseconds: Double { pipelinedMicroseconds / Double(max(layerCount, 1)) }
}

/// A prefill batch of CloudMatrix-Infer (paper §4.3) from operators: SP-TP-SP MLA, EP over the
/// instance, the cube / vector / copy-engine microbatch pipeline.
///
/// Each die holds `tokensPerNPU / diesPerPackage` prompt tokens. Per layer and microbatch the
/// stages are: down-projection (cube), all-gather of the latents over the TP group (DMA),
/// up-projections and causal attention for this die's heads (cube), all-to-all back to sequence
/// order (DMA), output projection and gate (cube), dispatch compute (vector), dispatch (DMA),
/// experts (cube), combine (DMA), combine compute (vector). Chains of microbatches are list
/// scheduled on the three resources (`PipelineSchedule`); with one microbatch this is the sum.
/// The die hosting the hottest experts sets the pace, so its expert and transfer work is scaled
/// by the imbalance's max/mean.
///
/// Only dispatch and combine overlap the other microbatch's compute. The SP-TP-SP all-gather
/// and all-to-all are blocking collectives inside the attention block: the paper's prefill
/// pipeline (§4.3.2, Fig. 18b) puts ATTN on the cube cores and only the Dispatch/Combine
/// all-to-all on SDMA, and its per-layer breakdown (Fig. 21b: Attn-PreFA, Attn-FA, Attn-PostFA,
/// Gating, Dispatch, MoE, Combine) has no separate collective, so they sit inside Attn-PreFA
/// and Attn-PostFA. Their stages are therefore placed on the compute (cube) timeline: the
/// attention block waits for them and the other microbatch cannot use the cube meanwhile. Their
/// bytes still cross the same UB link as dispatch and combine; that sharing is not modelled (over
/// a layer the link carries ~20 ms of transfers in a ~35 ms layer, so it is not the limit).
public struct PrefillCostModel: Sendable {
    public var system: SystemConfiguration
    package var operators: TransformerOperators
    package var transfers: BulkTransferModel

    public init(system: SystemConfiguration) {
        self.system = system
        operators = TransformerOperators(model: system.model, hardware: system.hardware)
        transfers = BulkTransferModel(hardware: system.hardware)
    }

    /// One batch of `tokensPerNPU` tokens made of prompts of `promptLength` tokens, of which the
    /// first `reusedPrefixTokens` of each prompt come from the context cache (their KV is
    /// loaded, not computed; the load itself is the cache pool's business).
    public func batchTime(tokensPerNPU: Int, promptLength: Int, reusedPrefixTokens: Int = 0, options: PrefillOptions)
        -> PrefillBreakdown
    {
        let hw = system.hardware, m = system.model, p = m.precision, dep = system.deployment.prefill
        let mb = max(1, options.microbatches)
        let n = Double(mb)
        let tokensPerDie = Double(tokensPerNPU) / Double(hw.diesPerPackage)
        let reused = min(max(reusedPrefixTokens, 0), promptLength)
        let sequences = tokensPerDie / Double(promptLength)
        let computed = sequences * Double(promptLength - reused) / n
        let cachedPerMicrobatch = sequences * Double(reused) / n
        let tp = dep.attentionTensorParallelDies
        let headsOnDie = m.heads / tp
        let ep = dep.expertParallelDies
        let k = m.expertsPerToken
        // The compute stages run on the cores the communication kernels leave free.
        let compute = CoreShare(
            cubeFraction: Double(hw.die.cubeCores - dep.communicationCores) / Double(hw.die.cubeCores), vectorFraction: 1)

        let routedSlotsPerDie = dep.expertsPerDie - m.sharedExperts
        let meanRouted = computed * Double(k) * Double(dep.dies) / Double(dep.dies * routedSlotsPerDie)
        let maxOverMean = system.deployment.imbalance.maxOverMean(
            balance: options.expertBalance, slots: dep.dies * routedSlotsPerDie, meanTokensPerSlot: meanRouted)

        let pairs = TransformerOperators.causalPairs(sequences: sequences * Double(tp) / n, length: promptLength, reused: reused)
        let c = Double(p.collectiveBytesPerElement)
        func attentionStages() -> [PipelineStage] {
            switch m.attention {
            case .multiHeadLatent(let a):
                // With TP 1 (pure DP attention, the GPU deployments) there is no collective to run.
                return [
                    .init(resource: .cube, operation: operators.prefillDownProjection(tokens: computed, share: compute)),
                    tp > 1 ? .init(resource: .cube, operation: transfers.time(
                        "AllGather", bytesSent: computed * Double(a.qLoraRank + a.kvElementsPerToken) * c * Double(tp - 1))) : nil,
                    .init(resource: .cube, operation: operators.prefillUpProjection(groupTokens: computed * Double(tp), headsOnDie: headsOnDie, share: compute)),
                    reused > 0 ? .init(resource: .cube, operation: operators.prefillCachedContextUpProjection(
                        groupTokens: cachedPerMicrobatch * Double(tp), headsOnDie: headsOnDie, share: compute)) : nil,
                    .init(resource: .cube, operation: operators.prefillFlashAttention(pairs: pairs, queryTokens: computed * Double(tp), heads: headsOnDie, share: compute)),
                    tp > 1 ? .init(resource: .cube, operation: transfers.time(
                        "AllToAll", bytesSent: computed * Double(m.heads * a.vHeadDim) * c * Double(tp - 1) / Double(tp))) : nil,
                    .init(resource: .cube, operation: operators.prefillOutProjection(tokens: computed, share: compute)),
                ].compactMap { $0 }
            case .groupedQuery(let a):
                // The same SP-TP-SP split: each die all-gathers its group's hidden states, projects
                // q/k/v for its heads over the group's tokens (norms counted there), attends, and
                // an all-to-all returns each token's heads to its die for the whole output
                // projection. A reused prefix is read from the cache by the attention kernel: GQA
                // caches keys and values, so nothing is recomputed.
                let kv = a.kvHeadsPerDie(tensorParallel: tp)
                return [
                    tp > 1 ? .init(resource: .cube, operation: transfers.time(
                        "AllGather", bytesSent: computed * Double(m.hidden) * c * Double(tp - 1))) : nil,
                    .init(resource: .cube, operation: operators.gqaProlog(tokens: computed * Double(tp), heads: headsOnDie, kvHeads: kv, share: compute)),
                    .init(resource: .cube, operation: operators.gqaPrefillAttention(
                        pairs: pairs, queryTokens: computed * Double(tp), contextTokens: cachedPerMicrobatch * Double(tp), heads: headsOnDie,
                        kvHeads: kv, share: compute)),
                    tp > 1 ? .init(resource: .cube, operation: transfers.time(
                        "AllToAll", bytesSent: computed * Double(m.heads * a.headDim) * c * Double(tp - 1) / Double(tp))) : nil,
                    .init(resource: .cube, operation: operators.gqaOutProj(tokens: computed, heads: m.heads, share: compute)),
                ].compactMap { $0 }
            }
        }
        let shared = operators.experts("SharedExpert", tokensPerGroup: computed, groups: m.sharedExperts, share: compute)
        func moeStages() -> [PipelineStage] {
            let dispatchBytes = computed * Double(k * m.dispatchMessageBytes)
            let combineBytes = computed * Double(k * m.combineMessageBytes)
            let routed = operators.experts(
                "MLP", tokensPerGroup: meanRouted * maxOverMean, groups: routedSlotsPerDie, share: compute)
            return [
                .init(resource: .cube, operation: operators.gating(tokens: computed, share: compute)),
                .init(resource: .vector, operation: operators.roofline.vector(
                    "DispatchCompute", bytes: computed * Double(m.hidden * p.activationBytes) + dispatchBytes)),
                .init(resource: .dma, operation: transfers.expertTime(
                    "Dispatch", tokens: computed, copies: k, messageBytes: m.dispatchMessageBytes, expertParallelism: ep, loadFactor: maxOverMean)),
                .init(resource: .cube, operation: TransformerOperators.fuse("MoE", [routed, shared])),
                .init(resource: .dma, operation: transfers.expertTime(
                    "Combine", tokens: computed, copies: k, messageBytes: m.combineMessageBytes, expertParallelism: ep, loadFactor: maxOverMean)),
                .init(resource: .vector, operation: operators.roofline.vector(
                    "CombineCompute", bytes: combineBytes + computed * Double(2 * m.hidden * p.activationBytes))),
            ]
        }
        let dense = PrefillLayerStages(
            kind: .dense, count: m.denseLayers,
            stages: attentionStages() + [.init(resource: .cube, operation: operators.denseFFN(tokens: computed, share: compute))])
        var layers = [dense]
        var extras: [OperatorTime] = []
        var moe = dense
        if m.moe != nil {
            moe = PrefillLayerStages(kind: .moe, count: m.moeLayers, stages: attentionStages() + moeStages())
            moe.sharedExpertMicroseconds = shared.microseconds
            layers.append(moe)
        }
        if options.runsMTPModule, m.mtpModules > 0, m.moe != nil {
            var mtp = moe
            mtp.kind = .mtp
            mtp.count = m.mtpModules
            layers.append(mtp)
            extras.append(operators.mtpProjection(tokens: computed * n))
        }
        // The first output token: LM head and sampling on the last position of each prompt.
        let overheads = system.deployment.overheads
        extras.append(operators.lmHead(tokens: sequences, logitBytes: overheads.logitBytes))
        extras.append(operators.sampling(tokens: sequences, passes: overheads.samplingPassesOverLogits, logitBytes: overheads.logitBytes))

        let calibration = system.deployment.calibration
        layers = layers.map { l in
            var c = l
            c.stages = l.stages.map { PipelineStage(resource: $0.resource, operation: calibration.charged($0.operation)) }
            return c
        }
        extras = extras.map(calibration.charged)
        let makespan: Double
        switch dep.overlap {
        case .listScheduled:
            var chain: [PipelineStage] = []
            for layer in layers { for _ in 0..<layer.count { chain += layer.stages } }
            makespan = PipelineSchedule.makespan(chains: Array(repeating: chain, count: mb))
        case .twoBatchOverlap:
            makespan = TwoBatchOverlapSchedule.makespan(layers: layers.map { ($0.twoBatchOverlapLayer, $0.count) }, microbatches: mb)
        }
        let perGraph = overheads.graphLaunchOverlapped ? 0 : overheads.naiveGraphStartupSeconds
        return PrefillBreakdown(
            tokensPerNPU: tokensPerNPU, promptLength: promptLength, reusedPrefixTokens: reused, options: options,
            overlap: dep.overlap, expertMaxOverMean: maxOverMean, layers: layers, pipelinedMicroseconds: makespan, extras: extras,
            graphOverhead: OperatorTime(name: "graph overhead", microseconds: perGraph * 1e6, bound: .fixed))
    }
}
