import SystemDescription
/// A resource of a die that runs one stage at a time in the prefill pipeline.
package enum PipelineResource: String, Sendable, CaseIterable {
    /// Cube cores: attention, projections, experts.
    case cube
    /// Vector cores: dispatch and combine compute (token reordering, accumulation).
    case vector
    /// The copy engine driving all-gather, all-to-all, dispatch and combine transfers.
    case dma
}

/// One stage of one microbatch in the prefill pipeline.
package struct PipelineStage: Sendable, Equatable {
    package var resource: PipelineResource
    package var operation: OperatorTime
}

/// Greedy list scheduling of microbatch chains on single-occupancy resources.
///
/// Each microbatch is a chain of stages in order (a stage starts after the previous one of its
/// chain ends); each resource runs one stage at a time. At every decision the stage that can
/// start earliest runs; ties go to the lower microbatch, which reproduces the paper's
/// interleaving (microbatch 1 computes while microbatch 0 communicates, Fig. 18b). With one
/// chain the result is the plain sum.
///
/// - Complexity: O(S · C) for S stages over C chains.
package enum PipelineSchedule {
    package static func makespan(chains: [[PipelineStage]]) -> Double {
        var next = [Int](repeating: 0, count: chains.count)
        var ready = [Double](repeating: 0, count: chains.count)
        var free: [PipelineResource: Double] = [:]
        var end = 0.0
        while true {
            var best: (start: Double, chain: Int)?
            for c in chains.indices where next[c] < chains[c].count {
                let stage = chains[c][next[c]]
                let start = max(ready[c], free[stage.resource] ?? 0)
                if best == nil || start < best!.start - 1e-12 { best = (start, c) }
            }
            guard let (start, c) = best else { return end }
            let stage = chains[c][next[c]]
            let finish = start + stage.operation.microseconds
            free[stage.resource] = finish
            ready[c] = finish
            next[c] += 1
            end = max(end, finish)
        }
    }
}
