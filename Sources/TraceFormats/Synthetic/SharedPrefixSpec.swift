#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import DiscreteEvent

/// Shared-prefix structure for synthetic requests: `groups` system prompts of `blocks` blocks each.
///
/// Each request picks one group with Zipf skew `skew` (0: uniform; 1: group k chosen ∝ 1/k), so a
/// few prompts are hot, as in production traces. Its prefix hashes are the group's blocks (as
/// many as fit in the input), then fresh ids for the rest of its input: `⌈input / blockTokens⌉`
/// blocks in all, the last one partial, like Mooncake's `hash_ids`. Group block ids are
/// `group · blocks + j`; unique ids count up from `groups · blocks`, so ids are chained (an id
/// names its whole prefix) and the reuse statistics apply directly.
public struct SharedPrefixSpec: Sendable, Equatable, CustomStringConvertible {
    public var groups: Int
    public var blocks: Int
    public var skew: Double
    public var blockTokens: Int

    public init(groups: Int, blocks: Int, skew: Double = 1.0, blockTokens: Int = 512) {
        precondition(groups >= 1 && blocks >= 1 && blockTokens >= 1 && skew >= 0, "invalid shared-prefix spec")
        self.groups = groups
        self.blocks = blocks
        self.skew = skew
        self.blockTokens = blockTokens
    }

    public var description: String { "groups=\(groups),blocks=\(blocks),skew=\(skew),block=\(blockTokens)" }

    /// Parses `groups=P,blocks=K[,skew=S][,block=TOKENS]`, e.g. `groups=8,blocks=4,skew=1.2`.
    public init(spec: String) throws(WorkloadSpecError) {
        let values = try WorkloadSpecError.keyValues(spec, allowed: ["groups", "blocks", "skew", "block"], spec: spec)
        func whole(_ key: String, default fallback: Int?) throws(WorkloadSpecError) -> Int {
            guard let value = values[key] else {
                if let fallback { return fallback }
                throw WorkloadSpecError(spec: spec, "missing \(key)=N; expected groups=P,blocks=K[,skew=S][,block=TOKENS]")
            }
            guard value >= 1, value < 1e9, value == value.rounded() else {
                throw WorkloadSpecError(spec: spec, "\(key) must be a whole number ≥ 1")
            }
            return Int(value)
        }
        let skew = values["skew"] ?? 1.0
        guard skew >= 0 else { throw WorkloadSpecError(spec: spec, "skew must be ≥ 0") }
        self.init(
            groups: try whole("groups", default: nil), blocks: try whole("blocks", default: nil), skew: skew,
            blockTokens: try whole("block", default: 512))
    }

    /// Cumulative Zipf weights over the groups, for sampling by binary search.
    func cumulativeWeights() -> [Double] {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(groups)
        for rank in 1...groups {
            total += pow(Double(rank), -skew)
            cumulative.append(total)
        }
        return cumulative.map { $0 / total }
    }
}
