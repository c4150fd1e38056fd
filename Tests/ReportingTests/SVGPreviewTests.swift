import Foundation
import Testing

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The sample charts as a person looks at them: each renders a well-formed SVG with its title,
/// its axes and one mark per data point of every series. With `$CMBENCH_PLOT_PREVIEW_DIR` set,
/// each is also written there (`rsvg-convert -o x.png x.svg`) and read back unchanged.
@Suite struct SVGPreviewTests {
    struct Preview: Sendable, CustomTestStringConvertible {
        var file: String
        var title: String
        var svg: String
        /// Element id → how many child elements it must hold (one per point, bar or marker).
        var children: [String: Int]
        /// Element id → how many points its `points` attribute must list (a polyline).
        var polylinePoints: [String: Int]
        var testDescription: String { file }
    }

    static func preview(_ file: String, _ plot: LinePlot) -> Preview {
        var children: [String: Int] = [:]
        var polylinePoints: [String: Int] = [:]
        for (index, series) in plot.series.enumerated() {
            if series.style != .line { children["\(plot.idPrefix)-markers-\(index)"] = series.points.count }
            if series.style != .markers { polylinePoints["\(plot.idPrefix)-line-\(index)"] = series.points.count }
        }
        if !plot.referencePoints.isEmpty { children["\(plot.idPrefix)-reference-points"] = 2 * plot.referencePoints.count }
        return Preview(file: file, title: plot.title, svg: plot.svg(), children: children, polylinePoints: polylinePoints)
    }

    static func preview(_ file: String, _ chart: BarChart) -> Preview {
        var children: [String: Int] = ["\(chart.idPrefix)-bars": chart.series.count]
        for (index, series) in chart.series.enumerated() {
            let bars = series.values.compactMap { $0 }.count
            children["\(chart.idPrefix)-series-\(index)"] = chart.showsValues ? 2 * bars : bars  // a bar and its label
        }
        if !chart.references.isEmpty { children["\(chart.idPrefix)-reference-points"] = 2 * chart.references.count }
        return Preview(file: file, title: chart.title, svg: chart.svg(), children: children, polylinePoints: [:])
    }

    static let previews = [
        preview("decode.svg", SamplePlots.decodeThroughput),
        preview("latency.svg", SamplePlots.latencyVersusLoad),
        preview("prefill.svg", SamplePlots.prefillBars),
    ]

    @Test(arguments: previews)
    func rendersAWellFormedChart(preview: Preview) throws {
        let document = try XMLDocument(xmlString: preview.svg)
        let root = try #require(document.rootElement())
        #expect(root.name == "svg")
        let title = try document.nodes(forXPath: "/*[local-name()='svg']/*[local-name()='title']")
        #expect(title.map(\.stringValue) == [preview.title])
        #expect(try document.nodes(forXPath: "//*[@id='cmbench-y-axis']").count == 1)
        for (id, count) in preview.children {
            let element = try #require(try document.nodes(forXPath: "//*[@id='\(id)']").first as? XMLElement, "\(id)")
            #expect(element.children?.count == count, "\(preview.file): \(id)")
        }
        for (id, count) in preview.polylinePoints {
            let element = try #require(try document.nodes(forXPath: "//*[@id='\(id)']").first as? XMLElement, "\(id)")
            #expect(element.name == "polyline")
            let points = try #require(attribute(element, "points"), "\(id)")
            #expect(points.split(separator: " ").count == count, "\(preview.file): \(id)")
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CMBENCH_PLOT_PREVIEW_DIR"] != nil), arguments: previews)
    func writePreview(preview: Preview) throws {
        let directory = try #require(ProcessInfo.processInfo.environment["CMBENCH_PLOT_PREVIEW_DIR"])
        let path = directory + "/" + preview.file
        try OutputFile.write(preview.svg, to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == preview.svg)
    }
}
