/// The legend at the right of a chart: one entry per series, reference line style and source.
struct Legend {
    enum Swatch {
        case series(color: String, shape: MarkerShape?, line: Bool, hollow: Bool = false)
        case bar(color: String, hollow: Bool)
        case dashedLine(color: String)
        case referenceMarker
    }

    struct Entry {
        var swatch: Swatch
        var text: String
    }

    var entries: [Entry] = []

    static let fontSize = 12.0
    static let rowHeight = 20.0
    static let swatchWidth = 26.0

    /// Width needed, clamped so a long name cannot squeeze the plot to nothing.
    var width: Double {
        guard !entries.isEmpty else { return 0 }
        let text = entries.map { SVGText.estimatedWidth($0.text, fontSize: Self.fontSize) }.max() ?? 0
        return min(max(text + Self.swatchWidth + 20, 110), 280)
    }

    func draw(into svg: inout SVGBuilder, x: Double, y: Double) {
        guard !entries.isEmpty else { return }
        let n = SVGText.number
        svg.element(
            "rect",
            ["x": n(x), "y": n(y), "width": n(width - 8), "height": n(Double(entries.count) * Self.rowHeight + 10),
             "fill": "#ffffff", "stroke": "#cccccc", "stroke-width": "1.00"])
        for (index, entry) in entries.enumerated() {
            let rowY = y + 15 + Double(index) * Self.rowHeight
            let left = x + 8, mid = x + 8 + Self.swatchWidth / 2
            switch entry.swatch {
            case .series(let color, let shape, let line, let hollow):
                if line {
                    svg.element(
                        "line",
                        ["x1": n(left), "y1": n(rowY), "x2": n(left + Self.swatchWidth), "y2": n(rowY), "stroke": color,
                         "stroke-width": "2.00"])
                }
                if let shape {
                    svg.line(
                        shape.svg(
                            x: mid, y: rowY, size: 3.5, fill: hollow ? "#ffffff" : color, stroke: hollow ? color : "#ffffff",
                            strokeWidth: hollow ? 1.5 : 1, tooltip: nil))
                }
            case .bar(let color, let hollow):
                svg.element(
                    "rect",
                    ["x": n(mid - 7), "y": n(rowY - 6), "width": "14.00", "height": "12.00",
                     "fill": hollow ? "#ffffff" : color, "stroke": color, "stroke-width": hollow ? "1.50" : "0.00",
                     "stroke-dasharray": hollow ? "3 2" : "none"])
            case .dashedLine(let color):
                svg.element(
                    "line",
                    ["x1": n(left), "y1": n(rowY), "x2": n(left + Self.swatchWidth), "y2": n(rowY), "stroke": color,
                     "stroke-width": "1.50", "stroke-dasharray": "6 4"])
            case .referenceMarker:
                svg.line(MarkerShape.hollowDiamond(x: mid, y: rowY, size: 6, stroke: Palette.reference, tooltip: nil))
            }
            svg.label(entry.text, x: left + Self.swatchWidth + 8, y: rowY + 4, size: Self.fontSize)
        }
    }
}
