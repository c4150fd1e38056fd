import Foundation

/// `cmbench bench`'s target lines: replays of the shared trace hours through a backend with a
/// speed target from its issue, each the median of the bench's repeats in a child process.
///
/// Target (the aggregated-serving issue): the `aggregated` backend, with its default deployment,
/// replays the Azure conversation hour in < 0.3 s on the 2-core development machine. Its other
/// target, the 27 M-request synthetic week in < 60 s, takes minutes today and is measured by hand
/// (docs/aggregated.md, "How fast the simulation runs"). Skipped, with the reason, where
/// `../shared/traces` is absent.
enum BenchTargets {
    struct Case: Sendable {
        var trace: String
        var backend: String
        var targetSeconds: Double
    }

    static let cases: [Case] = [
        Case(trace: "azure-llm-2023-conv.csv", backend: "aggregated", targetSeconds: 0.3)
    ]

    struct Figures: Codable {
        var replay: BenchCommand.ReplayFigures
        var targetSeconds: Double
        var met: Bool

        enum CodingKeys: String, CodingKey {
            case replay, met
            case targetSeconds = "target_s"
        }
    }

    struct Section: Codable {
        var targets: [Figures]
        var skipped: String?
    }

    /// Measures every case `repeats` times, each run in a child process; the median run counts.
    static func run(repeats: Int, console: Console) throws -> Section {
        var figures: [Figures] = []
        for item in cases {
            let path = BenchPlan.tracesDirectory + "/" + item.trace
            guard FileManager.default.fileExists(atPath: path) else {
                return Section(targets: figures, skipped: "\(path) not found (the shared traces sit beside the checkout)")
            }
            var runs: [BenchCommand.ReplayFigures] = []
            for attempt in 1...repeats {
                console.printErr("cmbench: bench: replay \(path) through \(item.backend) against its target (run \(attempt) of \(repeats))")
                let output = try ChildProcess.run(ChildProcess.selfPath, ["bench", "--measure-replay", path, "--backends", item.backend])
                runs.append(try JSONDecoder().decode(BenchCommand.ReplayFigures.self, from: Data(output.utf8)))
            }
            var median = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
            median.peakResidentMB = runs.map(\.peakResidentMB).max() ?? 0
            figures.append(Figures(replay: median, targetSeconds: item.targetSeconds, met: median.seconds < item.targetSeconds))
        }
        return Section(targets: figures, skipped: nil)
    }

    static func render(_ section: Section) -> [String] {
        var lines = section.targets.map { item in
            "target      \((item.replay.file as NSString).lastPathComponent) through \(item.replay.backend): "
                + "\(formatFixed(item.replay.seconds, digits: 2)) s against < \(formatFixed(item.targetSeconds, digits: 1)) s, "
                + (item.met ? "met" : "NOT met") + " (\(item.replay.requests) requests, peak RSS \(formatFixed(item.replay.peakResidentMB, digits: 1)) MB)"
        }
        if let skipped = section.skipped { lines.append("target      skipped: \(skipped)") }
        return lines
    }
}
