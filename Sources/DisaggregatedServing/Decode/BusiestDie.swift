import SystemDescription
import CostModel
/// The die that sets a lock-step decode step's pace: the largest batch and the largest KV among
/// an instance's dies, found four dies at a time.
///
/// It answers exactly what a scan in die order would — `kv = offset + batch × growth` per die,
/// keeping a strictly larger KV — including which die: the first one holding the largest KV.
/// Idle dies must have offset 0 (their KV is then 0, below any busy die's), which the backend
/// keeps. The KV is computed with the same two roundings as the scan (a product, then a sum;
/// no fused multiply-add), so the values are bit for bit the scan's.
/// - Complexity: O(dies), in two passes of SIMD4 operations (half the time of the scalar scan,
///   which runs on three quarters of the synthetic week's ~20 M decode steps).
enum BusiestDie {
    static func find(
        active: UnsafeBufferPointer<Int32>, offset: UnsafeBufferPointer<Double>, range: Range<Int>, growth: Double
    ) -> (rank: Int, batch: Int32, kv: Double) {
        let activeBase = UnsafeRawPointer(active.baseAddress!)
        let offsetBase = UnsafeRawPointer(offset.baseAddress!)
        func batches(_ r: Int) -> SIMD4<Int32> {
            activeBase.loadUnaligned(fromByteOffset: r &* 4, as: SIMD4<Int32>.self)
        }
        func kvs(_ r: Int, _ batch: SIMD4<Int32>) -> SIMD4<Double> {
            let offsets = offsetBase.loadUnaligned(fromByteOffset: r &* 8, as: SIMD4<Double>.self)
            return offsets + SIMD4<Double>(batch) * growth
        }
        let vectorEnd = range.lowerBound + (range.count & ~3)
        var batchMax = SIMD4<Int32>(repeating: 0)
        var kvMax = SIMD4<Double>(repeating: 0)
        var r = range.lowerBound
        while r < vectorEnd {
            let batch = batches(r)
            let kv = kvs(r, batch)
            // `replace(with:where:)` compiles to vector selects; `pointwiseMax` was not inlined.
            batchMax.replace(with: batch, where: batch .> batchMax)
            kvMax.replace(with: kv, where: kv .> kvMax)
            r &+= 4
        }
        var maxBatch = batchMax.max()
        var maxKV = kvMax.max()
        while r < range.upperBound {
            maxBatch = max(maxBatch, active[r])
            maxKV = max(maxKV, offset[r] + Double(active[r]) * growth)
            r &+= 1
        }
        // The first die holding that KV.
        r = range.lowerBound
        while r < vectorEnd {
            let hits = kvs(r, batches(r)) .== maxKV
            if any(hits) {
                for lane in 0..<4 where hits[lane] { return (r + lane, maxBatch, maxKV) }
            }
            r &+= 4
        }
        while r < range.upperBound {
            if offset[r] + Double(active[r]) * growth == maxKV { return (r, maxBatch, maxKV) }
            r &+= 1
        }
        return (range.lowerBound, maxBatch, maxKV)
    }
}
