import Foundation

@testable import Reporting

/// Fixed charts used by the SVG tests and for looking at the output (illustrative numbers).
enum SamplePlots {
    static var decodeThroughput: LinePlot {
        let tpot: [Double] = [12, 15, 20, 25, 30, 40, 50, 60, 80]
        let model = tpot.map { PlotPoint(x: $0, y: 2400 * (1 - exp(-($0 - 8) / 22)), note: "batch \(Int($0 * 2))") }
        let gpu = tpot.map { PlotPoint(x: $0, y: 1500 * (1 - exp(-($0 - 9) / 25))) }
        return LinePlot(
            title: "Decode throughput per NPU vs TPOT",
            caption: "test data · trace azure-conv (sha256 3f2a…) · seed 42 · cmbench 0.6.0\nconfiguration: decode EP320, batch per die swept 16–160",
            xAxis: Axis(label: "TPOT p50", unit: "ms", scale: .log, unitInTickLabels: true),
            yAxis: Axis(label: "Decode throughput", unit: "tokens/s per NPU"),
            series: [
                Series(name: "cmbench: CloudMatrix-Infer", points: model),
                Series(name: "cmbench: H800 baseline", points: gpu),
            ],
            referenceLines: [
                ReferenceLine(.vertical(x: 50), label: "TPOT SLO 50 ms"),
                ReferenceLine(.vertical(x: 15), label: "TPOT SLO 15 ms"),
            ],
            referencePoints: [
                ReferencePoint(x: 50, y: 1943, label: "1943 @ 50 ms", source: "paper Table 4"),
                ReferencePoint(x: 15, y: 538, label: "538 @ 15 ms", source: "paper Table 4"),
            ])
    }

    static var latencyVersusLoad: LinePlot {
        let rates: [Double] = [0.5, 1, 2, 3, 4, 5, 6, 7, 8]
        func curve(_ knee: Double, _ base: Double) -> [PlotPoint] {
            rates.map { PlotPoint(x: $0, y: base / max(0.02, 1 - $0 / knee)) }
        }
        return LinePlot(
            title: "TTFT p99 <vs> offered load & \"quotes\"",
            caption: "test data · seed 7",
            xAxis: Axis(label: "Offered load", unit: "req/s"),
            yAxis: Axis(label: "TTFT p99", unit: "ms", scale: .log, unitInTickLabels: true),
            series: [
                Series(name: "disaggregated", points: curve(8.5, 180)),
                Series(name: "colocated", points: curve(6.2, 220)),
                Series(name: "measured (scatter)", points: [PlotPoint(x: 2.5, y: 300), PlotPoint(x: 5.5, y: 900)], style: .markers),
            ],
            referenceLines: [ReferenceLine(.horizontal(y: 2000), label: "TTFT SLO 2 s")])
    }

    static var prefillBars: BarChart {
        BarChart(
            title: "Prefill throughput per NPU by configuration",
            caption: "test data · cmbench 0.6.0",
            categories: ["CloudMatrix-Infer default", "without EMS cache", "INT8 off", "H800 (DeepSeek)"],
            series: [
                BarSeries(name: "cmbench model", values: [6210, 5480, 4300, 3900]),
                BarSeries(name: "published", values: [6688, nil, nil, 4026], isReference: true),
            ],
            valueAxis: Axis(label: "Prefill throughput", unit: "tokens/s per NPU"),
            references: [BarReference(category: "INT8 off", value: 4500, label: "4500", source: "paper Table 2 (test)")])
    }
}
