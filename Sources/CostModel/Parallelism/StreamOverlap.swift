import SystemDescription
/// The operators one stream runs for one microbatch of one layer.
public struct StreamTime: Sendable, Equatable {
    public var name: String
    public var share: CoreShare
    public var operators: [OperatorTime]

    public var microseconds: Double { operators.reduce(0) { $0 + $1.microseconds } }
    public var bytes: Double { operators.filter { $0.bound != .communication }.reduce(0) { $0 + $1.bytes } }
}

/// One kind of layer (dense, MoE, MTP) as the decode pipeline runs it, and how long it takes.
///
/// With microbatching the two streams run side by side on their core shares, each processing
/// both microbatches in turn, so the layer takes `microbatches × max(stream)`; HBM is shared, so
/// the layer can never be shorter than all the bytes both streams move at the attained bandwidth.
/// Without microbatching one stream holds the whole die and runs every operator in sequence.
public struct LayerTime: Sendable, Equatable {
    public enum Kind: String, Sendable { case dense, moe, mtp }
    public var kind: Kind
    /// How many layers of this kind the step runs.
    public var count: Int
    public var microbatches: Int
    /// Per-microbatch operator times of each stream.
    public var streams: [StreamTime]
    /// The HBM floor: every stream's bytes for every microbatch at the attained bandwidth.
    public var memoryFloorMicroseconds: Double
    /// With compute/communication overlap (streams = [compute, communication]): how long the
    /// compute stream waits, per microbatch, for communication the other microbatch's stages
    /// did not cover (`StagedCommunicationOverlap`). Nil for two streams on disjoint cores.
    public var communicationWaitPerMicrobatch: Double?

    /// The layer's time (µs).
    public var microseconds: Double {
        let busiest = streams.map(\.microseconds).max() ?? 0
        if streams.count == 1 { return busiest * Double(microbatches) }
        if let wait = communicationWaitPerMicrobatch {
            return max(Double(microbatches) * (streams[0].microseconds + wait), memoryFloorMicroseconds)
        }
        return max(Double(microbatches) * busiest, memoryFloorMicroseconds)
    }

    /// Time per layer (µs) that overlap cannot hide: one stream idle while the other works, or
    /// the compute stream waiting for communication.
    public var exposedMicroseconds: Double {
        guard streams.count == 2 else { return 0 }
        if let wait = communicationWaitPerMicrobatch { return Double(microbatches) * wait }
        let t = streams.map(\.microseconds)
        return Double(microbatches) * abs(t[0] - t[1])
    }

    init(
        kind: Kind, count: Int, microbatches: Int, streams: [StreamTime], roofline: Roofline,
        communicationWaitPerMicrobatch: Double? = nil
    ) {
        self.kind = kind
        self.count = count
        self.microbatches = microbatches
        self.streams = streams
        self.communicationWaitPerMicrobatch = communicationWaitPerMicrobatch
        let bytes = streams.reduce(0) { $0 + $1.bytes } * Double(microbatches)
        memoryFloorMicroseconds = roofline.memorySeconds(bytes: bytes) * 1e6
    }
}

/// Which compute of the other microbatch hides a microbatch's dispatch and combine in the
/// two-batch-overlap decode of DeepSeek's dual-microbatch pipeline.
///
/// The layer of each microbatch runs in stages separated by yields, the second microbatch two
/// stages behind the first (SGLang's reimplementation of the DeepSeek blog decode pipeline,
/// `python/sglang/srt/operations_strategy.py`, `_compute_moe_deepseek_blog_decode`,
/// `tbo_delta_stages=2`):
/// 1. attention part 0 (MLA prolog) | 2. attention part 1 (attention core, output projection),
/// gate | 3. dispatch sent, shared expert | 4. dispatch received, routed experts, combine sent |
/// 5. combine received, output.
/// Interleaving the two microbatches' stages on one compute stream, a dispatch is in flight
/// while its own microbatch runs the shared expert and the other runs its stage 1, and a
/// combine while the other runs its stage 2. What those stages do not cover, the compute
/// stream waits for (the low-latency kernels hold no SMs while in flight, [PROF]).
///
/// This is why the two microbatches' compute cannot hide all of the communication even when
/// it is longer in total: SGLang reports its combine taking twice DeepSeek's in situ because
/// its attention (the stage hiding the combine) was shorter, and dispatch busy-waiting for
/// data ([SGL-EP], "Detail Breakdown").
public enum StagedCommunicationOverlap {
    /// Per-microbatch wait (µs): dispatch beyond (own shared expert + other's stage 1), plus
    /// combine beyond the other's stage 2.
    public static func waitPerMicrobatch(
        dispatch: Double, combine: Double, sharedExpert: Double, attentionPart0: Double, attentionPart1AndGate: Double
    ) -> Double {
        max(0, dispatch - (sharedExpert + attentionPart0)) + max(0, combine - attentionPart1AndGate)
    }
}
