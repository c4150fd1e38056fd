import Foundation

/// `cmbench bench`'s target lines: replays through a backend with a speed target from its issue,
/// each the median of the bench's repeats in a child process.
///
/// Targets (the aggregated-serving issue): the `aggregated` backend
/// - with its default deployment replays the shared Azure conversation hour in < 0.3 s on the
///   2-core development machine (skipped, with the reason, where `../shared/traces` is absent);
/// - through `aggregated-910c` (16 replicas × 32 ranks, the deployment the week's load fits)
///   replays the 27 M-request synthetic week in < 60 s. That run takes minutes, so it is measured
///   once, and only with `--week`; without it the line says so, and the target stays visible.
enum BenchTargets {
    /// A replay with a target; its input is chosen by ``run``: a shared trace, or the week.
    struct Case: Sendable {
        var backend: String
        /// Backend options as `key=value,…` (empty: the backend's defaults).
        var options: String
        var targetSeconds: Double
        /// Runs measured: the bench's repeats, or one.
        var once: Bool
    }

    static let azureHour = Case(backend: "aggregated", options: "", targetSeconds: 0.3, once: false)
    static let week = Case(backend: "aggregated", options: "deployment=aggregated-910c", targetSeconds: 60, once: true)

    struct Figures: Codable {
        var replay: BenchCommand.ReplayFigures
        /// The backend options of the run (`key=value,…`; empty for the defaults).
        var options: String
        var targetSeconds: Double
        /// Whether the run beat its target; nil for a shortened week (`--week-requests`), which
        /// the target does not speak of.
        var met: Bool?

        enum CodingKeys: String, CodingKey {
            case replay, met, options
            case targetSeconds = "target_s"
        }
    }

    struct Section: Codable {
        var targets: [Figures]
        var skipped: [String]
    }

    /// Measures every case (the week only with `week` set to its request count), each run in a
    /// child process; the median run counts.
    static func run(repeats: Int, week weekRequests: Int?, workDirectory: String, console: Console) throws -> Section {
        var section = Section(targets: [], skipped: [])
        let path = BenchPlan.tracesDirectory + "/" + "azure-llm-2023-conv.csv"
        if FileManager.default.fileExists(atPath: path) {
            section.targets.append(try measure(azureHour, file: path, repeats: repeats, console: console))
        } else {
            section.skipped.append("the Azure conversation hour: \(path) not found (the shared traces sit beside the checkout)")
        }
        if let weekRequests {
            let file = try BenchInputs.week(requests: weekRequests, in: workDirectory, console: console)
            var figures = try measure(week, file: file, repeats: 1, console: console)
            if weekRequests != BenchInputs.weekRequests { figures.met = nil }
            section.targets.append(figures)
        } else {
            section.skipped.append(
                "the 27 M-request week through aggregated (deployment=aggregated-910c), target < 60 s: "
                    + "not measured (add --week: minutes, and about 1 GB of trace generated once)")
        }
        return section
    }

    static func measure(_ item: Case, file: String, repeats: Int, console: Console) throws -> Figures {
        var runs: [BenchCommand.ReplayFigures] = []
        let count = item.once ? 1 : repeats
        for attempt in 1...count {
            console.printErr("cmbench: bench: replay \(file) through \(item.backend) against its target (run \(attempt) of \(count))")
            var arguments = ["bench", "--measure-replay", file, "--backends", item.backend]
            if !item.options.isEmpty { arguments += ["--measure-options", item.options] }
            let output = try ChildProcess.run(ChildProcess.selfPath, arguments)
            runs.append(try JSONDecoder().decode(BenchCommand.ReplayFigures.self, from: Data(output.utf8)))
        }
        var median = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
        median.peakResidentMB = runs.map(\.peakResidentMB).max() ?? 0
        return Figures(replay: median, options: item.options, targetSeconds: item.targetSeconds, met: median.seconds < item.targetSeconds)
    }

    static func render(_ section: Section) -> [String] {
        var lines = section.targets.map { item in
            let through = item.replay.backend + (item.options.isEmpty ? "" : " (\(item.options))")
            return "target      \((item.replay.file as NSString).lastPathComponent) through \(through): "
                + "\(formatFixed(item.replay.seconds, digits: 2)) s against < \(formatFixed(item.targetSeconds, digits: 1)) s, "
                + (item.met.map { $0 ? "met" : "NOT met" } ?? "no verdict: not the whole week") + " (\(item.replay.requests) requests, peak RSS \(formatFixed(item.replay.peakResidentMB, digits: 1)) MB)"
        }
        lines += section.skipped.map { "target      skipped: \($0)" }
        return lines
    }
}
