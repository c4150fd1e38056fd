import Foundation

/// How values map to positions along an axis.
public enum AxisScale: Sendable, Hashable {
    case linear
    /// Base-10 logarithmic; non-positive values cannot be placed and are skipped.
    case log
}

/// One axis of a plot: its title and unit, its scale and, optionally, a fixed range.
public struct Axis: Sendable, Hashable {
    /// What is measured, without the unit: "TPOT p99".
    public var label: String
    /// The unit, shown in the axis title as "TPOT p99 (ms)"; empty for unitless quantities.
    public var unit: String
    public var scale: AxisScale
    /// A fixed range; `nil` fits the data (and reference items) and rounds out to nice ticks.
    public var range: ClosedRange<Double>?
    /// For an automatic linear range: start at zero even when the data do not, so bar and
    /// throughput comparisons are not exaggerated by a truncated axis.
    public var includesZero: Bool
    /// Repeat the unit on every tick label (`10 ms`, `100 ms`), useful on log axes.
    public var unitInTickLabels: Bool

    public init(
        label: String, unit: String = "", scale: AxisScale = .linear, range: ClosedRange<Double>? = nil,
        includesZero: Bool = true, unitInTickLabels: Bool = false
    ) {
        self.label = label
        self.unit = unit
        self.scale = scale
        self.range = range
        self.includesZero = includesZero
        self.unitInTickLabels = unitInTickLabels
    }

    /// "TPOT p99 (ms)".
    public var title: String { unit.isEmpty ? label : "\(label) (\(unit))" }

    /// Whether `value` can be drawn on this axis.
    func accepts(_ value: Double) -> Bool { value.isFinite && (scale == .linear || value > 0) }

    /// The domain to draw, from the fixed range or the data, and its ticks.
    func resolve(values: [Double]) -> ResolvedAxis {
        let usable = values.filter(accepts)
        let domain: ClosedRange<Double>
        if let range {
            domain = range
        } else if scale == .log {
            domain = Ticks.niceLogDomain(usable.min() ?? 1, usable.max() ?? 10)
        } else {
            var low = usable.min() ?? 0
            var high = usable.max() ?? 1
            if includesZero { low = min(low, 0); high = max(high, 0) }
            domain = Ticks.niceLinearDomain(low, high)
        }
        let ticks = scale == .log ? Ticks.log(in: domain) : Ticks.linear(in: domain)
        let labelled = ticks.map { tick -> Tick in
            var tick = tick
            if tick.label != nil, unitInTickLabels, !unit.isEmpty {
                tick.label = TimeUnitLabel.label(tick.value, unit: unit) ?? (tick.label! + " " + unit)
            }
            return tick
        }
        return ResolvedAxis(scale: scale, domain: domain, ticks: labelled)
    }
}

/// An axis with its domain fixed: maps values to pixels.
struct ResolvedAxis {
    let scale: AxisScale
    let domain: ClosedRange<Double>
    let ticks: [Tick]

    /// The fraction 0…1 of the way from the domain's start to its end (outside for out-of-range values).
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear:
            let span = domain.upperBound - domain.lowerBound
            return span == 0 ? 0.5 : (value - domain.lowerBound) / span
        case .log:
            let low = log10(domain.lowerBound), high = log10(domain.upperBound)
            return high == low ? 0.5 : (log10(value) - low) / (high - low)
        }
    }
}

/// Tick labels in the natural time unit: `500 ms`, `1 s`, `2 s` on a millisecond axis.
///
/// Only for the time units cmbench writes in column names (`us`, `ms`, `s`); a value is moved
/// to the next unit up once it reaches 1000, or down when below 1, so labels stay short.
enum TimeUnitLabel {
    static let ladder = ["us", "ms", "s"]

    static func label(_ value: Double, unit: String) -> String? {
        guard var index = ladder.firstIndex(of: unit), value > 0 else { return nil }
        var scaled = value
        while scaled >= 1000 && index < ladder.count - 1 {
            scaled /= 1000
            index += 1
        }
        while scaled < 1 && index > 0 {
            scaled *= 1000
            index -= 1
        }
        return Ticks.shortest(scaled) + " " + ladder[index]
    }
}
