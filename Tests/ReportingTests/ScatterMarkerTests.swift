import Foundation
import Testing

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Scatter series drawn as hollow markers and points called out with a ring and a label: what
/// `plan --plot` draws (candidates missing a target, the chosen deployment).
@Suite struct ScatterMarkerTests {
    /// Two series sharing colour and shape, one hollow; a frontier line; one point called out.
    static let plot = LinePlot(
        title: "scatter", xAxis: Axis(label: "x", unit: "u"), yAxis: Axis(label: "y"),
        series: [
            Series(
                name: "meets", points: [.init(x: 1, y: 2), .init(x: 2, y: 3, callout: "chosen: 4 NPUs")], style: .markers,
                color: "#0072B2", shape: .square),
            Series(
                name: "misses", points: [.init(x: 3, y: 1), .init(x: 4, y: 0.5), .init(x: 5, y: 0.2)], style: .markers,
                color: "#0072B2", shape: .square, hollow: true),
            Series(name: "frontier", points: [.init(x: 2, y: 3), .init(x: 3, y: 1)], style: .line, color: "#333333"),
        ])

    @Test func hollowSeriesAreOutlinedInTheirColourAndFilledSeriesAreNot() throws {
        let document = try XMLDocument(xmlString: Self.plot.svg())
        let filled = try #require(try document.nodes(forXPath: "//*[@id='cmbench-markers-0']").first as? XMLElement)
        let hollow = try #require(try document.nodes(forXPath: "//*[@id='cmbench-markers-1']").first as? XMLElement)
        #expect(filled.elements(forName: "rect").count == 2)
        #expect(filled.elements(forName: "rect").allSatisfy { attribute($0, "fill") == "#0072B2" })
        #expect(hollow.elements(forName: "rect").count == 3)
        #expect(hollow.elements(forName: "rect").allSatisfy { attribute($0, "fill") == "#ffffff" && attribute($0, "stroke") == "#0072B2" })
        // A line-only series draws no markers.
        #expect(try document.nodes(forXPath: "//*[@id='cmbench-markers-2']").isEmpty)
        #expect(try document.nodes(forXPath: "//*[@id='cmbench-line-2']").count == 1)
    }

    @Test func theLegendShowsTheHollowSwatch() {
        let svg = Self.plot.svg()
        // The legend's square for "misses": white inside, outlined in the series' colour.
        #expect(svg.contains("fill=\"#ffffff\" stroke=\"#0072B2\" stroke-width=\"1.50\"/>"))
        #expect(svg.contains(">misses</text>"))
    }

    @Test func calledOutPointsGetARingAndTheirLabel() throws {
        let document = try XMLDocument(xmlString: Self.plot.svg())
        let callouts = try #require(try document.nodes(forXPath: "//*[@id='cmbench-callouts']").first as? XMLElement)
        #expect(callouts.elements(forName: "circle").count == 1)
        #expect(callouts.elements(forName: "text").compactMap(\.stringValue) == ["chosen: 4 NPUs"])
        // Without callouts, no group is drawn (the golden plots are unchanged).
        let plain = LinePlot(title: "", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"), series: [Series(name: "s", points: [.init(x: 1, y: 1)])])
        #expect(!plain.svg().contains("callouts"))
    }
}
