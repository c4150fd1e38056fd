import Foundation

/// A tick on an axis: major ticks carry a label and a grid line, minor ones only a short mark.
package struct Tick: Sendable, Hashable {
    package var value: Double
    package var label: String?
    package var isMajor: Bool { label != nil }
}

/// Tick placement for linear (1–2–5 steps) and logarithmic (decades, 1–2–5 subdivisions) axes.
package enum Ticks {
    /// A step of 1, 2 or 5 × 10^k giving about `target` intervals over `span`.
    package static func niceStep(span: Double, target: Int = 5) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(target)
        let power = pow(10, floor(log10(raw)))
        let fraction = raw / power
        let nice: Double = fraction <= 1.5 ? 1 : fraction <= 3 ? 2 : fraction <= 7 ? 5 : 10
        return nice * power
    }

    /// Rounds `[low, high]` out to multiples of a nice step; a zero-width range is widened.
    package static func niceLinearDomain(_ low: Double, _ high: Double) -> ClosedRange<Double> {
        var low = low, high = high
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = niceStep(span: high - low)
        return exactMultiple(floor(low / step + 1e-9), of: step)...exactMultiple(ceil(high / step - 1e-9), of: step)
    }

    /// Rounds `[low, high]` (positive) out to 1–2–5 values, or to whole decades when the range
    /// spans more than about two and a half decades.
    package static func niceLogDomain(_ low: Double, _ high: Double) -> ClosedRange<Double> {
        var low = max(low, .leastNormalMagnitude), high = max(high, low)
        if low == high {
            low /= 2
            high *= 2
        }
        let down = oneTwoFive(atMost: low), up = oneTwoFive(atLeast: high)
        if log10(up / down) <= 2.5 { return down...up }
        return pow(10, floor(log10(low) + 1e-9))...pow(10, ceil(log10(high) - 1e-9))
    }

    /// Ticks every nice step, labelled with the decimals the step needs.
    package static func linear(in domain: ClosedRange<Double>, target: Int = 5) -> [Tick] {
        let step = niceStep(span: domain.upperBound - domain.lowerBound, target: target)
        let first = Int((domain.lowerBound / step - 1e-9).rounded(.up))
        let last = Int((domain.upperBound / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        let values = (first...last).map { exactMultiple(Double($0), of: step) }
        let labels = labelsSharingOneScale(values, step: step)
        return zip(values, labels).map { Tick(value: $0, label: $1) }
    }

    /// Ticks for a log axis.
    ///
    /// Up to 2.5 decades: labelled 1, 2, 5 × 10^k, minor marks at the other integers. Up to six
    /// decades: labelled decades, minor marks at 2…9 × 10^k. Beyond: decades only (every
    /// second one labelled past twelve decades), because minor marks would blur together.
    package static func log(in domain: ClosedRange<Double>) -> [Tick] {
        let low = domain.lowerBound, high = domain.upperBound
        guard low > 0, high > low else { return [] }
        let decades = log10(high / low)
        let firstPower = Int(floor(log10(low) + 1e-9)), lastPower = Int(ceil(log10(high) - 1e-9))
        var values: [(value: Double, major: Bool)] = []
        for power in firstPower...lastPower {
            for mantissa in 1...9 {
                let value = exactMultiple(Double(mantissa), of: pow(10, Double(power)))
                guard value >= low * (1 - 1e-9), value <= high * (1 + 1e-9) else { continue }
                let major: Bool
                if decades <= 2.5 {
                    major = mantissa == 1 || mantissa == 2 || mantissa == 5
                } else if decades <= 6 {
                    major = mantissa == 1
                } else {
                    guard mantissa == 1 else { continue }
                    major = decades <= 12 || power % 2 == 0
                }
                values.append((value, major))
            }
        }
        let labels = labelsSharingOneScale(values.filter(\.major).map(\.value), step: nil)
        var next = labels.makeIterator()
        return values.map { Tick(value: $0.value, label: $0.major ? next.next() : nil) }
    }

    /// `multiplier × step` computed through decimal text, so 3 × 0.1 is 0.3, not 0.30000000000000004.
    static func exactMultiple(_ multiplier: Double, of step: Double) -> Double {
        let value = multiplier * step
        return Double(String(format: "%.12g", value)) ?? value
    }

    /// Labels for one axis. Linear axes share one scale: plain numbers, or thousands (`10k`) and
    /// millions (`2M`) when the largest tick reaches 10 000 / 10 000 000, so an axis never mixes
    /// `8000` and `10k`. Log axes (`step == nil`) scale each decade on its own (`1000`, `10k`, `1M`),
    /// since one shared scale would write the small end as `1e-06M`.
    static func labelsSharingOneScale(_ values: [Double], step: Double?) -> [String] {
        guard let step else {
            return values.map { value in
                let magnitude = abs(value)
                let (divisor, suffix): (Double, String) =
                    magnitude >= 1e9 ? (1e9, "G") : magnitude >= 1e6 ? (1e6, "M") : magnitude >= 1e4 ? (1e3, "k") : (1, "")
                return shortest(value / divisor) + suffix
            }
        }
        let largest = values.map(abs).max() ?? 0
        let (divisor, suffix): (Double, String) = largest >= 1e7 ? (1e6, "M") : largest >= 1e4 ? (1e3, "k") : (1, "")
        let decimals = max(0, Int(ceil(-log10(step / divisor) - 1e-9)))
        return values.map { value in
            let text = String(format: "%.\(decimals)f", value / divisor)
            return Double(text) == 0 ? "0" : text + suffix
        }
    }

    /// `0.001`, `0.5`, `20`, `1e-06`: the shortest decimal text, without a trailing `.0`.
    static func shortest(_ value: Double) -> String {
        let rounded = Double(String(format: "%.12g", value)) ?? value
        if rounded != 0 && abs(rounded) < 1e-3 { return String(format: "%g", rounded) }
        var text = "\(rounded)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func oneTwoFive(atMost value: Double) -> Double {
        let power = pow(10, floor(log10(value) + 1e-9))
        for mantissa in [5.0, 2, 1] where mantissa * power <= value * (1 + 1e-9) {
            return exactMultiple(mantissa, of: power)
        }
        return power
    }

    static func oneTwoFive(atLeast value: Double) -> Double {
        let power = pow(10, floor(log10(value) + 1e-9))
        for mantissa in [1.0, 2, 5, 10] where mantissa * power >= value * (1 - 1e-9) {
            return exactMultiple(mantissa, of: power)
        }
        return 10 * power
    }
}
