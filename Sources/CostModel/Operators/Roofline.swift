import Foundation
import SystemDescription

/// Time of compute and memory work on one die: max(compute at attained peak, bytes at
/// attained bandwidth).
///
/// Attained fractions come from the hardware file's operator benchmarks; GEMMs additionally
/// pay for partial tiles and partial waves of the tiling the benchmark used (paper Table 9:
/// 128 × 152), which is what makes small decode GEMMs slower per FLOP than large ones.
package struct Roofline: Sendable {
    package var hardware: Hardware

    package init(hardware: Hardware) { self.hardware = hardware }

    var die: DieSpec { hardware.die }
    var eff: AttainedEfficiency { hardware.efficiency }

    /// Seconds to move `bytes` through HBM at the attained bandwidth.
    package func memorySeconds(bytes: Double) -> Double {
        bytes / (die.hbmBandwidthBytesPerSecond * eff.memoryBandwidth)
    }

    /// A grouped GEMM: `groups` independent [m × k] · [k × n] products.
    ///
    /// - Parameters:
    ///   - m: rows per group (tokens); may be a mean, it is rounded up to whole tiles.
    ///   - weightBytes, inputBytes, outputBytes: bytes per element of each operand.
    ///   - computeBytes: operand width the cube runs at (1 = INT8 peak, 2 = BF16 peak).
    package func gemm(
        _ name: String, m: Double, n: Int, k: Int, groups: Int = 1, weightBytes: Int, inputBytes: Int,
        outputBytes: Int, computeBytes: Int, share: CoreShare = .wholeDie
    ) -> OperatorTime {
        gemm(
            name, m: m, n: n, k: k, groups: groups, weightBytesPerElement: Double(weightBytes),
            inputBytesPerElement: Double(inputBytes), outputBytes: outputBytes, computeBits: computeBytes * 8, share: share)
    }

    /// A grouped GEMM whose weights and inputs may be narrower than a byte with block scales
    /// (NVFP4: 0.5625 bytes per element), run at the peak for `computeBits`-bit operands.
    /// With whole-byte widths this is exactly the integer form above (products of integers
    /// below 2^53 are exact in binary floating point).
    package func gemm(
        _ name: String, m: Double, n: Int, k: Int, groups: Int = 1, weightBytesPerElement: Double, inputBytesPerElement: Double,
        outputBytes: Int, computeBits: Int, share: CoreShare = .wholeDie
    ) -> OperatorTime {
        guard m > 0 else { return OperatorTime(name: name, microseconds: 0, bound: .compute) }
        let g = Double(groups)
        let flops = 2 * m * Double(n) * Double(k) * g
        let bytes = g * (Double(n * k) * weightBytesPerElement + m * (Double(k) * inputBytesPerElement) + m * Double(n * outputBytes))
        let cores = max(1, (share.cubeFraction * Double(die.cubeCores)).rounded())
        // A GEMM with fewer rows than a tile is taken to shrink its row tile to fit (no padding
        // to 128 rows for an 8-token decode GEMM); larger ones pay for their last partial tile.
        let rowsPerTile = min(Double(eff.gemmTileM), m.rounded(.up))
        let tiles = g * (m / rowsPerTile).rounded(.up) * (Double(n) / Double(eff.gemmTileN)).rounded(.up)
        let waves = (tiles / cores).rounded(.up)
        let perCorePeak = die.matmulPeak(operandBits: computeBits) / Double(die.cubeCores)
        let tileFlops = 2 * rowsPerTile * Double(eff.gemmTileN * k)
        let compute = waves * tileFlops / (perCorePeak * eff.gemmCompute)
        let memory = bytes / (die.hbmBandwidthBytesPerSecond * eff.gemmMemoryBandwidth)
        return OperatorTime(
            name: name, microseconds: max(compute, memory) * 1e6, bound: compute >= memory ? .compute : .memory,
            flops: flops, bytes: bytes)
    }

    /// Work that is not a tiled GEMM: `flops` at the attained attention-kernel peak for
    /// `computeBytes` operands, or `bytes` at attained bandwidth, whichever is slower.
    package func kernel(
        _ name: String, flops: Double, bytes: Double, computeBytes: Int, utilisation: Double, share: CoreShare = .wholeDie
    ) -> OperatorTime {
        let compute = flops / (die.matmulPeak(operandBytes: computeBytes) * utilisation * share.cubeFraction)
        let memory = memorySeconds(bytes: bytes)
        return OperatorTime(
            name: name, microseconds: max(compute, memory) * 1e6, bound: compute >= memory ? .compute : .memory,
            flops: flops, bytes: bytes)
    }

    /// Element-wise and reduction work on the vector cores, taken as memory-bound (norms,
    /// RoPE, quantisation, activation functions, top-k, sampling passes).
    package func vector(_ name: String, bytes: Double) -> OperatorTime {
        OperatorTime(name: name, microseconds: memorySeconds(bytes: bytes) * 1e6, bound: .memory, bytes: bytes)
    }
}
