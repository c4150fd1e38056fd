import Foundation

/// Short, stable text for numbers in gate reports: six significant digits, no exponent for
/// everyday magnitudes, trailing zeros dropped (`131`, `0.0125`, `98234.6`).
enum NumberText {
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        guard magnitude >= 1e-4, magnitude < 1e12 else { return String(format: "%.6g", value) }
        // Digits before the point (negative for 0.00x) decide how many decimals make six significant.
        let leadingDigits = Int(floor(log10(magnitude))) + 1
        let decimals = max(0, 6 - leadingDigits)
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A signed change: `+11`, `-0.5`, `0`.
    static func signed(_ value: Double) -> String {
        let text = format(value)
        return value > 0 ? "+" + text : text
    }

    /// A signed percentage with two decimals: `+9.17 %`; "n/a" when undefined.
    static func percent(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        let text = String(format: "%.2f", value)
        if text == "-0.00" || text == "0.00" { return "0.00 %" }
        return (value > 0 ? "+" : "") + text + " %"
    }
}
