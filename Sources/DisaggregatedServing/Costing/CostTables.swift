import SystemDescription
import CostModel
/// Points spaced linearly up to `linearEnd`, then `perOctave` per doubling: where the serving
/// layer evaluates the cost models, interpolating linearly in between.
struct InterpolationGrid: Sendable {
    var linearStep: Double
    var linearCount: Int
    var perOctave: Double
    var roundsToIntegers: Bool

    var linearEnd: Double { linearStep * Double(linearCount) }

    func value(_ index: Int) -> Double {
        let raw: Double
        if index <= linearCount {
            raw = Double(index) * linearStep
        } else {
            raw = linearEnd * pow(2, Double(index - linearCount) / perOctave)
        }
        return roundsToIntegers ? raw.rounded() : raw
    }

    /// The grid cell holding `x` (≥ 0): its lower index.
    func lowerIndex(_ x: Double) -> Int {
        if x < linearEnd { return Int(x / linearStep) }
        var i = linearCount + Int((log2(x / linearEnd) * perOctave).rounded(.down))
        // Guard the floating-point edges so that value(i) ≤ x < value(i + 1).
        while i > linearCount && value(i) > x { i -= 1 }
        while value(i + 1) <= x { i += 1 }
        return i
    }
}

/// An `InterpolationGrid` with its points computed once: the same `value` and `lowerIndex`
/// answers, bit for bit, without a `pow` per call (the replay asks for several per decode step).
struct CachedGrid: Sendable {
    let grid: InterpolationGrid
    private var values: [Double] = []

    init(_ grid: InterpolationGrid) { self.grid = grid }

    mutating func value(_ index: Int) -> Double {
        if index >= values.count {
            values.reserveCapacity(index + 16)
            while values.count <= index { values.append(grid.value(values.count)) }
        }
        return values[index]
    }

    /// `grid.lowerIndex(x)`, with the grid's points read from the cache.
    mutating func lowerIndex(_ x: Double) -> Int {
        if x < grid.linearEnd { return Int(x / grid.linearStep) }
        var i = grid.linearCount + Int((log2(x / grid.linearEnd) * grid.perOctave).rounded(.down))
        while i > grid.linearCount && value(i) > x { i -= 1 }
        while value(i + 1) <= x { i += 1 }
        return i
    }
}

/// Memoised values keyed by two small non-negative integers, in rows that grow on demand:
/// an array read where a `Dictionary` lookup (hashing included) cost ~250 instructions.
struct DenseMemo: Sendable {
    private var rows: [[Double]] = []

    /// The value stored for (`row`, `column`), or nil.
    func value(_ row: Int, _ column: Int) -> Double? {
        guard row < rows.count, column < rows[row].count else { return nil }
        let value = rows[row][column]
        return value.isNaN ? nil : value
    }

    mutating func store(_ value: Double, _ row: Int, _ column: Int) {
        if row >= rows.count { rows.append(contentsOf: repeatElement([], count: row + 1 - rows.count)) }
        if column >= rows[row].count {
            rows[row].append(contentsOf: repeatElement(.nan, count: column + 1 - rows[row].count))
        }
        rows[row][column] = value
    }
}

/// Decode step times, memoised on a grid of summed KV tokens per batch size.
///
/// At a fixed batch the step is piecewise linear in the busiest die's KV (roofline maxima of
/// linear terms), so linear interpolation between grid points 1/16 octave apart is within a
/// fraction of a percent and exact at the points. The replay calls this once per step.
/// - Complexity: O(1) per call after the two grid points are cached.
struct DecodeStepTable: Sendable {
    let model: DecodeCostModel
    let options: DecodeOptions
    var grid = CachedGrid(InterpolationGrid(linearStep: 256, linearCount: 16, perOctave: 16, roundsToIntegers: false))
    /// Step seconds by batch (row) and grid index (column).
    private var cache = DenseMemo()
    /// The grid cell each batch size last interpolated in, by batch.
    private var lastCells: [Cell] = []
    private(set) var evaluations = 0

    /// A grid cell, [x0, x1), with the step seconds at its ends.
    private struct Cell {
        var x0 = Double.infinity, x1 = -Double.infinity
        var y0 = 0.0, y1 = 0.0
    }

    init(model: DecodeCostModel, options: DecodeOptions) {
        self.model = model
        self.options = options
    }

    /// Seconds of one step with `batch` requests on the busiest die holding `kvTokens` KV tokens.
    ///
    /// The busiest die's KV grows by a few tokens a step, so a step almost always falls in the
    /// cell its batch size used last: that cell is kept per batch and tried first. The cell
    /// holding a KV is unique (grid points increase strictly), so the answer is the one the
    /// grid lookup gives, bit for bit, without its `log2` and memo reads (~300 instructions).
    mutating func stepSeconds(batch: Int, kvTokens: Double) -> Double {
        let kv = max(kvTokens, 0)
        if batch < lastCells.count {
            let cell = lastCells[batch]
            if cell.x0 <= kv && kv < cell.x1 { return cell.y0 + (cell.y1 - cell.y0) * (kv - cell.x0) / (cell.x1 - cell.x0) }
        }
        let i = grid.lowerIndex(kv)
        let x0 = grid.value(i), x1 = grid.value(i + 1)
        let y0 = point(batch, i), y1 = point(batch, i + 1)
        if batch >= 0 {
            if batch >= lastCells.count { lastCells.append(contentsOf: repeatElement(Cell(), count: batch + 1 - lastCells.count)) }
            lastCells[batch] = Cell(x0: x0, x1: x1, y0: y0, y1: y1)
        }
        return y0 + (y1 - y0) * (kv - x0) / (x1 - x0)
    }

    /// The step's breakdown at a grid-free point (for reports and tests).
    func exactStep(batch: Int, kvTokens: Double) -> DecodeStepBreakdown {
        model.stepTime(batchPerDie: batch, meanKVLength: batch > 0 ? kvTokens / Double(batch) : 0, options: options)
    }

    private mutating func point(_ batch: Int, _ index: Int) -> Double {
        if let cached = cache.value(batch, index) { return cached }
        evaluations += 1
        let seconds = exactStep(batch: batch, kvTokens: grid.value(index)).stepMicroseconds * 1e-6
        cache.store(seconds, batch, index)
        return seconds
    }
}

/// Prefill batch compute times, memoised on a grid and interpolated trilinearly.
///
/// A batch of mixed prompts is summarised by three numbers the cost model takes: tokens per
/// NPU, an effective prompt length and a reuse fraction (see `PrefillBatchShape`). Time is
/// close to linear in tokens and in prompt length (attention pairs grow with both) and smooth
/// in the reuse fraction, so interpolating between grid points half an octave (and 1/8 of
/// reuse) apart costs little accuracy and is exact at grid points (powers of two: the paper's
/// 16,384 tokens per NPU and 4,096-token prompts are grid points). One cost-model evaluation
/// takes ~0.3 ms, a replay makes thousands of batches: this table keeps a replay fast.
struct PrefillTimeTable: Sendable {
    let model: PrefillCostModel
    let options: PrefillOptions
    var tokensGrid = CachedGrid(InterpolationGrid(linearStep: 16, linearCount: 4, perOctave: 2, roundsToIntegers: true))
    var lengthGrid = CachedGrid(InterpolationGrid(linearStep: 16, linearCount: 4, perOctave: 2, roundsToIntegers: true))
    let reuseSteps = 8
    /// Compute seconds by tokens index (row) and length index × (reuse steps + 1) + reuse index.
    private var cache = DenseMemo()
    private(set) var evaluations = 0

    init(model: PrefillCostModel, options: PrefillOptions) {
        self.model = model
        self.options = options
    }

    /// Compute seconds of a batch of this shape (loading cached KV not included).
    mutating func computeSeconds(_ shape: PrefillBatchShape) -> Double {
        let t = max(shape.tokensPerNPU, 1), l = max(shape.effectivePromptLength, 1)
        let r = min(max(shape.reuseFraction, 0), 1)
        let it = tokensGrid.lowerIndex(t), il = lengthGrid.lowerIndex(l)
        let ir = min(Int(r * Double(reuseSteps)), reuseSteps - 1)
        func weight(_ x: Double, _ lo: Double, _ hi: Double) -> Double { hi > lo ? (x - lo) / (hi - lo) : 0 }
        let wt = weight(t, tokensGrid.value(it), tokensGrid.value(it + 1))
        let wl = weight(l, lengthGrid.value(il), lengthGrid.value(il + 1))
        let wr = r * Double(reuseSteps) - Double(ir)
        var total = 0.0
        for dt in 0...1 {
            let ft = dt == 0 ? 1 - wt : wt
            if ft == 0 { continue }
            for dl in 0...1 {
                let fl = dl == 0 ? 1 - wl : wl
                if fl == 0 { continue }
                for dr in 0...1 {
                    let fr = dr == 0 ? 1 - wr : wr
                    if fr == 0 { continue }
                    total += ft * fl * fr * point(it + dt, il + dl, ir + dr)
                }
            }
        }
        return total
    }

    private mutating func point(_ it: Int, _ il: Int, _ ir: Int) -> Double {
        let column = il * (reuseSteps + 1) + ir
        if let cached = cache.value(it, column) { return cached }
        evaluations += 1
        let tokens = max(Int(tokensGrid.value(it)), 1)
        let length = max(Int(lengthGrid.value(il)), 1)
        let reused = Int((Double(length) * Double(ir) / Double(reuseSteps)).rounded())
        let seconds = model.batchTime(tokensPerNPU: tokens, promptLength: length, reusedPrefixTokens: reused, options: options)
            .batchMicroseconds * 1e-6
        cache.store(seconds, it, column)
        return seconds
    }
}

/// A prefill batch of mixed prompts summarised for `PrefillCostModel.batchTime`.
///
/// The cost model takes one prompt length and one reused-prefix length for the whole batch.
/// For prompts of lengths Lᵢ with rᵢ cached tokens, the summary keeps the two quantities the
/// cost depends on: the tokens computed, Σ(Lᵢ − rᵢ) (linear terms: projections, experts,
/// communication), and the causal attention pairs, Σ(Lᵢ² − rᵢ²)/2 (the quadratic term). With
/// T = ΣLᵢ, reuse ρ = 1 − Σ(Lᵢ − rᵢ)/T and effective length L = Σ(Lᵢ² − rᵢ²) / (T(1 − ρ²)), a
/// batch of T/L prompts of length L reusing ρL tokens each has the same computed tokens and
/// the same pairs. A batch of one prompt is summarised exactly.
struct PrefillBatchShape: Sendable, Equatable {
    var tokensPerNPU: Double
    var effectivePromptLength: Double
    var reuseFraction: Double

    init(prompts: [(tokens: Int, cached: Int)], npus: Int) {
        var total = 0.0, computed = 0.0, squares = 0.0
        for p in prompts {
            let l = Double(p.tokens), r = Double(min(p.cached, p.tokens))
            total += l
            computed += l - r
            squares += l * l - r * r
        }
        tokensPerNPU = total / Double(npus)
        let rho = total > 0 ? 1 - computed / total : 0
        reuseFraction = rho
        effectivePromptLength = total > 0 && rho < 1 ? squares / (total * (1 - rho * rho)) : max(total, 1)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
