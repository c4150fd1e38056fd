import DisaggregatedServing
import FileOutput
import Foundation
import Reporting
import SystemDescription
import CostModel
import PaperReproduction

/// The paper's curves, drawn by cmbench: the model's curve as a line, the paper's numbers as
/// hollow labelled markers beside it (never as a curve cmbench produced).
enum PaperPlots {
    /// Writes the SVG files into `directory` and returns their paths.
    static func write(
        into directory: String, system: SystemConfiguration, serving: ServingSystemParameters,
        reference: [PaperReproduction.ReferencePoint], comparisons: [ComparisonRow], protecting files: ProtectedFiles
    ) throws -> [String] {
        try OutputDirectory.create(directory, for: "--plot")
        let caption = "cmbench \(CMBenchVersion.string) · deployment \(system.deployment.name) · paper: arXiv 2506.12708 v3"
        var written: [String] = []
        for (name, svg) in [
            ("decode-throughput-vs-tpot.svg", decodeCurve(system: system, reference: reference, caption: caption)),
            ("prefill-throughput.svg", prefillBars(comparisons: comparisons, caption: caption)),
            ("ems-reuse.svg", try emsReuseCurve(system: system, serving: serving, reference: reference, caption: caption)),
        ] {
            let path = directory + "/" + name
            try OutputFile.write(svg, to: path, protecting: files)
            written.append(path)
        }
        return written
    }

    /// Decode throughput per NPU against TPOT as the batch grows (4K prompt, 256 output, MTP),
    /// with and without microbatching, beside paper Table 4's SLO points.
    static func decodeCurve(system: SystemConfiguration, reference: [PaperReproduction.ReferencePoint], caption: String) -> String {
        let model = DecodeCostModel(system: system)
        let dies = system.hardware.diesPerPackage
        let batches = [2, 4, 8, 12, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160]
        func curve(_ name: String, _ policy: MicrobatchPolicy) -> Series {
            var options = DecodeOptions(deployment: system.deployment.decode)
            options.microbatching = policy
            let points = batches.map { batch -> PlotPoint in
                let step = model.stepTime(batchPerDie: batch / dies, meanKVLength: 4096 + 128, options: options)
                return PlotPoint(x: step.tpotMilliseconds, y: step.tokensPerSecondPerDie * Double(dies), note: "batch \(batch)/NPU")
            }
            return Series(name: name, points: points)
        }
        let table4: [(id: String, batch: Int)] = [("R1", 96), ("R2", 128), ("R3", 112), ("R4", 24), ("R5", 8)]
        let markers = table4.compactMap { entry -> Reporting.ReferencePoint? in
            guard let point = reference.first(where: { $0.id == entry.id }) else { return nil }
            let throughput = Double(entry.batch) / (point.value / 1000)
            return Reporting.ReferencePoint(
                x: point.value, y: throughput, label: "\(entry.id): batch \(entry.batch)", source: "paper v3 Table 4")
        }
        let plot = LinePlot(
            title: "Decode throughput per NPU vs TPOT (4K prompt, 256 output, MTP)",
            caption: caption + " · markers: paper Table 4 (R2, R3 at other lengths)",
            xAxis: Axis(label: "TPOT", unit: "ms", scale: .log),
            yAxis: Axis(label: "Decode throughput", unit: "tokens/s per NPU"),
            series: [curve("model, deployment policy", system.deployment.decode.microbatchPolicy), curve("model, two microbatches", .always)],
            referenceLines: [
                ReferenceLine(.vertical(x: 50), label: "SLO 50 ms"), ReferenceLine(.vertical(x: 30), label: "30 ms"),
                ReferenceLine(.vertical(x: 15), label: "15 ms"),
            ],
            referencePoints: markers, idPrefix: "decode")
        return plot.svg()
    }

    /// Prefill throughput per accelerator by configuration — CloudMatrix-Infer with default and
    /// perfect expert balance, and the GPU baselines of the same table — model beside paper
    /// Table 2. Values are the `reproduce` rows, so the plot and the table cannot disagree.
    static func prefillBars(comparisons: [ComparisonRow], caption: String) -> String {
        let configurations: [(id: String, label: String)] = [
            ("R6", "CloudMatrix-Infer, default EPLB"), ("R7", "CloudMatrix-Infer, perfect EPLB"),
            ("B1", "DeepSeek on H800 (Profile)"), ("B3", "SGLang on H100, default"), ("B4", "SGLang on H100, perfect EPLB"),
        ]
        let shown = configurations.filter { entry in comparisons.contains { $0.id == entry.id } }
        let rows = shown.map { entry in comparisons.first { $0.id == entry.id }! }
        let chart = BarChart(
            title: "Prefill throughput per accelerator (16,384 tokens each, 4K prompts)",
            caption: caption + " · hollow bars: paper Table 2 · every model bar except R6 (calibration) is a prediction",
            categories: shown.map(\.label),
            series: [
                BarSeries(name: "model", values: rows.map(\.model)),
                BarSeries(name: "paper Table 2", values: rows.map(\.paper), isReference: true),
            ],
            valueAxis: Axis(label: "Prefill throughput", unit: "tokens/s per NPU or GPU"), idPrefix: "prefill")
        return chart.svg()
    }

    /// The EMS reuse curve (paper Fig. 23): TTFT of a 4K-prompt prefill batch relative to no
    /// context caching as the token reuse rate grows, EMS over UB and over VPC, beside the
    /// paper's two TTFT points (R12d, R12e). The model's points run through the backend, as
    /// `reproduce`'s R12 rows do.
    static func emsReuseCurve(
        system: SystemConfiguration, serving: ServingSystemParameters, reference: [PaperReproduction.ReferencePoint],
        caption: String
    ) throws -> String {
        let reuses = [0.0625, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 0.9]
        let sweep = try ServingReference.evaluateContextCaching(system: system, serving: serving, reuses: reuses)
        let baseline = sweep.noCache.ttftSeconds
        func series(_ name: String, _ points: [ServingReference.ContextCachingPoint]) -> Series {
            Series(name: name, points: points.map { point in
                PlotPoint(
                    x: point.achievedReuse * 100, y: (point.ttftSeconds - baseline) / baseline * 100,
                    note: String(format: "TTFT %.0f ms", point.ttftSeconds * 1000))
            })
        }
        let paper: [(id: String, reuse: Double)] = [("R12d", 50), ("R12e", 90)]
        let markers = paper.compactMap { entry -> Reporting.ReferencePoint? in
            guard let point = reference.first(where: { $0.id == entry.id }) else { return nil }
            return Reporting.ReferencePoint(
                x: entry.reuse, y: point.value, label: "\(entry.id): \(Int(entry.reuse)) % reuse", source: "paper v3 §5.4.3, Fig. 23")
        }
        let plot = LinePlot(
            title: "EMS context caching: TTFT vs token reuse (4K prompts)",
            caption: caption + String(format: " · no-cache TTFT %.0f ms · markers: Fig. 23", baseline * 1000),
            xAxis: Axis(label: "Token reuse rate", unit: "%"),
            yAxis: Axis(label: "TTFT change vs no context caching", unit: "%"),
            series: [series("model, EMS over UB", sweep.ub), series("model, EMS over VPC", sweep.vpc)],
            referenceLines: [], referencePoints: markers, idPrefix: "ems")
        return plot.svg()
    }
}
