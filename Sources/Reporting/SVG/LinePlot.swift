/// A self-contained SVG line or scatter chart: cmbench's curves beside SLO lines and published numbers.
///
/// What readers of throughput–latency plots expect, and this draws: labelled axes with units,
/// log scales where latency spans decades, one colour and marker shape per series, dashed
/// labelled reference lines (SLOs), published numbers as hollow labelled diamonds (never as a
/// curve), points called out with a ring and a label, a legend, a title, a provenance caption, and a hover tooltip on every marker.
/// Output is byte-stable for equal input (fixed two-decimal coordinates, no dates, no ids from
/// counters outside the chart), so plots can be golden-file tested.
///
/// ```swift
/// let plot = LinePlot(
///     title: "Decode throughput per NPU vs TPOT",
///     caption: "trace azure-conv · seed 42 · cmbench \(CMBenchVersion.string)",
///     xAxis: Axis(label: "TPOT", unit: "ms", scale: .log, unitInTickLabels: true),
///     yAxis: Axis(label: "Decode throughput", unit: "tokens/s per NPU"),
///     series: [Series(name: "cmbench model", points: curve)],
///     referenceLines: [ReferenceLine(.vertical(x: 50), label: "TPOT SLO 50 ms")],
///     referencePoints: [ReferencePoint(x: 50, y: 1943, label: "1943", source: "paper Table 4")])
/// try OutputFile.write(plot.svg(), to: "plots/decode.svg")
/// ```
public struct LinePlot: Sendable, Hashable {
    public var title: String
    /// Provenance under the plot; `\n` starts a new line.
    public var caption: String
    public var xAxis: Axis
    public var yAxis: Axis
    public var series: [Series]
    public var referenceLines: [ReferenceLine]
    public var referencePoints: [ReferencePoint]
    public var width: Double
    public var height: Double
    /// Prefix for element ids, so several charts can be inlined in one HTML page.
    public var idPrefix: String

    public init(
        title: String, caption: String = "", xAxis: Axis, yAxis: Axis, series: [Series],
        referenceLines: [ReferenceLine] = [], referencePoints: [ReferencePoint] = [], width: Double = 820,
        height: Double = 500, idPrefix: String = "cmbench"
    ) {
        self.title = title
        self.caption = caption
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.referenceLines = referenceLines
        self.referencePoints = referencePoints
        self.width = width
        self.height = height
        self.idPrefix = idPrefix
    }

    /// The SVG document.
    public func svg() -> String {
        var xs = series.flatMap { $0.points.map(\.x) } + referencePoints.map(\.x)
        var ys = series.flatMap { $0.points.map(\.y) } + referencePoints.map(\.y)
        for line in referenceLines {
            switch line.orientation {
            case .horizontal(let y): ys.append(y)
            case .vertical(let x): xs.append(x)
            }
        }
        let x = xAxis.resolve(values: xs)
        let frame = ChartFrame(
            width: width, height: height, title: title, captionLines: ChartFrame.captionLines(caption),
            legend: legend(), yAxis: yAxis.resolve(values: ys), yTitle: yAxis.title)
        let n = SVGText.number
        func px(_ value: Double) -> Double { frame.plotLeft + x.fraction(value) * (frame.plotRight - frame.plotLeft) }

        var svg = SVGBuilder()
        frame.drawFrame(into: &svg, idPrefix: idPrefix)

        // x axis: grid, ticks, labels, title.
        svg.line("<g id=\"\(idPrefix)-x-axis\">")
        for tick in x.ticks {
            let tx = px(tick.value)
            guard tx >= frame.plotLeft - 0.5 && tx <= frame.plotRight + 0.5 else { continue }
            svg.element(
                "line",
                ["x1": n(tx), "y1": n(frame.plotTop), "x2": n(tx), "y2": n(frame.plotBottom),
                 "stroke": tick.isMajor ? "#e3e3e3" : "#f3f3f3", "stroke-width": "1.00"])
            svg.element(
                "line",
                ["x1": n(tx), "y1": n(frame.plotBottom), "x2": n(tx), "y2": n(frame.plotBottom + (tick.isMajor ? 5 : 3)),
                 "stroke": "#444444", "stroke-width": "1.00"])
            if let label = tick.label {
                svg.label(label, x: tx, y: frame.plotBottom + 19, size: ChartFrame.tickFont, anchor: "middle", fill: "#333")
            }
        }
        svg.label(
            xAxis.title, x: (frame.plotLeft + frame.plotRight) / 2, y: frame.plotBottom + 40, size: ChartFrame.axisTitleFont,
            anchor: "middle")
        svg.line("</g>")

        // Lines are clipped to the plot area; markers are not, so a point on the border shows whole.
        svg.line("<g id=\"\(idPrefix)-data\" clip-path=\"url(#\(idPrefix)-plot-area)\">")
        drawReferenceLines(into: &svg, frame: frame, px: px)
        for (index, series) in series.enumerated() {
            drawLines(series, index: index, into: &svg, frame: frame, px: px)
        }
        svg.line("</g>")
        for (index, series) in series.enumerated() {
            drawMarkers(series, index: index, into: &svg, frame: frame, px: px)
        }
        drawCallouts(into: &svg, frame: frame, px: px)
        drawReferencePoints(into: &svg, frame: frame, px: px)
        frame.drawBorder(into: &svg)
        svg.close()
        return svg.text
    }

    private func legend() -> Legend {
        var legend = Legend()
        for (index, series) in series.enumerated() {
            let color = series.color ?? Palette.color(at: index)
            legend.entries.append(
                .init(
                    swatch: .series(
                        color: color, shape: series.style == .line ? nil : series.shape ?? MarkerShape.at(index),
                        line: series.style != .markers, hollow: series.hollow),
                    text: series.name))
        }
        var sources: [String] = []
        for point in referencePoints where !sources.contains(point.source) { sources.append(point.source) }
        legend.entries += sources.map { .init(swatch: .referenceMarker, text: $0) }
        return legend
    }

    private func drawLines(
        _ series: Series, index: Int, into svg: inout SVGBuilder, frame: ChartFrame, px: (Double) -> Double
    ) {
        let n = SVGText.number
        let color = series.color ?? Palette.color(at: index)
        let drawable = { (p: PlotPoint) in xAxis.accepts(p.x) && yAxis.accepts(p.y) }
        if series.style != .markers {
            // A point that cannot be drawn (NaN, or ≤ 0 on a log axis) breaks the line instead of bridging it.
            var runs: [[PlotPoint]] = [[]]
            for point in series.points {
                if drawable(point) { runs[runs.count - 1].append(point) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where run.count >= 2 {
                let points = run.map { "\(n(px($0.x))),\(n(frame.y($0.y)))" }.joined(separator: " ")
                svg.element(
                    "polyline",
                    ["points": points, "fill": "none", "stroke": color, "stroke-width": "2.00", "stroke-linejoin": "round",
                     "class": "series-line", "id": "\(idPrefix)-line-\(index)"])
            }
        }
    }

    private func drawMarkers(
        _ series: Series, index: Int, into svg: inout SVGBuilder, frame: ChartFrame, px: (Double) -> Double
    ) {
        guard series.style != .line else { return }
        let color = series.color ?? Palette.color(at: index)
        func inside(_ p: PlotPoint) -> Bool {
            guard xAxis.accepts(p.x) && yAxis.accepts(p.y) else { return false }
            let x = px(p.x), y = frame.y(p.y)
            return x >= frame.plotLeft - 0.5 && x <= frame.plotRight + 0.5 && y >= frame.plotTop - 0.5 && y <= frame.plotBottom + 0.5
        }
        svg.line("<g class=\"series-markers\" id=\"\(idPrefix)-markers-\(index)\">")
        let shape = series.shape ?? MarkerShape.at(index)
        let (fill, stroke, strokeWidth) = series.hollow ? ("#ffffff", color, 1.5) : (color, "#ffffff", 1.0)
        for point in series.points where inside(point) {
            var tooltip = "\(series.name): \(xAxis.label) \(Ticks.shortest(point.x))\(unitSuffix(xAxis)), "
                + "\(yAxis.label) \(Ticks.shortest(point.y))\(unitSuffix(yAxis))"
            if let note = point.note { tooltip += " (\(note))" }
            svg.line(
                shape.svg(
                    x: px(point.x), y: frame.y(point.y), size: 3.8, fill: fill, stroke: stroke, strokeWidth: strokeWidth,
                    tooltip: tooltip))
        }
        svg.line("</g>")
    }

    /// Rings and labels of the points called out, over every series' markers.
    private func drawCallouts(into svg: inout SVGBuilder, frame: ChartFrame, px: (Double) -> Double) {
        let called = series.flatMap { $0.points.filter { $0.callout != nil && xAxis.accepts($0.x) && yAxis.accepts($0.y) } }
        guard !called.isEmpty else { return }
        let n = SVGText.number
        svg.line("<g class=\"callouts\" id=\"\(idPrefix)-callouts\">")
        for point in called {
            let x = px(point.x), y = frame.y(point.y), text = point.callout!
            svg.element(
                "circle", ["cx": n(x), "cy": n(y), "r": "8.00", "fill": "none", "stroke": Palette.reference, "stroke-width": "1.50"])
            let nearRight = x + 12 + SVGText.estimatedWidth(text, fontSize: 11) > frame.plotRight
            svg.label(
                text, x: nearRight ? x - 12 : x + 12, y: y - 10, size: 11, anchor: nearRight ? "end" : "start",
                fill: Palette.reference, halo: true)
        }
        svg.line("</g>")
    }

    private func drawReferenceLines(into svg: inout SVGBuilder, frame: ChartFrame, px: (Double) -> Double) {
        for line in referenceLines {
            frame.drawReferenceLine(line, into: &svg, xAxis: xAxis, yAxis: yAxis, px: px)
        }
    }

    private func drawReferencePoints(into svg: inout SVGBuilder, frame: ChartFrame, px: (Double) -> Double) {
        guard !referencePoints.isEmpty else { return }
        svg.line("<g class=\"reference-points\" id=\"\(idPrefix)-reference-points\">")
        for point in referencePoints where xAxis.accepts(point.x) && yAxis.accepts(point.y) {
            let x = px(point.x), y = frame.y(point.y)
            let tooltip = "\(point.source): \(point.label) (\(xAxis.label) \(Ticks.shortest(point.x))\(unitSuffix(xAxis)), "
                + "\(yAxis.label) \(Ticks.shortest(point.y))\(unitSuffix(yAxis)))"
            svg.line(MarkerShape.hollowDiamond(x: x, y: y, size: 7, stroke: Palette.reference, tooltip: tooltip))
            // Label to the right, or to the left when the point sits near the right edge.
            let nearRight = x + 10 + SVGText.estimatedWidth(point.label, fontSize: 11) > frame.plotRight
            svg.label(
                point.label, x: nearRight ? x - 10 : x + 10, y: y - 8, size: 11, anchor: nearRight ? "end" : "start",
                fill: Palette.reference, halo: true)
        }
        svg.line("</g>")
    }

    private func unitSuffix(_ axis: Axis) -> String { axis.unit.isEmpty ? "" : " " + axis.unit }
}
