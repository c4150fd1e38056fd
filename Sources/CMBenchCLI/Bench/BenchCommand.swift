import Digest
import Foundation
import Replay
import ServingMetrics
import Serving
import TraceFormats

/// `cmbench bench`: the tool's own speed and memory, measured, printed as a table or JSON.
///
/// Speed targets are checked here, by a command that prints figures, not by timed unit tests.
/// Each measurement runs in a child process so its peak memory is its own.
enum BenchCommand: Command {
    static let spec = CommandSpec(
        name: "bench",
        summary: "Measure cmbench's own speed: trace ingestion beside zstd -dc, replay, sweep and plan, with peak memory.",
        usage: [
            "bench [--quick] [--workdir DIR] [--repeat N] [--skip-plan] [--week] [--json]",
            "bench --targets-only [--week [--week-requests N]] [--repeat N] [--json]",
        ],
        discussion: """
            Generates seeded inputs once into DIR (an Azure 2023-style CSV of 2 M rows, plain and
            compressed, a
            Mooncake-style JSONL of 1 M lines, a 10 M-row trace in cmbench's format; all zstd level
            3), then, for each, measures in a fresh process: rows per second and decoded MB per
            second of ingestion (read, decompress, split, parse, validate), the same file through
            `zstd -dc > /dev/null`, and the process's peak resident memory. Reports the median of
            --repeat runs. --quick uses inputs ten times smaller. Then replays the Azure-style trace
            through each backend, and times the 20-point decode-batch sweep of the paper's decode
            setup (`cmbench sweep` over decode_batch_per_die 4, 8, …, 80; phase decode; 30,720
            requests of 4,096 + 256 tokens; closed loop at 15,360), end to end in a child process,
            and replays the shared Azure conversation hour through the aggregated backend against
            its target (< 0.3 s). With --week, also the 27 M-request synthetic week (generated once
            into DIR, seeded: `cmbench synth` with the rate and lengths of docs/performance.md)
            through the aggregated backend on aggregated-910c, once, against its target (< 60 s);
            without it that line says it was not measured. --targets-only measures only these
            target lines.
            Last, once each in a child process, `cmbench plan` on the shared Azure and Mooncake
            conversation hours (../shared/traces beside the checkout; skipped, with the reason,
            where absent, with --quick or --skip-plan), against the planner's targets: < 30 s over
            ≥ 300 candidates for Azure, < 60 s for Mooncake; with candidates replayed, pruned and
            invalid, and peak memory.
            """,
        options: [
            OptionSpec("--quick", help: "Inputs ten times smaller (a smoke test of the benchmark itself)."),
            OptionSpec("--workdir", .value(placeholder: "DIR"), help: "Where inputs are generated and kept (default /tmp/cmbench-bench)."),
            OptionSpec("--repeat", .value(placeholder: "N"), help: "Runs per measurement; the median is reported (default 3)."),
            OptionSpec("--json", help: "Print the figures as JSON."),
            OptionSpec("--backends", .value(placeholder: "LIST"), help: "Backends whose replay speed is measured (default: every registered one)."),
            OptionSpec("--measure-ingest", .value(placeholder: "FILE"), help: "(internal) measure one ingestion in this process."),
            OptionSpec("--skip-plan", help: "Leave out the planner lines (two plans of up to a minute each)."),
            OptionSpec("--week", help: "Also replay the 27 M-request week through aggregated-910c against its < 60 s target (minutes)."),
            OptionSpec(
                "--week-requests", .value(placeholder: "N"),
                help: "Requests in the generated week (default 27,000,000; fewer for a quick check of the line itself)."),
            OptionSpec("--targets-only", help: "Measure only the target lines (the Azure hour; the week with --week)."),
            OptionSpec("--measure-replay", .value(placeholder: "FILE"), help: "(internal) measure one replay in this process (with --backends NAME)."),
            OptionSpec("--measure-options", .value(placeholder: "K=V,..."), help: "(internal) backend options of --measure-replay."),
            OptionSpec("--measure-plan", .value(placeholder: "NAME"), help: "(internal) measure one of the bench's plans in this process."),
        ],
        examples: [
            ("bench", "the figures in docs/performance.md"), ("bench --quick --repeat 1", "a fast check that the benchmark runs"),
            ("bench --targets-only --week", "the aggregated backend's two speed targets, the week included"),
        ])

    struct IngestFigures: Codable {
        var file: String
        var format: String
        var rows: Int
        var decodedMB: Double
        var ingestSeconds: Double
        var rowsPerSecond: Double
        var decodedMBPerSecond: Double
        var zstdSeconds: Double?
        var zstdMBPerSecond: Double?
        var peakResidentMB: Double

        enum CodingKeys: String, CodingKey {
            case file, format, rows
            case decodedMB = "decoded_mb"
            case ingestSeconds = "ingest_s"
            case rowsPerSecond = "rows_per_s"
            case decodedMBPerSecond = "decoded_mb_per_s"
            case zstdSeconds = "zstd_dc_s"
            case zstdMBPerSecond = "zstd_dc_mb_per_s"
            case peakResidentMB = "peak_rss_mb"
        }
    }

    struct ReplayFigures: Codable {
        var file: String
        var backend: String
        var requests: Int
        var events: Int
        var seconds: Double
        var requestsPerSecond: Double
        var eventsPerSecond: Double
        var peakResidentMB: Double
        /// The configuration files the backend read (none for `fixed`).
        var configFiles: [FileDigest]

        enum CodingKeys: String, CodingKey {
            case file, backend, requests, events, seconds
            case configFiles = "config_files"
            case requestsPerSecond = "requests_per_s"
            case eventsPerSecond = "events_per_s"
            case peakResidentMB = "peak_rss_mb"
        }
    }

    struct SweepFigures: Codable {
        var command: String
        var points: Int
        var seconds: Double
    }

    struct Report: Codable {
        var machine: String
        var repeats: Int
        var ingest: [IngestFigures]
        var replay: [ReplayFigures]
        var sweep: SweepFigures?
        /// Replays of the shared traces against their issues' speed targets.
        var targets: BenchTargets.Section?
        var plan: BenchPlan.Section?
        /// The build measured and the configuration files its replays read.
        var provenance: Provenance
    }

    /// `bench --targets-only`: the target lines alone.
    struct TargetsReport: Codable {
        var machine: String
        var repeats: Int
        var targets: BenchTargets.Section
        var provenance: Provenance
    }

    /// The paper's decode setup (R1) swept over the batch cap per die: 20 points.
    static func decodeSweepArguments(trace: String) -> [String] {
        [
            "sweep", trace, "--over", "backend:decode_batch_per_die", "--values",
            stride(from: 4, through: 80, by: 4).map(String.init).joined(separator: ","),
            "--backend-option", "phase=decode", "--concurrency", "15360",
        ]
    }

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        if let file = arguments.value("--measure-ingest") {
            let figures = try IngestBenchmark.measure(path: file)
            let result = IngestFigures(
                file: file, format: figures.format.rawValue, rows: figures.rows,
                decodedMB: Double(figures.decodedBytes) / 1e6, ingestSeconds: figures.seconds,
                rowsPerSecond: figures.rowsPerSecond, decodedMBPerSecond: figures.decodedMBPerSecond,
                peakResidentMB: ProcessMemory.peakResidentMB())
            console.out(try JSONOutput.string(result))
            return .ok
        }
        if let name = arguments.value("--measure-plan") {
            console.out(try JSONOutput.string(try BenchPlan.measure(name)))
            return .ok
        }
        if let file = arguments.value("--measure-replay") {
            let figures = try measureReplay(
                file: file, backend: arguments.value("--backends") ?? "fixed", options: arguments.value("--measure-options") ?? "")
            console.out(try JSONOutput.string(figures))
            return .ok
        }
        let directory = arguments.value("--workdir") ?? "/tmp/cmbench-bench"
        let repeats = try arguments.positiveInt("--repeat") ?? 3
        let weekRequests = try arguments.positiveInt("--week-requests")
        if weekRequests != nil && !arguments.flag("--week") {
            throw CLIError(.usage, "--week-requests: only with --week")
        }
        let week = arguments.flag("--week") ? weekRequests ?? BenchInputs.weekRequests : nil
        try OutputDirectory.create(directory, for: "--workdir")
        if arguments.flag("--targets-only") {
            let targets = try BenchTargets.run(repeats: repeats, week: week, workDirectory: directory, console: console)
            let provenance = Provenance(
                command: "bench", configFiles: Provenance.union(targets.targets.map(\.replay.configFiles)),
                configuration: ["targets-only": "true", "repeats": String(repeats)], seed: 1)
            if arguments.flag("--json") {
                console.out(try JSONOutput.string(TargetsReport(machine: MachineDescription.current(), repeats: repeats, targets: targets, provenance: provenance)))
            } else {
                let lines = ["machine: \(MachineDescription.current()); median of \(repeats) run(s)", ""] + BenchTargets.render(targets) + [""] + provenance.lines
                console.out(lines.joined(separator: "\n") + "\n")
            }
            return .ok
        }
        let inputs = try BenchInputs.prepare(in: directory, quick: arguments.flag("--quick"), console: console)

        var results: [IngestFigures] = []
        for input in inputs {
            var runs: [IngestFigures] = []
            var zstdTimes: [Double] = []
            for attempt in 1...repeats {
                console.printErr("cmbench: bench: ingest \(input.path) (run \(attempt) of \(repeats))")
                let output = try ChildProcess.run(ChildProcess.selfPath, ["bench", "--measure-ingest", input.path])
                runs.append(try JSONDecoder().decode(IngestFigures.self, from: Data(output.utf8)))
                if input.path.hasSuffix(".zst") {
                    zstdTimes.append(try ChildProcess.time("/usr/bin/env", ["zstd", "-dc", input.path]))
                }
            }
            var median = runs.sorted { $0.ingestSeconds < $1.ingestSeconds }[runs.count / 2]
            median.peakResidentMB = runs.map(\.peakResidentMB).max() ?? 0
            if !zstdTimes.isEmpty {
                let zstd = zstdTimes.sorted()[zstdTimes.count / 2]
                median.zstdSeconds = zstd
                median.zstdMBPerSecond = median.decodedMB / zstd
            }
            results.append(median)
        }
        let backends = arguments.value("--backends")?.split(separator: ",").map(String.init)
            ?? BackendOptions.registry.entries.map(\.name)
        var replays: [ReplayFigures] = []
        let replayInput = inputs.first { $0.path.hasSuffix(".csv.zst") && $0.name == "azure" }!
        for backend in backends {
            var runs: [ReplayFigures] = []
            for attempt in 1...repeats {
                console.printErr("cmbench: bench: replay \(replayInput.path) through \(backend) (run \(attempt) of \(repeats))")
                let output = try ChildProcess.run(
                    ChildProcess.selfPath, ["bench", "--measure-replay", replayInput.path, "--backends", backend])
                runs.append(try JSONDecoder().decode(ReplayFigures.self, from: Data(output.utf8)))
            }
            var median = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
            median.peakResidentMB = runs.map(\.peakResidentMB).max() ?? 0
            replays.append(median)
        }
        let sweepTrace = try BenchInputs.decodeSweepTrace(in: directory, console: console)
        let sweepArguments = decodeSweepArguments(trace: sweepTrace)
        var sweepTimes: [Double] = []
        for attempt in 1...repeats {
            console.printErr("cmbench: bench: 20-point decode sweep (run \(attempt) of \(repeats))")
            sweepTimes.append(try ChildProcess.time(ChildProcess.selfPath, sweepArguments))
        }
        let sweep = SweepFigures(
            command: "cmbench " + sweepArguments.joined(separator: " "), points: 20, seconds: sweepTimes.sorted()[sweepTimes.count / 2])
        let targets = try BenchTargets.run(repeats: repeats, week: week, workDirectory: directory, console: console)
        let skipPlan = arguments.flag("--quick") ? "--quick" : arguments.flag("--skip-plan") ? "--skip-plan" : nil
        let plan = try BenchPlan.run(skip: skipPlan, console: console)
        // The sweep's child reads the same configs/ as the cloudmatrix replay's.
        let provenance = Provenance(
            command: "bench", configFiles: Provenance.union(
                replays.map(\.configFiles) + targets.targets.map(\.replay.configFiles) + plan.plans.map(\.configFiles)),
            configuration: ["backends": backends.joined(separator: ","), "repeats": String(repeats)], seed: 1)
        let report = Report(
            machine: MachineDescription.current(), repeats: repeats, ingest: results, replay: replays, sweep: sweep,
            targets: targets, plan: plan, provenance: provenance)
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(report))
        } else {
            console.out(render(report))
        }
        return .ok
    }

    static func render(_ report: Report) -> String {
        var lines = [
            "machine: \(report.machine); median of \(report.repeats) run(s)",
            "",
            "ingest      file                        rows        decoded MB  rows/s     MB/s    zstd -dc MB/s  peak RSS MB",
        ]
        for row in report.ingest {
            let cells = [
                row.format.padding(to: 11), (row.file as NSString).lastPathComponent.padding(to: 27), String(row.rows).padding(to: 11), formatFixed(row.decodedMB, digits: 1).padding(to: 11),
                formatRate(row.rowsPerSecond).padding(to: 10), formatFixed(row.decodedMBPerSecond, digits: 0).padding(to: 7),
                (row.zstdMBPerSecond.map { formatFixed($0, digits: 0) } ?? "n/a").padding(to: 14),
                formatFixed(row.peakResidentMB, digits: 1),
            ]
            lines.append(cells.joined(separator: " "))
        }
        lines.append("")
        lines.append("replay      file                        backend       requests    events      s        requests/s  events/s   peak RSS MB")
        for row in report.replay {
            let cells = [
                "", (row.file as NSString).lastPathComponent.padding(to: 27), row.backend.padding(to: 13),
                String(row.requests).padding(to: 11), String(row.events).padding(to: 11), formatFixed(row.seconds, digits: 2).padding(to: 8),
                formatRate(row.requestsPerSecond).padding(to: 11), formatRate(row.eventsPerSecond).padding(to: 10),
                formatFixed(row.peakResidentMB, digits: 1),
            ]
            lines.append(cells.joined(separator: " ").trimmingTrailingSpaces)
        }
        if let sweep = report.sweep {
            lines.append("")
            lines.append("sweep       \(sweep.points) points in \(formatFixed(sweep.seconds, digits: 2)) s: \(sweep.command)")
        }
        if let targets = report.targets {
            lines.append("")
            lines.append(contentsOf: BenchTargets.render(targets))
        }
        if let plan = report.plan {
            lines.append("")
            lines.append(contentsOf: BenchPlan.render(plan))
        }
        lines.append("")
        lines.append(contentsOf: report.provenance.lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One replay of `file` through `backend` with its default settings and `options`
    /// (`key=value,…`), end to end (reading, simulating, metrics), timed in this process.
    static func measureReplay(file: String, backend name: String, options: String = "") throws -> ReplayFigures {
        let given = options.isEmpty ? BackendConfiguration(backend: name, seed: 1) : try BackendConfiguration(backend: name, options: options, seed: 1)
        let configuration = try BackendOptions.withDefaults(given)
        let backend = try BackendOptions.prepare(configuration)
        let run = ReplayRun(options: ReplayOptions(seed: 1), objectives: ServiceLevelObjectives(), console: .silent, showProgress: false, requestsCSV: nil)
        let started = MonotonicClock.now()
        let result = try backend.replay(run, try TraceReader(path: file))
        let seconds = MonotonicClock.now() - started
        return ReplayFigures(
            file: file, backend: name, requests: result.report.requestsAdmitted, events: result.report.eventsProcessed,
            seconds: seconds, requestsPerSecond: Double(result.report.requestsAdmitted) / seconds,
            eventsPerSecond: Double(result.report.eventsProcessed) / seconds, peakResidentMB: ProcessMemory.peakResidentMB(),
            configFiles: backend.files)
    }
}

/// Peak resident memory of this process (`VmHWM`), in MB.
enum ProcessMemory {
    static func peakResidentMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}

/// The machine a measurement ran on: cores and CPU model.
enum MachineDescription {
    static func current() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var model = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "\(cores) cores, \(model)"
    }
}

/// Runs helper processes for measurements.
enum ChildProcess {
    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs a command and returns its stdout; a failure is an internal error with its stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(.internalError, "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Wall seconds a command takes with its stdout discarded.
    static func time(_ executable: String, _ arguments: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let start = MonotonicClock.now()
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(.internalError, "\(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return MonotonicClock.now() - start
    }
}
