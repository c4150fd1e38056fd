import DiscreteEvent
import Testing

@testable import DisaggregatedServing
import CostModel
import SystemDescription

@Suite struct LeastLoadedTreeTests {
    /// Oracle: the scan it replaces — the strictly smallest finite load, lowest index on ties.
    static func scan(_ loads: [Double]) -> (Int, Double)? {
        var best: (Int, Double)?
        for (i, load) in loads.enumerated() where load.isFinite && load < (best?.1 ?? .infinity) { best = (i, load) }
        return best
    }

    @Test(arguments: [1, 3, 320, 641, 1100])
    func agreesWithALinearScanUnderRandomUpdates(count: Int) {
        for seed in UInt64(1)...20 {
            var generator = SeededGenerator(seed: seed)
            var tree = LeastLoadedTree(count: count)
            var loads = [Double](repeating: .infinity, count: count)
            for _ in 0..<500 {
                let index = Int(generator.nextInt(below: UInt64(count)))
                // Few distinct values, so ties are common; sometimes ineligible.
                let load = generator.nextInt(below: 8) == 0 ? Double.infinity : Double(generator.nextInt(below: 5))
                loads[index] = load
                tree.update(index, load: load)
                let expected = Self.scan(loads)
                let actual = tree.minimumLoad.isFinite ? (tree.minimumIndex, tree.minimumLoad) : nil
                #expect(actual?.0 == expected?.0 && actual?.1 == expected?.1, "seed \(seed), count \(count)")
            }
        }
    }
}
