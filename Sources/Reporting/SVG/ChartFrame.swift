/// The parts every chart shares: title, caption, plot rectangle, value axis with grid, legend.
struct ChartFrame {
    let width: Double
    let height: Double
    let title: String
    /// Provenance lines under the chart (trace, seed, configuration, cmbench version).
    let captionLines: [String]
    let legend: Legend
    let yAxis: ResolvedAxis
    let yTitle: String

    static let tickFont = 12.0
    static let axisTitleFont = 13.0
    static let titleFont = 16.0
    static let captionFont = 11.0

    /// The plot rectangle, leaving room for tick labels, axis titles, the legend and the caption.
    var plotLeft: Double {
        let widest = yAxis.ticks.compactMap(\.label).map { SVGText.estimatedWidth($0, fontSize: Self.tickFont) }.max() ?? 0
        return 36 + widest + 10
    }
    var plotRight: Double { width - 16 - legend.width }
    var plotTop: Double { title.isEmpty ? 20 : 48 }
    var plotBottom: Double { height - 58 - Double(captionLines.count) * 14 }

    func y(_ value: Double) -> Double { plotBottom - yAxis.fraction(value) * (plotBottom - plotTop) }

    /// Draws the background, title, caption, y grid, y ticks and y title; the caller draws the rest.
    func drawFrame(into svg: inout SVGBuilder, idPrefix: String) {
        let n = SVGText.number
        svg.open(width: width, height: height, title: title, description: captionLines.joined(separator: " "))
        if !title.isEmpty {
            svg.label(title, x: (plotLeft + plotRight) / 2, y: 28, size: Self.titleFont, anchor: "middle", weight: "bold")
        }
        svg.element(
            "clipPath", ["id": "\(idPrefix)-plot-area"],
            content: SVGBuilder.element(
                "rect", ["x": n(plotLeft), "y": n(plotTop), "width": n(plotRight - plotLeft), "height": n(plotBottom - plotTop)]))
        svg.line("<g id=\"\(idPrefix)-y-axis\">")
        for tick in yAxis.ticks {
            let ty = y(tick.value)
            guard ty >= plotTop - 0.5 && ty <= plotBottom + 0.5 else { continue }
            svg.element(
                "line",
                ["x1": n(plotLeft), "y1": n(ty), "x2": n(plotRight), "y2": n(ty),
                 "stroke": tick.isMajor ? "#e3e3e3" : "#f3f3f3", "stroke-width": "1.00"])
            svg.element(
                "line",
                ["x1": n(plotLeft - (tick.isMajor ? 5 : 3)), "y1": n(ty), "x2": n(plotLeft), "y2": n(ty), "stroke": "#444444",
                 "stroke-width": "1.00"])
            if let label = tick.label {
                svg.label(label, x: plotLeft - 8, y: ty + 4, size: Self.tickFont, anchor: "end", fill: "#333")
            }
        }
        svg.label(yTitle, x: 18, y: (plotTop + plotBottom) / 2, size: Self.axisTitleFont, anchor: "middle", rotate: true)
        svg.line("</g>")
        for (index, line) in captionLines.enumerated() {
            svg.label(
                line, x: 10, y: height - 10 - Double(captionLines.count - 1 - index) * 14, size: Self.captionFont,
                fill: "#666")
        }
    }

    /// The box around the plot area, drawn last so it sits above grid lines and bars.
    func drawBorder(into svg: inout SVGBuilder) {
        let n = SVGText.number
        svg.element(
            "rect",
            ["x": n(plotLeft), "y": n(plotTop), "width": n(plotRight - plotLeft), "height": n(plotBottom - plotTop),
             "fill": "none", "stroke": "#444444", "stroke-width": "1.00"])
        legend.draw(into: &svg, x: plotRight + 16, y: plotTop)
    }

    /// A dashed, labelled reference line with a tooltip. Horizontal labels sit at the left end,
    /// because latency curves usually rise to the right; `xAxis == nil` skips vertical lines.
    func drawReferenceLine(
        _ line: ReferenceLine, into svg: inout SVGBuilder, xAxis: Axis?, yAxis: Axis, px: (Double) -> Double
    ) {
        let n = SVGText.number
        let x1: Double, y1: Double, x2: Double, y2: Double, labelX: Double, labelY: Double
        switch line.orientation {
        case .horizontal(let value):
            guard yAxis.accepts(value) else { return }
            (x1, x2, y1, y2) = (plotLeft, plotRight, y(value), y(value))
            (labelX, labelY) = (plotLeft + 6, y(value) - 6)
        case .vertical(let value):
            guard let xAxis, xAxis.accepts(value) else { return }
            (x1, x2, y1, y2) = (px(value), px(value), plotTop, plotBottom)
            (labelX, labelY) = (px(value) + 5, plotTop + 14)
        }
        svg.element(
            "line",
            ["x1": n(x1), "y1": n(y1), "x2": n(x2), "y2": n(y2), "stroke": line.color, "stroke-width": "1.50",
             "stroke-dasharray": "6 4"],
            content: "<title>\(SVGText.escape(line.label))</title>")
        svg.label(line.label, x: labelX, y: labelY, size: 11, fill: line.color, halo: true)
    }

    static func captionLines(_ caption: String) -> [String] {
        caption.isEmpty ? [] : caption.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
