import FileOutput
import Foundation
import Planning
import Reporting
import SystemDescription

/// `plan --csv FILE` and `plan --plot DIR`: every replayed candidate as a CSV row, and the two
/// frontiers as SVG plots, from the document `plan --json` prints (so the three cannot disagree).
enum PlanFiles {
    /// The CSV's columns; units are in the names, and the cost column is named by its unit
    /// (`cost_usd_per_h` when every system has a `--price`, else `cost_accelerators`).
    static func header(_ document: PlanDocument) -> [String] {
        [
            "system", "prefill_instances", "prefill_npus", "decode_instances", "decode_npus", "accelerators", "decode_batch_per_die",
            "microbatching", "mtp", "precision", "ems_capacity_gb", isPriced(document) ? "cost_usd_per_h" : "cost_accelerators",
            "attainment", "meets_target", "output_tokens_per_s_per_accelerator", "tokens_per_s_per_user", "on_throughput_frontier",
            "on_cost_frontier", "replay_complete",
        ]
    }

    /// One row per replayed candidate (`plan.explored`, in the order replayed), with whether it
    /// lies on each Pareto frontier and whether its replay ran to the end (one stopped once the
    /// candidate could not meet the target has an upper bound as attainment); the run's
    /// provenance goes to `FILE.meta.json`.
    static func writeCSV(_ document: PlanDocument, path: String, protecting files: ProtectedFiles) throws {
        let plan = document.plan
        let onThroughput = Set(plan.throughputFrontier.map(Key.init))
        let onCost = Set(plan.costFrontier.map(Key.init))
        let csv = try CSVWriter(path: path, header: header(document), provenance: document.provenance, protecting: files)
        for point in plan.explored {
            let c = point.candidate
            let key = Key(point)
            try csv.append([
                .text(point.system), .integer(Int64(c.prefillInstances)), .integer(Int64(c.prefillNPUs)),
                .integer(Int64(c.decodeInstances)), .integer(Int64(c.decodeNPUs)), .integer(Int64(point.accelerators)),
                .integer(Int64(c.decodeBatchPerDie)), .text(microbatching(c.microbatching)), .text(c.mtp ? "on" : "off"),
                .text(c.precision), c.emsCapacityGB.map(CSVValue.number) ?? .empty, .number(point.cost), .number(point.attainment),
                yesNo(point.meetsTarget), .number(point.outputTokensPerSecondPerAccelerator), .number(point.tokensPerSecondPerUser),
                yesNo(onThroughput.contains(key)), yesNo(onCost.contains(key)), yesNo(point.complete),
            ])
        }
        try csv.finish()
    }

    /// Writes `plan-throughput-frontier.svg` and `plan-cost-frontier.svg` into `directory`
    /// (created when missing) and returns their paths.
    static func writePlots(_ document: PlanDocument, directory: String, protecting files: ProtectedFiles) throws -> [String] {
        try OutputDirectory.create(directory, for: "--plot")
        var written: [String] = []
        for (name, plot) in [
            ("plan-throughput-frontier.svg", throughputPlot(document)), ("plan-cost-frontier.svg", costPlot(document)),
        ] {
            let path = directory + "/" + name
            try OutputFile.write(plot.svg(), to: path, protecting: files)
            written.append(path)
        }
        return written
    }

    /// Output tokens/s per accelerator against tokens/s per user: every candidate replayed, one
    /// colour and shape per system (hollow where it misses the SLO target), the frontier as a
    /// staircase, each system's chosen deployment called out.
    static func throughputPlot(_ document: PlanDocument) -> LinePlot {
        let plan = document.plan
        let frontier = plan.throughputFrontier.sorted { $0.tokensPerSecondPerUser < $1.tokensPerSecondPerUser }
        return LinePlot(
            title: "Throughput per accelerator vs speed per user",
            caption: caption(document),
            xAxis: Axis(label: "Speed per user, 1 / median TPOT", unit: "tokens/s"),
            yAxis: Axis(label: "Output throughput", unit: "tokens/s per accelerator"),
            series: candidateSeries(document, x: \.tokensPerSecondPerUser, y: \.outputTokensPerSecondPerAccelerator)
                + [frontierLine(throughputStaircase(frontier.map { ($0.tokensPerSecondPerUser, $0.outputTokensPerSecondPerAccelerator) }))],
            idPrefix: "plan-throughput")
    }

    /// SLO attainment against cost (accelerators, or $/h with prices): every candidate replayed,
    /// the frontier, the attainment target, and each system's chosen deployment called out.
    static func costPlot(_ document: PlanDocument) -> LinePlot {
        let plan = document.plan
        let frontier = plan.costFrontier.sorted { $0.cost < $1.cost }
        let costAxis =
            isPriced(document)
            ? Axis(label: "Cost", unit: "$/h")
            : Axis(label: document.phase == "decode" ? "Decode accelerators" : "Accelerators", unit: "NPUs or GPUs")
        let target = plan.attainmentTarget * 100
        return LinePlot(
            title: "SLO attainment vs cost",
            caption: caption(document),
            xAxis: costAxis,
            // Headroom above 100 % for the target's label and the points that reach it.
            yAxis: Axis(label: "SLO attainment", unit: "%", range: 0...110),
            series: candidateSeries(document, x: \.cost, y: { $0.attainment * 100 })
                + [frontierLine(costStaircase(frontier.map { ($0.cost, $0.attainment * 100) }))],
            referenceLines: [ReferenceLine(.horizontal(y: target), label: "target \(String(format: "%g", target)) %")],
            idPrefix: "plan-cost")
    }

    /// Per system, a series of the candidates meeting the target and a hollow one of those
    /// missing it (same colour and shape; an empty one is left out), with the chosen
    /// deployment called out.
    static func candidateSeries(
        _ document: PlanDocument, x: (FrontierPoint) -> Double, y: (FrontierPoint) -> Double
    ) -> [Series] {
        let plan = document.plan
        let systems = plan.systems.map(\.system)
        var series: [Series] = []
        for (index, system) in systems.enumerated() {
            let chosen = plan.systems[index].chosen.map { Key(system: system, candidate: $0.candidate) }
            let points = plan.explored.filter { $0.system == system }
            let color = Palette.color(at: index), shape = MarkerShape.at(index)
            func plotted(_ point: FrontierPoint) -> PlotPoint {
                let c = point.candidate
                let isChosen = Key(point) == chosen
                return PlotPoint(
                    x: x(point), y: y(point),
                    note: "\(c.shape), \(point.accelerators) accelerators, \(c.settingsDescription)",
                    callout: isChosen ? "\(systems.count > 1 ? system + " " : "")chosen: \(c.shape)" : nil)
            }
            let meets = points.filter(\.meetsTarget).map(plotted)
            let misses = points.filter { !$0.meetsTarget }.map(plotted)
            if !meets.isEmpty {
                series.append(Series(name: "\(system), meets target", points: meets, style: .markers, color: color, shape: shape))
            }
            if !misses.isEmpty {
                series.append(
                    Series(name: "\(system), misses target", points: misses, style: .markers, color: color, shape: shape, hollow: true))
            }
        }
        return series
    }

    static func frontierLine(_ points: [PlotPoint]) -> Series {
        Series(name: "Pareto frontier", points: points, style: .line, color: Palette.reference)
    }

    /// The edge of what a frontier maximising both coordinates dominates, as a staircase from the
    /// y axis to the x axis (visible even for a frontier of one point). `points` ascend in x.
    static func throughputStaircase(_ points: [(x: Double, y: Double)]) -> [PlotPoint] {
        guard let first = points.first, let last = points.last else { return [] }
        var line = [PlotPoint(x: 0, y: first.y)]
        for (index, point) in points.enumerated() {
            if index > 0 { line.append(PlotPoint(x: points[index - 1].x, y: point.y)) }
            line.append(PlotPoint(x: point.x, y: point.y))
        }
        return line + [PlotPoint(x: last.x, y: 0)]
    }

    /// The edge of what a frontier minimising x (cost) and maximising y (attainment) dominates:
    /// up from the x axis at the cheapest point, then right and up from point to point. `points`
    /// ascend in x.
    static func costStaircase(_ points: [(x: Double, y: Double)]) -> [PlotPoint] {
        guard let first = points.first else { return [] }
        var line = [PlotPoint(x: first.x, y: 0)]
        for (index, point) in points.enumerated() {
            if index > 0 { line.append(PlotPoint(x: point.x, y: points[index - 1].y)) }
            line.append(PlotPoint(x: point.x, y: point.y))
        }
        return line
    }

    static func caption(_ document: PlanDocument) -> String {
        let plan = document.plan
        let sha = document.traceSHA256.map { " (sha256 \($0.prefix(12)))" } ?? ""
        return "cmbench \(CMBenchVersion.string) · trace \(document.trace)\(sha), \(document.requests) requests, load: \(plan.load.description)\n"
            + "SLO \(document.slo), attainment ≥ \(String(format: "%g", plan.attainmentTarget * 100)) % · "
            + "\(plan.explored.count) candidates replayed · seed \(document.provenance.seed.map(String.init) ?? "none")"
    }

    static func isPriced(_ document: PlanDocument) -> Bool {
        !document.plan.systems.isEmpty && document.plan.systems.allSatisfy { $0.pricePerAcceleratorHour != nil }
    }

    static func microbatching(_ policy: MicrobatchPolicy) -> String { policy == .whenFaster ? "auto" : policy.rawValue }

    static func yesNo(_ value: Bool) -> CSVValue { .text(value ? "yes" : "no") }

    /// A candidate of a system: what identifies a point of `explored` on the frontiers.
    struct Key: Hashable {
        var system: String
        var candidate: CandidateDeployment

        init(system: String, candidate: CandidateDeployment) {
            self.system = system
            self.candidate = candidate
        }
        init(_ point: FrontierPoint) { self.init(system: point.system, candidate: point.candidate) }
    }
}
