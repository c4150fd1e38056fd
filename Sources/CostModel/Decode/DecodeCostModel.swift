import SystemDescription
/// Options of one decode step that a caller may vary around the deployment's defaults.
public struct DecodeOptions: Sendable, Equatable {
    public var mtp: MTPSettings
    public var microbatching: MicrobatchPolicy
    public var expertBalance: ExpertBalance
    /// When set, the attention core of each microbatch takes at least this long: an experiment
    /// that pads attention with dummy kernels (SGLang's simulated MTP, [SGL-EP]). Nil in serving.
    public var attentionPaddedTo: AttentionPadding?

    public init(mtp: MTPSettings, microbatching: MicrobatchPolicy, expertBalance: ExpertBalance, attentionPaddedTo: AttentionPadding? = nil) {
        self.mtp = mtp
        self.microbatching = microbatching
        self.expertBalance = expertBalance
        self.attentionPaddedTo = attentionPaddedTo
    }

    /// The deployment file's settings.
    public init(deployment d: DecodeDeployment) {
        self.init(mtp: d.mtp, microbatching: d.microbatchPolicy, expertBalance: d.expertBalance)
    }
}

/// The time the attention core of one microbatch is padded to (see `DecodeOptions`).
public struct AttentionPadding: Sendable, Equatable {
    public var minimumMicrosecondsPerMicrobatch: Double

    public init(minimumMicrosecondsPerMicrobatch: Double) {
        self.minimumMicrosecondsPerMicrobatch = minimumMicrosecondsPerMicrobatch
    }
}

/// The time of one decode step of the whole instance and where it goes.
public struct DecodeStepBreakdown: Sendable, Equatable {
    public var batchPerDie: Int
    public var meanKVLength: Double
    public var options: DecodeOptions
    /// Whether this step ran the two-stream pipeline (resolves the `whenFaster` policy).
    public var microbatched: Bool
    /// Layer kinds of the main graph and the MTP graph, with their per-stream operators.
    public var layers: [LayerTime]
    /// Operators outside the layers (LM heads, MTP projection, sampling), in step order.
    public var extras: [OperatorTime]
    /// Exposed graph start-up, all graphs (zero when launch is pipelined, paper §4.2.4).
    public var graphOverhead: OperatorTime
    /// Hottest-over-mean load of the routed expert dies used for this step.
    public var expertMaxOverMean: Double

    public var stepMicroseconds: Double {
        layers.reduce(0) { $0 + $1.microseconds * Double($1.count) } + extras.reduce(0) { $0 + $1.microseconds }
            + graphOverhead.microseconds
    }
    /// Expected tokens each request emits per step (1 + acceptance with one draft token).
    public var tokensPerRequestPerStep: Double { options.mtp.tokensPerStep }
    /// Time per output token (ms): step time over tokens per request per step.
    public var tpotMilliseconds: Double { stepMicroseconds / 1000 / tokensPerRequestPerStep }
    /// Output tokens per second per die.
    public var tokensPerSecondPerDie: Double {
        Double(batchPerDie) * tokensPerRequestPerStep / (stepMicroseconds * 1e-6)
    }
    /// The MoE layer's time (µs), the paper's "per-layer latency".
    public var moeLayerMicroseconds: Double { layers.first { $0.kind == .moe }?.microseconds ?? 0 }
}

/// The decode step of CloudMatrix-Infer (paper §4.2) from operators: DP attention on every die,
/// EP over all dies with one expert slot each, the two-stream microbatch pipeline, MTP.
///
/// A step is the main graph (all layers over 1 + k tokens per request, LM head, sampling)
/// followed by the MTP graph (the MTP block over the same tokens, its LM head and sampling): k + 1
/// graphs (paper §4.2.4). All dies step together — each MoE layer synchronises them — so the
/// step is what the busiest die takes: the one hosting the hottest routed expert (or a shared
/// expert, whichever has more tokens).
public struct DecodeCostModel: Sendable {
    public var system: SystemConfiguration
    package var operators: TransformerOperators
    package var communication: ExpertCommunicationModel

    public init(system: SystemConfiguration) {
        self.system = system
        operators = TransformerOperators(model: system.model, hardware: system.hardware)
        communication = ExpertCommunicationModel(hardware: system.hardware)
    }

    var model: ModelShape { system.model }
    var deployment: DecodeDeployment { system.deployment.decode }

    /// One step with `batchPerDie` requests per die whose KV lengths average `meanKVLength`.
    public func stepTime(batchPerDie: Int, meanKVLength: Double, options: DecodeOptions) -> DecodeStepBreakdown {
        step(batchPerDie: batchPerDie, kvTokensPerDie: Double(batchPerDie) * meanKVLength, options: options)
    }

    /// One step with the actual KV length of each request on the busiest die.
    ///
    /// Attention cost is linear in the summed KV length, so a die's lengths enter only through
    /// their sum; the replay passes the lengths of the die it schedules.
    public func stepTime(kvLengths: [Int], options: DecodeOptions) -> DecodeStepBreakdown {
        step(batchPerDie: kvLengths.count, kvTokensPerDie: Double(kvLengths.reduce(0, +)), options: options)
    }

    func step(batchPerDie b: Int, kvTokensPerDie kv: Double, options o: DecodeOptions) -> DecodeStepBreakdown {
        switch o.microbatching {
        case .always: return step(batchPerDie: b, kvTokensPerDie: kv, options: o, twoStreams: deployment.canMicrobatch)
        case .never: return step(batchPerDie: b, kvTokensPerDie: kv, options: o, twoStreams: false)
        case .whenFaster:
            let one = step(batchPerDie: b, kvTokensPerDie: kv, options: o, twoStreams: false)
            guard deployment.canMicrobatch else { return one }
            let two = step(batchPerDie: b, kvTokensPerDie: kv, options: o, twoStreams: true)
            return two.stepMicroseconds < one.stepMicroseconds ? two : one
        }
    }

    func step(batchPerDie b: Int, kvTokensPerDie kv: Double, options o: DecodeOptions, twoStreams: Bool) -> DecodeStepBreakdown {
        let hw = system.hardware
        let q = 1 + o.mtp.draftTokens
        let shares: [CoreShare]
        let names: [String]
        let overlapsCommunication = twoStreams && deployment.overlap == .communication
        if overlapsCommunication {
            shares = [.wholeDie, .wholeDie]
            names = ["compute", "communication"]
        } else if twoStreams, let s = deployment.streams {
            shares = s.map { CoreShare(stream: $0, die: hw.die) }
            names = s.map(\.name)
        } else {
            shares = [.wholeDie]
            names = ["whole die"]
        }
        let n = shares.count == 2 ? 2 : 1
        let requests = Double(b) / Double(n)
        let tokens = requests * Double(q)
        let kvPerMB = kv / Double(n)

        // Expert load per microbatch: tokens of all dies spread over the routed slots, the
        // shared expert's tokens over its copies.
        let k = model.expertsPerToken
        let totalTokens = tokens * Double(deployment.dies)
        let meanRouted = totalTokens * Double(k) / Double(deployment.routedExpertSlots)
        let maxOverMean = system.deployment.imbalance.maxOverMean(
            balance: o.expertBalance, slots: deployment.routedExpertSlots, meanTokensPerSlot: meanRouted)
        let sharedTokens = deployment.sharedExpertCopies > 0
            ? totalTokens * Double(model.sharedExperts) / Double(deployment.sharedExpertCopies) : 0
        let sharedLocal = deployment.sharedExpertOnEveryDie
        let copiesPerToken = k + (deployment.sharedExpertCopies > 0 && !sharedLocal ? model.sharedExperts : 0)
        let ep = deployment.dies

        func attentionStream(_ share: CoreShare) -> [OperatorTime] {
            var ops: [OperatorTime]
            switch model.attention {
            case .multiHeadLatent:
                ops = [
                    operators.decodeMLAProlog(tokens: tokens, share: share),
                    operators.decodeAttentionCore(kvTokens: kvPerMB, queriesPerRequest: q, requests: requests, share: share),
                    operators.decodeOutProj(tokens: tokens, share: share),
                ]
            case .groupedQuery(let a):
                // DP attention: every head on every die.
                ops = [
                    operators.gqaProlog(tokens: tokens, heads: a.queryHeads, kvHeads: a.kvHeads, share: share),
                    operators.gqaDecodeAttention(
                        kvTokens: kvPerMB, queriesPerRequest: q, requests: requests, heads: a.queryHeads, kvHeads: a.kvHeads, share: share),
                    operators.gqaOutProj(tokens: tokens, heads: a.queryHeads, share: share),
                ]
            }
            if let pad = o.attentionPaddedTo {
                ops[1].microseconds = max(ops[1].microseconds, pad.minimumMicrosecondsPerMicrobatch)
            }
            return ops
        }
        func moeStream(_ share: CoreShare) -> [OperatorTime] {
            let routed: OperatorTime
            let experts: OperatorTime
            if sharedLocal {
                // Every die holds its routed slots and a shared copy, and runs both.
                let groups = max(deployment.expertsPerDie - model.sharedExperts, 1)
                routed = operators.experts(tokensPerGroup: meanRouted * maxOverMean, groups: groups, share: share)
                let shared = operators.experts("SharedExpert", tokensPerGroup: sharedTokens, groups: model.sharedExperts, share: share)
                experts = TransformerOperators.fuse("MLP", [routed, shared])
            } else {
                // A die hosts either a routed or a shared expert; the slower kind sets the pace.
                routed = operators.experts(tokensPerGroup: meanRouted * maxOverMean / Double(deployment.expertsPerDie), groups: deployment.expertsPerDie, share: share)
                let shared = operators.experts(tokensPerGroup: sharedTokens, groups: 1, share: share)
                experts = routed.microseconds >= shared.microseconds ? routed : shared
            }
            let dispatchOnCores = system.hardware.linkCommunication?.lowLatencyDispatchCoreSeconds ?? 0
            return [
                operators.gating(tokens: tokens, share: share),
                dispatchOnCores > 0
                    ? OperatorTime(name: "dispatch send/recv", microseconds: dispatchOnCores * 1e6, bound: .fixed) : nil,
                communication.time(.dispatch, tokens: tokens, expertsPerToken: copiesPerToken, messageBytes: model.dispatchMessageBytes, expertParallelism: ep, share: share),
                experts,
                communication.time(.combine, tokens: tokens, expertsPerToken: copiesPerToken, messageBytes: model.combineMessageBytes, expertParallelism: ep, share: share),
            ].compactMap { $0 }
        }
        func denseStream(_ share: CoreShare) -> [OperatorTime] { [operators.denseFFN(tokens: tokens, share: share)] }

        let calibration = system.deployment.calibration
        // The shared expert's part of the fused expert operator: it runs in the stage that
        // hides the dispatch (`StagedCommunicationOverlap`); the routed experts wait for it.
        let sharedExpertAlone = overlapsCommunication && sharedLocal
            ? calibration.charged(operators.experts("SharedExpert", tokensPerGroup: sharedTokens, groups: model.sharedExperts, share: shares[0])).microseconds
            : 0
        func layer(_ kind: LayerTime.Kind, count: Int, ffn: (CoreShare) -> [OperatorTime]) -> LayerTime {
            let streams: [StreamTime]
            var wait: Double? = nil
            if overlapsCommunication {
                let attention = attentionStream(shares[0]).map(calibration.charged)
                let rest = ffn(shares[0]).map(calibration.charged)
                let all = attention + rest
                streams = [
                    StreamTime(name: names[0], share: shares[0], operators: all.filter { $0.bound != .communication }),
                    StreamTime(name: names[1], share: shares[1], operators: all.filter { $0.bound == .communication }),
                ]
                // attentionStream is [prolog, attention core, output projection]; a MoE stream
                // starts with the gate (then the dispatch's SM time, when measured), and has
                // exactly two transfers, dispatch and combine.
                let communication = rest.filter { $0.bound == .communication }
                if communication.count == 2 {
                    wait = StagedCommunicationOverlap.waitPerMicrobatch(
                        dispatch: communication[0].microseconds, combine: communication[1].microseconds,
                        sharedExpert: sharedExpertAlone, attentionPart0: attention[0].microseconds,
                        attentionPart1AndGate: attention[1].microseconds + attention[2].microseconds + rest[0].microseconds)
                } else {
                    wait = 0
                }
            } else if n == 2 {
                streams = [
                    StreamTime(name: names[0], share: shares[0], operators: attentionStream(shares[0]).map(calibration.charged)),
                    StreamTime(name: names[1], share: shares[1], operators: ffn(shares[1]).map(calibration.charged)),
                ]
            } else {
                streams = [StreamTime(
                    name: names[0], share: shares[0], operators: (attentionStream(shares[0]) + ffn(shares[0])).map(calibration.charged))]
            }
            return LayerTime(
                kind: kind, count: count, microbatches: n, streams: streams, roofline: operators.roofline,
                communicationWaitPerMicrobatch: wait)
        }

        var layers = [layer(.dense, count: model.denseLayers, ffn: denseStream)]
        if model.moe != nil { layers.append(layer(.moe, count: model.moeLayers, ffn: moeStream)) }
        let overheads = system.deployment.overheads
        let stepTokens = Double(b * q)
        var extras = [
            operators.lmHead(tokens: stepTokens, logitBytes: overheads.logitBytes),
            operators.sampling(tokens: stepTokens, passes: overheads.samplingPassesOverLogits, logitBytes: overheads.logitBytes),
        ]
        let mtpLayers = o.mtp.draftTokens > 0 && model.moe != nil ? model.mtpModules : 0
        if mtpLayers > 0 {
            // The draft graph: embedding-projection, the MTP block (a MoE layer), its LM head and
            // sampling, over the same 1 + k positions per request, once per draft token.
            let drafts = o.mtp.draftTokens
            layers.append(layer(.mtp, count: mtpLayers * drafts, ffn: moeStream))
            for _ in 0..<drafts {
                extras.append(operators.mtpProjection(tokens: stepTokens))
                extras.append(operators.lmHead(tokens: stepTokens, logitBytes: overheads.logitBytes))
                extras.append(operators.sampling(tokens: stepTokens, passes: overheads.samplingPassesOverLogits, logitBytes: overheads.logitBytes))
            }
        }
        let graphs = Double(o.mtp.graphsPerStep)
        let perGraph = overheads.graphLaunchOverlapped ? 0 : overheads.naiveGraphStartupSeconds
        let overhead = OperatorTime(name: "graph overhead", microseconds: graphs * perGraph * 1e6, bound: .fixed)
        return DecodeStepBreakdown(
            batchPerDie: b, meanKVLength: b > 0 ? kv / Double(b) : 0, options: o, microbatched: n == 2, layers: layers,
            extras: extras.map(calibration.charged),
            graphOverhead: overhead, expertMaxOverMean: maxOverMean)
    }
}
