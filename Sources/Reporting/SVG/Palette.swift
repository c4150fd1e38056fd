/// Colours and marker shapes for series, chosen so series stay apart in colour and in shape.
///
/// Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies), without
/// its yellow, which vanishes on white. Series *i* always gets colour *i*, so passing the same
/// series order to every plot keeps one system's colour across plots; set `Series.color` to pin it.
public enum Palette {
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    public static func color(at index: Int) -> String { colors[index % colors.count] }

    /// Reference items (SLO lines, published numbers) are drawn in near-black so they never
    /// read as one of cmbench's own series.
    public static let reference = "#333333"
}

/// A marker shape for a series (filled, or outlined with `Series.hollow`); reference points
/// always use a hollow diamond instead.
public enum MarkerShape: Sendable, Hashable, CaseIterable {
    case circle, square, triangle, invertedTriangle, cross

    /// The shape of series `index` (shapes repeat after five).
    public static func at(_ index: Int) -> MarkerShape { allCases[index % allCases.count] }

    /// The SVG element for this marker centred at (x, y), with `tooltip` as its `<title>`.
    func svg(x: Double, y: Double, size: Double, fill: String, stroke: String, strokeWidth: Double, tooltip: String?)
        -> String
    {
        let n = SVGText.number
        let title = tooltip.map { "<title>\(SVGText.escape($0))</title>" }
        let paint = "fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(n(strokeWidth))\""
        func wrap(_ open: String) -> String {
            guard let title else { return open + "/>" }
            let name = String(open.dropFirst().prefix { $0 != " " })
            return open + ">" + title + "</" + name + ">"
        }
        switch self {
        case .circle:
            return wrap("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(size))\" \(paint)")
        case .square:
            let s = size * 0.9
            return wrap("<rect x=\"\(n(x - s))\" y=\"\(n(y - s))\" width=\"\(n(2 * s))\" height=\"\(n(2 * s))\" \(paint)")
        case .triangle:
            let s = size * 1.15
            return wrap("<polygon points=\"\(n(x)),\(n(y - s)) \(n(x + s)),\(n(y + s * 0.8)) \(n(x - s)),\(n(y + s * 0.8))\" \(paint)")
        case .invertedTriangle:
            let s = size * 1.15
            return wrap("<polygon points=\"\(n(x)),\(n(y + s)) \(n(x + s)),\(n(y - s * 0.8)) \(n(x - s)),\(n(y - s * 0.8))\" \(paint)")
        case .cross:
            let s = size, t = size * 0.38
            let points = [
                (x - t, y - s), (x + t, y - s), (x + t, y - t), (x + s, y - t), (x + s, y + t), (x + t, y + t),
                (x + t, y + s), (x - t, y + s), (x - t, y + t), (x - s, y + t), (x - s, y - t), (x - t, y - t),
            ].map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
            return wrap("<polygon points=\"\(points)\" \(paint)")
        }
    }

    /// The hollow diamond used for published reference numbers.
    static func hollowDiamond(x: Double, y: Double, size: Double, stroke: String, tooltip: String?) -> String {
        let n = SVGText.number
        let points = "\(n(x)),\(n(y - size)) \(n(x + size)),\(n(y)) \(n(x)),\(n(y + size)) \(n(x - size)),\(n(y))"
        let open = "<polygon points=\"\(points)\" fill=\"#ffffff\" stroke=\"\(stroke)\" stroke-width=\"2.00\""
        guard let tooltip else { return open + "/>" }
        return open + "><title>\(SVGText.escape(tooltip))</title></polygon>"
    }
}
