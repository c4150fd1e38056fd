/// A least-significant-digit radix sort of non-negative doubles on their bit patterns: the
/// order `sorted()` gives, in four passes of 16 bits, with half the instructions of the
/// comparison sort on the 5 × 160 k latencies of an hour's replay (callgrind: 266 M → ~128 M).
///
/// For finite non-negative doubles the bit pattern orders as the value does, and values with
/// equal bit patterns are indistinguishable, so sorting the patterns alone gives exactly the
/// comparison sort's result. The one exception is `-0.0` (equal to `0.0` but another pattern);
/// with one present the caller falls back to `sorted()`. Memory: the patterns and one scratch
/// array, freed before the result is built (a comparison sort needs about half an array less).
enum RadixSort {
    /// Below this many values a comparison sort costs fewer instructions: the four passes clear
    /// and sum 65,536 counters each (the 2-point decode sweep of `ci/speed-check.sh`, 30,720
    /// requests per point, took 10 % more instructions with the radix sort everywhere), and
    /// `sorted()` merges runs already in order (a closed loop's constant TTFT) in linear time.
    static let worthwhileCount = 1 << 16

    /// `values` sorted ascending, or nil when they hold a `-0.0`.
    static func sortedAscending(_ values: ContiguousArray<Double>) -> [Double]? {
        let n = values.count
        var keys = values.map(\.bitPattern)
        if keys.contains((-0.0 as Double).bitPattern) { return nil }
        var scratch = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            // A pass whose digit is the same for every key would leave the order as it is.
            let first = n > 0 ? (keys[0] >> shift) & 0xFFFF : 0
            if keys.allSatisfy({ ($0 >> shift) & 0xFFFF == first }) { continue }
            keys.withUnsafeBufferPointer { keys in
                scratch.withUnsafeMutableBufferPointer { out in
                    counts.withUnsafeMutableBufferPointer { counts in
                        counts.update(repeating: 0)
                        for k in keys { counts[Int(truncatingIfNeeded: (k >> shift) & 0xFFFF)] &+= 1 }
                        var total = 0
                        for digit in 0..<counts.count {
                            let count = counts[digit]
                            counts[digit] = total
                            total &+= count
                        }
                        for k in keys {
                            let digit = Int(truncatingIfNeeded: (k >> shift) & 0xFFFF)
                            out[counts[digit]] = k
                            counts[digit] &+= 1
                        }
                    }
                }
            }
            swap(&keys, &scratch)
        }
        scratch = []
        return keys.map { Double(bitPattern: $0) }
    }
}
