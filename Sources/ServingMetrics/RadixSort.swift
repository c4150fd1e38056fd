/// A stable least-significant-digit radix sort of non-negative doubles (with weights carried
/// along): the order `sorted()` gives — equal values keep their insertion order — in four
/// passes of 16 bits, with half the instructions of the comparison sort on the 5 × 160 k
/// latencies of an hour's replay (callgrind: 266 M → 128 M).
///
/// For finite non-negative doubles the bit pattern orders as the value does; `-0.0` (which
/// equals `0.0` and passes the sketch's `>= 0` check) is given the key of `0.0`.
enum RadixSort {
    /// Below this many values a comparison sort costs fewer instructions: the four passes clear
    /// and sum 65,536 counters each (the 2-point decode sweep of `ci/speed-check.sh`, 30,720
    /// requests per point, took 10 % more instructions with the radix sort everywhere).
    static let worthwhileCount = 1 << 16

    static func sortedAscending(_ values: ContiguousArray<Double>) -> [Double] {
        var weights: [UInt64] = []
        return sorted(values, weights: nil, weightsOut: &weights)
    }

    /// The values sorted, and `weights` permuted the same way.
    static func sortedAscending(
        _ values: ContiguousArray<Double>, weights: ContiguousArray<UInt64>
    ) -> (values: [Double], weights: [UInt64]) {
        var sortedWeights: [UInt64] = []
        let sortedValues = sorted(values, weights: weights, weightsOut: &sortedWeights)
        return (sortedValues, sortedWeights)
    }

    private static func key(_ value: Double) -> UInt64 { value == 0 ? 0 : value.bitPattern }

    private static func sorted(
        _ values: ContiguousArray<Double>, weights: ContiguousArray<UInt64>?, weightsOut: inout [UInt64]
    ) -> [Double] {
        let n = values.count
        var keys = values.map(key)
        var indices = Array(0..<n)
        var scratchKeys = [UInt64](repeating: 0, count: n)
        var scratchIndices = [Int](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            // A pass whose digit is the same for every key would leave the order as it is.
            let first = n > 0 ? (keys[0] >> shift) & 0xFFFF : 0
            if keys.allSatisfy({ ($0 >> shift) & 0xFFFF == first }) { continue }
            keys.withUnsafeBufferPointer { keys in
                indices.withUnsafeBufferPointer { indices in
                    scratchKeys.withUnsafeMutableBufferPointer { outKeys in
                        scratchIndices.withUnsafeMutableBufferPointer { outIndices in
                            counts.withUnsafeMutableBufferPointer { counts in
                                counts.update(repeating: 0)
                                for k in keys { counts[Int(truncatingIfNeeded: (k >> shift) & 0xFFFF)] &+= 1 }
                                var total = 0
                                for digit in 0..<counts.count {
                                    let count = counts[digit]
                                    counts[digit] = total
                                    total &+= count
                                }
                                for i in 0..<n {
                                    let digit = Int(truncatingIfNeeded: (keys[i] >> shift) & 0xFFFF)
                                    let place = counts[digit]
                                    counts[digit] = place &+ 1
                                    outKeys[place] = keys[i]
                                    outIndices[place] = indices[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &scratchKeys)
            swap(&indices, &scratchIndices)
        }
        if let weights { weightsOut = indices.map { weights[$0] } }
        return indices.map { values[$0] }
    }
}
