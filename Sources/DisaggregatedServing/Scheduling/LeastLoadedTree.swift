import SystemDescription
import CostModel
/// The least-loaded eligible die, kept up to date in O(log n) per change.
///
/// A tournament tree over the dies: each leaf holds a die's load (+∞ when it may not take
/// more work, e.g. at its batch cap, and for the padding leaves) and each inner node the
/// smaller of its children's loads. The die is found by descending from the root towards the
/// child holding the minimum, the left one on ties, so it is the lowest-indexed die with the
/// smallest load — the same answer as scanning the dies in order for the strictly smallest
/// load, which the global scheduler did per admission (O(dies), 320 for the paper's decode).
/// Nodes keep loads only (no winner index): an update is a `min` per level and stops once a
/// node's load is unchanged, ~half the instructions of carrying the winner up as well, and
/// the descent runs once per admission, against two updates (reserve and release).
/// - Complexity: `update` O(log n); `minimumLoad` O(1); `minimumIndex` O(log n).
struct LeastLoadedTree {
    private var keys: [Double]
    private let leaves: Int

    init(count: Int) {
        precondition(count > 0, "a tree needs at least one die")
        var size = 1
        while size < count { size *= 2 }
        leaves = size
        keys = Array(repeating: .infinity, count: 2 * size)
    }

    /// Sets die `index`'s load; `.infinity` removes it from the choice.
    ///
    /// Stops climbing once a node's load is unchanged: the nodes above depend only on it.
    mutating func update(_ index: Int, load: Double) {
        let leaf = leaves + index
        keys.withUnsafeMutableBufferPointer { keys in
            keys[leaf] = load
            var node = leaf / 2
            while node >= 1 {
                let left = 2 * node
                // `min` compiles to one instruction; a branch here, which the loads made
                // unpredictable, cost ~10 % of a replay's main thread in mispredictions.
                let smaller = Swift.min(keys[left], keys[left | 1])
                if keys[node] == smaller { return }
                keys[node] = smaller
                node /= 2
            }
        }
    }

    /// The smallest load (+∞ when no die is eligible).
    var minimumLoad: Double { keys[1] }

    /// The lowest-indexed die holding `minimumLoad`; meaningful only when it is finite.
    var minimumIndex: Int {
        keys.withUnsafeBufferPointer { keys in
            var node = 1
            while node < leaves {
                let left = 2 * node
                // The left child holds the minimum unless only the right one does.
                node = left | (keys[left | 1] < keys[left] ? 1 : 0)
            }
            return node - leaves
        }
    }
}
