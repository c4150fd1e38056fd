import Foundation
import Planning
import SystemDescription

/// `plan --shard` and `plan --from-store`.
///
/// **Where the pruning happens: after the merge.** The staircase search and the cost bound decide
/// what to replay next from what every other group has found — global knowledge no shard has. So
/// a shard does not search: it replays its cost-balanced part of *every valid candidate* of every
/// system at the load, exactly as the search would replay each (stopped once it misses the
/// target), plus, on one shard each, the shipped deployments' capacity bisections (a chain of
/// replays that depend on each other). `plan --from-store` then runs the ordinary search over the
/// merged store as its cache: it walks the same staircase, reads every replay it asks for, and so
/// evaluates, prunes, chooses and prints exactly what one machine does. The only replays left to
/// it are the closest miss's full replays (when nothing meets the SLOs), which need every
/// shard's results to choose, and are few.
///
/// The price: the shards together replay the whole valid space (as `--exhaustive`), where one
/// machine's search replays a fraction of it; scale-out pays when that space over N machines
/// takes less time than the pruned search on one, or when the plan is `--exhaustive` anyway.
struct PlanScaleOut {
    /// One unit of a sharded plan's work.
    enum Unit {
        /// A candidate of system `system` replayed at the plan's load.
        case candidate(system: Int, CandidateDeployment)
        /// System `system`'s shipped deployment: at the load and, when asked, its capacity.
        case shipped(system: Int)
    }

    var units: [Unit]
    var costs: [Double]

    /// The units of a plan, in a fixed order: each system's valid candidates, then the shipped
    /// deployments. A unit's expected cost is the requests it replays times the accelerators it
    /// simulates (a capacity bisection counts as eight replays of the shipped deployment).
    init(planner: Planner, requests: Int, validity: (Int, CandidateDeployment) -> String?) {
        var units: [Unit] = []
        var costs: [Double] = []
        for (index, system) in planner.systems.enumerated() {
            let search = DeploymentSearch(space: planner.spaces[index], countsPrefill: planner.countsPrefill)
            for candidate in search.validCandidates(validity: { validity(index, $0) }) {
                units.append(.candidate(system: index, candidate))
                costs.append(Double(requests) * Double(candidate.accelerators))
            }
            let shipped = CandidateDeployment.shipped(by: system, countsPrefill: planner.countsPrefill)
            units.append(.shipped(system: index))
            costs.append(Double(requests) * Double(shipped.accelerators) * (planner.findsCapacity ? 8 : 1))
        }
        self.units = units
        self.costs = costs
    }

    func describe(_ index: Int, systems: [PlanningSystem]) -> String {
        switch units[index] {
        case .candidate(let system, let c): "\(systems[system].name) \(c.shape) \(c.settingsDescription)"
        case .shipped(let system): "\(systems[system].name) shipped deployment (at the load and its capacity)"
        }
    }
}
