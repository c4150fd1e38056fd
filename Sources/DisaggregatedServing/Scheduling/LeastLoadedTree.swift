import SystemDescription
import CostModel
/// The least-loaded eligible die, kept up to date per change.
///
/// A tree of two levels with wide nodes: the dies' loads (+∞ when a die may not take more
/// work, e.g. at its batch cap, and for the padding) in groups of `groupSize`, and each group's
/// smallest load. An update writes the load and takes its group's minimum again; the choice
/// takes the smallest group minimum, then the first group holding it, then the first die of
/// that group holding it: the lowest-indexed die with the smallest load — the same answer as
/// scanning the dies in order for the strictly smallest load, which the global scheduler did
/// per admission (O(dies), 320 for the paper's decode).
///
/// Why not a binary tournament tree (what this was): its nine levels for 320 dies made each
/// update a chain of dependent loads and stores, each level waiting for the one below, and its
/// early stop a branch the predictor could not learn; with two reserves or releases and one
/// choice per request, ~12 % of a replay's main thread in `perf`. Here each step is a short
/// loop over independent values, with four running minima so that they overlap.
/// - Complexity: `update` O(1), or O(groupSize) when the group's least-loaded die grows;
///   `minimumLoad` O(n / groupSize); `minimumIndex` O(n / groupSize + groupSize).
struct LeastLoadedTree {
    /// Dies per group (a multiple of 4: the loops take four at a time).
    static var groupSize: Int { 16 }

    /// Loads by die, padded with +∞ to whole groups.
    private var loads: [Double]
    /// The smallest load of each group.
    private var groupMinima: [Double]

    init(count: Int) {
        precondition(count > 0, "a tree needs at least one die")
        let groups = (count + Self.groupSize - 1) / Self.groupSize
        loads = Array(repeating: .infinity, count: groups * Self.groupSize)
        // Padded to a multiple of 4 as well, for `minimumLoad`'s four running minima.
        groupMinima = Array(repeating: .infinity, count: (groups + 3) / 4 * 4)
    }

    /// Sets die `index`'s load; `.infinity` removes it from the choice.
    ///
    /// The group's minimum is taken again only when the die held it and its load grew: a load
    /// at or below the minimum is the new minimum, and a die above the minimum that stays above
    /// it leaves the minimum where it is. So a release (a load falls) never scans, nor does a
    /// reservation on a die that was not its group's least loaded; the minimum is the same
    /// value the scan would give.
    mutating func update(_ index: Int, load: Double) {
        let group = index / Self.groupSize
        let groupMinimum = groupMinima[group]
        let previous = loads.withUnsafeMutableBufferPointer { loads in
            let previous = loads[index]
            loads[index] = load
            return previous
        }
        if load <= groupMinimum {
            groupMinima[group] = load
        } else if previous == groupMinimum {
            groupMinima[group] = loads.withUnsafeBufferPointer { loads in
                Self.minimum(of: UnsafeBufferPointer(rebasing: loads[(group * Self.groupSize)..<((group + 1) * Self.groupSize)]))
            }
        }
    }

    /// The smallest load (+∞ when no die is eligible).
    var minimumLoad: Double {
        groupMinima.withUnsafeBufferPointer { Self.minimum(of: $0) }
    }

    /// The lowest-indexed die holding `minimumLoad`; meaningful only when it is finite.
    var minimumIndex: Int { firstIndex(holding: minimumLoad) }

    /// The lowest-indexed die whose load is `load` (`minimumLoad`, read once by the caller).
    func firstIndex(holding load: Double) -> Int {
        let group = groupMinima.withUnsafeBufferPointer { minima in
            var group = 0
            while group < minima.count - 1 && minima[group] != load { group += 1 }
            return group
        }
        return loads.withUnsafeBufferPointer { loads in
            var index = group * Self.groupSize
            while index < loads.count - 1 && loads[index] != load { index += 1 }
            return index
        }
    }

    /// The smallest of `values` (a multiple of 4 of them), with four running minima so that
    /// the comparisons do not wait for each other. Any order gives a value equal to the
    /// smallest (`==`), which is all the choice compares with.
    @inline(__always)
    private static func minimum(of values: UnsafeBufferPointer<Double>) -> Double {
        var m0 = Double.infinity, m1 = Double.infinity, m2 = Double.infinity, m3 = Double.infinity
        var i = 0
        while i < values.count {
            m0 = Swift.min(m0, values[i])
            m1 = Swift.min(m1, values[i &+ 1])
            m2 = Swift.min(m2, values[i &+ 2])
            m3 = Swift.min(m3, values[i &+ 3])
            i &+= 4
        }
        return Swift.min(Swift.min(m0, m1), Swift.min(m2, m3))
    }
}
