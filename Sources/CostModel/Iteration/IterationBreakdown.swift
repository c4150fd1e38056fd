import SystemDescription

/// One layer kind of an aggregated iteration: what each attention rank runs alone, then what
/// all ranks run together.
///
/// Each attention rank computes its own attention (and, in dense layers, its FFN) over its own
/// tokens; at a MoE layer every rank meets the others (dispatch, experts, combine, or the MoE
/// all-reduce), so the layer takes the slowest rank's own part plus the common part.
public struct IterationLayer: Sendable, Equatable {
    public var kind: LayerTime.Kind
    /// Layers of this kind in the stage.
    public var count: Int
    /// Per attention rank, in rank order: its operators for one layer (each charged with the
    /// per-operator overhead). An idle rank has none.
    public var rankOperators: [[OperatorTime]]
    /// Operators after the slowest rank has arrived, in order.
    public var commonOperators: [OperatorTime]

    /// Each rank's own time for one layer (µs).
    public var rankMicroseconds: [Double] { rankOperators.map { $0.reduce(0) { $0 + $1.microseconds } } }
    /// The rank that sets the pace (the first of the slowest).
    public var slowestRank: Int {
        let times = rankMicroseconds
        return times.indices.max { times[$0] < times[$1] || (times[$0] == times[$1] && $0 > $1) } ?? 0
    }
    /// One layer (µs): the slowest rank's own part, then the common operators.
    public var microseconds: Double {
        var t = rankMicroseconds.max() ?? 0
        for op in commonOperators { t += op.microseconds }
        return t
    }
}

/// One pipeline stage of an aggregated iteration: its layers and the send to the next stage.
public struct IterationStage: Sendable, Equatable {
    public var layers: [IterationLayer]
    /// The point-to-point send of the activations to the next stage; nil on the last stage.
    public var send: OperatorTime?

    /// The stage's layers (µs).
    public var layersMicroseconds: Double { layers.reduce(0) { $0 + $1.microseconds * Double($1.count) } }
    public var sendMicroseconds: Double { send?.microseconds ?? 0 }
}

/// How the routed experts of a MoE layer meet the tokens of all attention ranks.
public enum MoECommunication: String, Sendable, Equatable {
    /// Each die dispatches its tokens to the dies holding their experts and gets the outputs
    /// back (DP attention with EP over every die of the stage: DeepEP, TensorRT-LLM's
    /// all-to-all, vLLM's `--enable-expert-parallel` with DP).
    case allToAll
    /// Every die sees every token of the stage and computes its experts' share (whole experts
    /// under EP, intermediate slices under TP); partial outputs are summed by an all-reduce (an
    /// all-gather before and a reduce-scatter after when several attention ranks feed it).
    case allReduce
}

/// The time of one iteration of an aggregated replica and where it goes (`cmbench explain`).
public struct IterationBreakdown: Sendable, Equatable {
    public var ranks: [RankLoad]
    public var layout: ParallelLayout
    public var moeCommunication: MoECommunication
    /// Tokens each decode request verifies (1 + MTP drafts).
    public var queriesPerDecodeRequest: Int
    /// Hottest-over-mean load of the routed expert dies this iteration.
    public var expertMaxOverMean: Double
    /// Pipeline stages in order (one without pipeline parallelism); empty when every rank is idle.
    public var stages: [IterationStage]
    /// Operators outside the layers, on the last stage (LM heads, MTP projections, sampling), in
    /// order, for the rank with the most of each.
    public var extras: [OperatorTime]
    /// Exposed graph start-up of the pass.
    public var graphOverhead: OperatorTime

    public var extrasMicroseconds: Double { extras.reduce(0) { $0 + $1.microseconds } }

    /// One pipeline pass through all stages: the iteration's latency (µs).
    public var totalMicroseconds: Double {
        stages.reduce(0) { $0 + $1.layersMicroseconds + $1.sendMicroseconds } + extrasMicroseconds + graphOverhead.microseconds
    }

    /// The busiest stage's occupancy (µs): how soon the replica may start its next pass.
    /// Each stage runs its layers and its send (the last its extras) and pays the graph start-up.
    public var stageMicroseconds: Double {
        guard stages.count > 1 else { return totalMicroseconds }
        var busiest = 0.0
        for (s, stage) in stages.enumerated() {
            let own = stage.layersMicroseconds + stage.sendMicroseconds + (s == stages.count - 1 ? extrasMicroseconds : 0)
            busiest = max(busiest, own)
        }
        return busiest + graphOverhead.microseconds
    }
}
