/// A grouped bar chart: one group per category, one bar per series, with published numbers
/// beside cmbench's.
///
/// Built for "prefill throughput per NPU by configuration, with the baselines": categories are
/// configurations, cmbench's predictions are filled bars, and published numbers are either a
/// hollow dashed series (`BarSeries(…, isReference: true)`) or hollow diamonds over a group
/// (``BarReference``). The value axis starts at zero unless a range is given, so bar lengths
/// stay proportional to values.
public struct BarChart: Sendable, Hashable {
    public var title: String
    public var caption: String
    public var categories: [String]
    public var series: [BarSeries]
    public var valueAxis: Axis
    public var references: [BarReference]
    public var referenceLines: [ReferenceLine]
    /// Print each bar's value above it.
    public var showsValues: Bool
    public var width: Double
    public var height: Double
    public var idPrefix: String

    public init(
        title: String, caption: String = "", categories: [String], series: [BarSeries], valueAxis: Axis,
        references: [BarReference] = [], referenceLines: [ReferenceLine] = [], showsValues: Bool = true,
        width: Double = 820, height: Double = 500, idPrefix: String = "cmbench"
    ) {
        precondition(series.allSatisfy { $0.values.count == categories.count }, "one value (or nil) per category in every series")
        self.title = title
        self.caption = caption
        self.categories = categories
        self.series = series
        self.valueAxis = valueAxis
        self.references = references
        self.referenceLines = referenceLines
        self.showsValues = showsValues
        self.width = width
        self.height = height
        self.idPrefix = idPrefix
    }

    public func svg() -> String {
        var values = series.flatMap { $0.values.compactMap { $0 } } + references.map(\.value)
        for line in referenceLines { if case .horizontal(let y) = line.orientation { values.append(y) } }
        let frame = ChartFrame(
            width: width, height: height, title: title, captionLines: ChartFrame.captionLines(caption),
            legend: legend(), yAxis: valueAxis.resolve(values: values), yTitle: valueAxis.title)
        let n = SVGText.number
        var svg = SVGBuilder()
        frame.drawFrame(into: &svg, idPrefix: idPrefix)

        let groupWidth = (frame.plotRight - frame.plotLeft) / Double(max(categories.count, 1))
        let barWidth = groupWidth * 0.78 / Double(max(series.count, 1))
        // Bars grow from zero, or from the axis bottom when zero is not on it (log axis, fixed range).
        let base = valueAxis.accepts(0) && frame.yAxis.domain.contains(0) ? frame.y(0) : frame.plotBottom

        for (index, category) in categories.enumerated() {
            let center = frame.plotLeft + (Double(index) + 0.5) * groupWidth
            let lines = Self.wrap(category, maxCharacters: max(6, Int(groupWidth / 7)))
            for (lineIndex, line) in lines.prefix(3).enumerated() {
                svg.label(line, x: center, y: frame.plotBottom + 18 + Double(lineIndex) * 14, size: ChartFrame.tickFont, anchor: "middle", fill: "#333")
            }
        }

        svg.line("<g id=\"\(idPrefix)-bars\" clip-path=\"url(#\(idPrefix)-plot-area)\">")
        for (seriesIndex, bars) in series.enumerated() {
            let color = Self.color(of: bars, at: seriesIndex)
            svg.line("<g class=\"series\" id=\"\(idPrefix)-series-\(seriesIndex)\">")
            for (index, value) in bars.values.enumerated() {
                guard let value, valueAxis.accepts(value) else { continue }
                let left = frame.plotLeft + Double(index) * groupWidth + groupWidth * 0.11 + Double(seriesIndex) * barWidth
                let top = min(frame.y(value), base), bottom = max(frame.y(value), base)
                let tooltip = "\(categories[index]) · \(bars.name): \(Ticks.shortest(value))\(unitSuffix)"
                var attributes: [(String, String)] = [
                    ("x", n(left + 1)), ("y", n(top)), ("width", n(max(barWidth - 2, 1))), ("height", n(bottom - top)),
                ]
                attributes += bars.isReference
                    ? [("fill", "#ffffff"), ("stroke", color), ("stroke-width", "1.50"), ("stroke-dasharray", "4 2")]
                    : [("fill", color)]
                svg.line("<rect " + attributes.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: " ")
                    + "><title>\(SVGText.escape(tooltip))</title></rect>")
                if showsValues {
                    svg.label(Ticks.shortest(Self.rounded(value)), x: left + barWidth / 2, y: top - 4, size: 10, anchor: "middle", fill: "#333")
                }
            }
            svg.line("</g>")
        }
        // Vertical lines have no meaning across categories; only horizontal ones are drawn.
        for line in referenceLines {
            frame.drawReferenceLine(line, into: &svg, xAxis: nil, yAxis: valueAxis, px: { _ in .nan })
        }
        svg.line("</g>")

        if !references.isEmpty {
            svg.line("<g class=\"reference-points\" id=\"\(idPrefix)-reference-points\">")
            for reference in references {
                guard let index = categories.firstIndex(of: reference.category), valueAxis.accepts(reference.value) else { continue }
                let x = frame.plotLeft + (Double(index) + 0.5) * groupWidth, y = frame.y(reference.value)
                let tooltip = "\(reference.source): \(reference.category) \(Ticks.shortest(reference.value))\(unitSuffix)"
                svg.line(MarkerShape.hollowDiamond(x: x, y: y, size: 7, stroke: Palette.reference, tooltip: tooltip))
                svg.label(reference.label, x: x + 10, y: y + 4, size: 11, fill: Palette.reference, halo: true)
            }
            svg.line("</g>")
        }
        frame.drawBorder(into: &svg)
        svg.close()
        return svg.text
    }

    private var unitSuffix: String { valueAxis.unit.isEmpty ? "" : " " + valueAxis.unit }

    private func legend() -> Legend {
        var legend = Legend()
        for (index, bars) in series.enumerated() {
            legend.entries.append(.init(swatch: .bar(color: Self.color(of: bars, at: index), hollow: bars.isReference), text: bars.name))
        }
        var sources: [String] = []
        for reference in references where !sources.contains(reference.source) { sources.append(reference.source) }
        legend.entries += sources.map { .init(swatch: .referenceMarker, text: $0) }
        return legend
    }

    /// A series' own colour, else near-black for published numbers, else the palette's.
    static func color(of bars: BarSeries, at index: Int) -> String {
        bars.color ?? (bars.isReference ? Palette.reference : Palette.color(at: index))
    }

    /// Four significant digits for labels above bars: enough to compare, short enough to fit.
    static func rounded(_ value: Double) -> Double {
        Double(String(format: "%.4g", value)) ?? value
    }

    /// Splits `text` at spaces into lines of at most `maxCharacters` (a longer word stays whole).
    static func wrap(_ text: String, maxCharacters: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= maxCharacters {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

/// One bar per category; `nil` leaves a gap (no value for that configuration).
public struct BarSeries: Sendable, Hashable {
    public var name: String
    public var values: [Double?]
    /// Published numbers: drawn hollow with a dashed outline, so they read as "not cmbench's".
    public var isReference: Bool
    public var color: String?

    public init(name: String, values: [Double?], isReference: Bool = false, color: String? = nil) {
        self.name = name
        self.values = values
        self.isReference = isReference
        self.color = color
    }
}

/// A published number for one category, drawn as a hollow labelled diamond over its group.
public struct BarReference: Sendable, Hashable {
    public var category: String
    public var value: Double
    public var label: String
    public var source: String

    public init(category: String, value: Double, label: String, source: String) {
        self.category = category
        self.value = value
        self.label = label
        self.source = source
    }
}
