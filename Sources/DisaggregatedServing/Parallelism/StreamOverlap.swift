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

    /// The layer's time (µs).
    public var microseconds: Double {
        let busiest = streams.map(\.microseconds).max() ?? 0
        if streams.count == 1 { return busiest * Double(microbatches) }
        return max(Double(microbatches) * busiest, memoryFloorMicroseconds)
    }

    /// Time the busiest stream leaves the other idle, per layer (µs): what overlap cannot hide.
    public var exposedMicroseconds: Double {
        guard streams.count == 2 else { return 0 }
        let t = streams.map(\.microseconds)
        return Double(microbatches) * abs(t[0] - t[1])
    }

    init(kind: Kind, count: Int, microbatches: Int, streams: [StreamTime], roofline: Roofline) {
        self.kind = kind
        self.count = count
        self.microbatches = microbatches
        self.streams = streams
        let bytes = streams.reduce(0) { $0 + $1.bytes } * Double(microbatches)
        memoryFloorMicroseconds = roofline.memorySeconds(bytes: bytes) * 1e6
    }
}
