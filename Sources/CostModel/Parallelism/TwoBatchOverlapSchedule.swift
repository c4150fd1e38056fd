import SystemDescription
/// Fixed-order two-batch overlap on one compute stream: how a GPU prefill engine that issues
/// its kernels in program order overlaps one microbatch's all-to-all with the other's compute.
///
/// Each MoE layer of each microbatch runs in three stages separated by yields (SGLang's
/// reimplementation of the DeepSeek blog prefill, `python/sglang/srt/operations_strategy.py`,
/// `_compute_moe_deepseek_blog_prefill`, `tbo_delta_stages=0`):
/// 1. attention, gate, dispatch sent | 2. dispatch received, routed experts, combine sent |
/// 3. shared expert, combine received, output.
/// The executor runs stage k of every microbatch before stage k + 1 of any (A1 B1 A2 B2 A3 B3,
/// then the next layer), and a "received" waits on the stream until the transfer is done, so a
/// transfer is hidden only by the compute issued between its send and its receive. Transfers
/// leave the GPU one after another over its NIC in the order they were sent.
///
/// Unlike `PipelineSchedule`, nothing is reordered to fill a wait: that is the difference between
/// a greedy list schedule and an engine replaying a program. With one microbatch every transfer
/// is exposed.
package enum TwoBatchOverlapSchedule {
    /// One layer of one microbatch (µs); a dense layer has only `attention`.
    package struct Layer: Sendable, Equatable {
        package var attention: Double
        package var dispatch: Double
        package var routedExperts: Double
        package var combine: Double
        /// Compute between the combine's send and its receive (the shared expert).
        package var beforeCombineWait: Double
        /// Compute after the combine is received (combine reduction, output).
        package var afterCombineWait: Double

        package init(
            attention: Double, dispatch: Double = 0, routedExperts: Double = 0, combine: Double = 0,
            beforeCombineWait: Double = 0, afterCombineWait: Double = 0
        ) {
            self.attention = attention
            self.dispatch = dispatch
            self.routedExperts = routedExperts
            self.combine = combine
            self.beforeCombineWait = beforeCombineWait
            self.afterCombineWait = afterCombineWait
        }
    }

    /// Time (µs) for `microbatches` microbatches to run `layers` (in order, each repeated
    /// `count` times) with every microbatch doing the same work.
    package static func makespan(layers: [(layer: Layer, count: Int)], microbatches: Int) -> Double {
        let n = max(1, microbatches)
        var clock = 0.0, linkFree = 0.0
        var dispatched = [Double](repeating: 0, count: n), combined = [Double](repeating: 0, count: n)
        func send(_ seconds: Double) -> Double {
            guard seconds > 0 else { return clock }
            let start = max(clock, linkFree)
            linkFree = start + seconds
            return linkFree
        }
        for (l, count) in layers {
            for _ in 0..<count {
                for mb in 0..<n {
                    clock += l.attention
                    dispatched[mb] = send(l.dispatch)
                }
                for mb in 0..<n {
                    clock = max(clock, dispatched[mb]) + l.routedExperts
                    combined[mb] = send(l.combine)
                }
                for mb in 0..<n {
                    clock = max(clock + l.beforeCombineWait, combined[mb]) + l.afterCombineWait
                }
            }
        }
        return clock
    }
}
