import SystemDescription
import CostModel
/// The least-loaded eligible die, kept up to date in O(log n) per change and read in O(1).
///
/// A tournament tree over the dies: each leaf holds a die's load (+∞ when it may not take
/// more work, e.g. at its batch cap) and each inner node the smaller of its children, ties going
/// to the lower index — the same answer as scanning the dies in order for the strictly smallest
/// load, which the global scheduler did per admission (O(dies), 320 for the paper's decode).
/// - Complexity: `update` O(log n); `minimum` O(1).
struct LeastLoadedTree {
    private var keys: [Double]
    private var owners: [Int32]
    private let leaves: Int

    init(count: Int) {
        precondition(count > 0, "a tree needs at least one die")
        var size = 1
        while size < count { size *= 2 }
        leaves = size
        keys = Array(repeating: .infinity, count: 2 * size)
        owners = Array(repeating: -1, count: 2 * size)
        for i in 0..<size { owners[size + i] = Int32(i < count ? i : -1) }
        for node in stride(from: size - 1, through: 1, by: -1) { pull(node) }
    }

    /// Sets die `index`'s load; `.infinity` removes it from the choice.
    ///
    /// Stops climbing once a node's winner is unchanged: the nodes above depend only on it.
    mutating func update(_ index: Int, load: Double) {
        let leaf = leaves + index
        keys.withUnsafeMutableBufferPointer { keys in
            owners.withUnsafeMutableBufferPointer { owners in
                keys[leaf] = load
                var node = leaf / 2
                while node >= 1 {
                    let left = 2 * node
                    // `left | 1` is the right child (left is even); choosing by arithmetic
                    // rather than a branch, which the loads made unpredictable (~10 % of a
                    // replay's main thread went to its mispredictions).
                    let winner = left | (keys[left | 1] < keys[left] ? 1 : 0)
                    if keys[node].bitPattern == keys[winner].bitPattern && owners[node] == owners[winner] { return }
                    keys[node] = keys[winner]
                    owners[node] = owners[winner]
                    node /= 2
                }
            }
        }
    }

    /// The die with the smallest finite load (lowest index on ties), or nil when none is eligible.
    var minimum: (index: Int, load: Double)? {
        keys[1].isFinite ? (Int(owners[1]), keys[1]) : nil
    }

    private mutating func pull(_ node: Int) {
        let left = 2 * node
        let right = left + 1
        let takeRight = keys[right] < keys[left]
        keys[node] = takeRight ? keys[right] : keys[left]
        owners[node] = takeRight ? owners[right] : owners[left]
    }
}
