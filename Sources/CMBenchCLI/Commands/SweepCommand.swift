import Dispatch
import FileOutput
import Foundation
import Replay
import Reporting
import ServingMetrics
import Serving
import Digest
import Synchronization
import TraceFormats

/// `cmbench sweep`: one replay per value of one dimension, in parallel: a throughput–latency curve.
enum SweepCommand: Command {
    static let spec = CommandSpec(
        name: "sweep",
        summary: "Replay a trace at each value of one dimension (rate, concurrency, a backend setting, an SLO): a curve.",
        usage: [
            "sweep TRACE --over rate|concurrency|slo-tpot|slo-ttft|backend:KEY --values V1,V2,... [replay options] [--csv FILE] [--json]",
            "sweep TRACE ... --shard I/N|auto --store SHARD.db      (one shard's points, into its own store)",
            "sweep TRACE ... --from-store MERGED.db [--csv FILE] [--json]   (the curve from merged shards)",
        ],
        discussion: """
            Runs one replay per value and prints one row per point: the value, throughput (total and
            per accelerator), TTFT and TPOT percentiles, goodput and SLO attainment. Dimensions:
              rate          --rate V (requests/s; lengths kept, arrivals re-drawn with the seed)
              concurrency   --concurrency V (closed loop)
              slo-tpot      --slo tpot=Vms (with any other --slo given); likewise slo-ttft
              backend:KEY   --backend-option KEY=V, e.g. backend:decode_batch_per_die
            Points run in parallel on the machine's cores (--jobs); each is an independent
            simulation with the same seed, so the results are identical to running them one by one.

            Scale-out (docs/scale-out.md): --shard I/N evaluates only shard I's points, split by
            expected cost, and records them into --store; `cmbench runs merge` joins the shards'
            stores; the same command with --from-store MERGED prints the table, CSV and JSON
            byte-identical to one machine's, or names the missing shards and points (exit 66).
            """,
        arguments: [ArgumentSpec("TRACE", "A trace file (plain or zstd).")],
        options: [
            OptionSpec("--over", .value(placeholder: "DIMENSION"), help: "What to vary (required)."),
            OptionSpec("--values", .value(placeholder: "LIST"), help: "Comma-separated values (required)."),
            OptionSpec("--jobs", .value(placeholder: "N"), help: "Points run at once (default: the number of cores)."),
            OptionSpec("--csv", .value(placeholder: "FILE"), help: "Write the curve as CSV (provenance in FILE.meta.json)."),
            OptionSpec("--json", help: "Print the curve as JSON."),
        ] + BackendOptions.specs + [
            OptionSpec("--rate", .value(placeholder: "R"), help: "Fixed rate for every point (unless swept)."),
        ] + ArrivalOptions.specs + [
            OptionSpec("--concurrency", .value(placeholder: "N"), help: "Closed loop for every point (unless swept)."),
            OptionSpec("--offline", help: "Every request of every point arrives at time zero."),
            OptionSpec("--max-requests", .value(placeholder: "N"), help: "Requests per point."),
            OptionSpec("--slo", .value(placeholder: "SPEC"), help: "SLOs for goodput, e.g. ttft=2000ms,tpot=50ms."),
            OptionSpec("--seed", .value(placeholder: "S"), help: "Random seed (default 1)."),
            OptionSpec("--store", .value(placeholder: "PATH"), help: "With --shard: the SQLite store this shard records its points into."),
        ] + ShardOptions.specs + TraceInputOptions.specs,
        examples: [
            ("sweep traces/default.csv.zst --over rate --values 5,10,20,40 --slo ttft=2s,tpot=50ms", "latency against offered load"),
            ("sweep trace.zst --over backend:decode_batch_per_die --values 4,12,24,48,64 --backend cloudmatrix --backend-option phase=decode --concurrency 15360", "decode throughput against TPOT"),
        ])

    struct Point: Codable {
        var value: String
        var summary: RunSummary
        /// SHA-256 of the trace as the first point read it (the others read the same file).
        var traceSHA256: String? = nil
        /// The configuration files this point's backend read (not encoded per point: the curve's
        /// provenance lists them all).
        var configFiles: [FileDigest] = []

        enum CodingKeys: String, CodingKey { case value, summary }
    }

    struct Curve: Codable {
        var schema = "cmbench.sweep/1"
        var dimension: String
        var trace: String
        var points: [Point]
        var provenance: Provenance
    }

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let trace = arguments.positionals[0]
        guard let dimension = arguments.value("--over") else { throw CLIError.usage("--over is required") }
        guard let list = arguments.value("--values") else { throw CLIError.usage("--values is required") }
        let values = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty else { throw CLIError.usage("--values needs at least one value") }
        let known = ["rate", "concurrency", "slo-tpot", "slo-ttft"]
        guard known.contains(dimension) || dimension.hasPrefix("backend:") else {
            let hint = closestMatch(to: dimension, among: known + ["backend:KEY"]).map { "did you mean '\($0)'?" }
            throw CLIError.usage("unknown dimension '\(dimension)'", hint: hint)
        }
        // Validate every point's arguments up front, so a bad value fails before any work.
        let pointArguments = try values.map { value throws in try arguments.replacing(dimension: dimension, with: value) }
        let readerOptions = try TraceInputOptions.readerOptions(arguments)
        try TraceInputOptions.requireRereadable(trace, command: "sweep")
        let jobs = try arguments.positiveInt("--jobs") ?? ProcessInfo.processInfo.activeProcessorCount
        var scaleOut = try SweepScaleOut(arguments, trace: trace, dimension: dimension, values: values)
        if let from = scaleOut?.fromStore {
            let points = try scaleOut!.pointsFromStore(from)
            try output(points, dimension: dimension, arguments: arguments, console: console, trace: trace)
            console.printErr("cmbench: \(points.count) points read from \(from) (\(scaleOut!.shardsDescription))")
            return .ok
        }
        let selected = scaleOut?.selectedIndices ?? Array(values.indices)

        let results = ResultSlots<Result<Point, any Error>>(count: selected.count)
        let next = ResultSlots<Int>(count: 1)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, selected.count))) { _ in
            while let slot = next.takeNextIndex(limit: selected.count), !Interrupt.isRequested {
                let index = selected[slot]
                // The first point hashes the trace, for the provenance of the JSON and the CSV's
                // companion (every point reads the same file; sweep refuses what it cannot re-read).
                var options = readerOptions
                options.computesDigest = index == 0
                results.set(slot, Result { try runPoint(pointArguments[index], value: values[index], trace: trace, readerOptions: options) })
            }
        }
        try Interrupt.check()
        let points = try (0..<selected.count).map { try results.get($0)!.get() }
        if let scaleOut {
            try scaleOut.record(points, indices: selected, provenance: provenance(points, dimension: dimension, arguments: arguments, trace: trace))
            console.printErr(
                "cmbench: shard \(scaleOut.shard!) evaluated \(points.count) of \(values.count) points (\(points.map(\.value).joined(separator: ","))) into \(arguments.value("--store")!)")
        }
        try output(points, dimension: dimension, arguments: arguments, console: console, trace: trace)
        return .ok
    }

    static func runPoint(_ arguments: ParsedArguments, value: String, trace: String, readerOptions: TraceReader.Options) throws -> Point {
        let seed = try arguments.uint64("--seed") ?? 1
        let options = try ReplayCommand.replayOptions(arguments, seed: seed)
        let objectives: ServiceLevelObjectives
        do { objectives = try ServiceLevelObjectives(parsing: arguments.value("--slo") ?? "") } catch {
            throw CLIError.usage("--slo: \(error)")
        }
        let backend = try BackendOptions.makeBackend(try BackendOptions.configuration(arguments, seed: seed), arguments)
        let reader = try TraceReader(path: trace, options: readerOptions)
        let run = ReplayRun(options: options, objectives: objectives, console: Console.silent, showProgress: false, requestsCSV: nil)
        let result = try backend.replay(run, reader)
        let digest = try reader.contentDigest(shouldStop: { Interrupt.isRequested })
        return Point(value: value, summary: result.summary, traceSHA256: digest, configFiles: backend.files)
    }

    /// Every point built its own backend: the files of all of them (one entry per file and
    /// digest, so a file that changed between points shows twice).
    static func provenance(_ points: [Point], dimension: String, arguments: ParsedArguments, trace: String) throws -> Provenance {
        Provenance(
            command: "sweep", trace: trace, traceSHA256: points.first?.traceSHA256,
            configFiles: Provenance.union(points.map(\.configFiles)),
            configuration: ["over": dimension, "values": points.map(\.value).joined(separator: ",")],
            seed: try arguments.uint64("--seed") ?? 1)
    }

    static func output(_ points: [Point], dimension: String, arguments: ParsedArguments, console: Console, trace: String) throws {
        let header = [
            dimension, "completed", "rejected", "request_throughput_rps", "output_tokens_per_s", "output_tokens_per_s_per_accelerator",
            "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms", "e2e_p99_ms", "goodput_rps", "slo_attainment",
        ]
        func cells(_ p: Point) -> [CSVValue] {
            let s = p.summary
            func number(_ value: Double?) -> CSVValue { value.map(CSVValue.number) ?? .empty }
            return [
                .text(p.value), .integer(Int64(s.completedRequests)), .integer(Int64(s.rejectedRequests)), number(s.requestThroughput),
                number(s.outputTokensPerSecond), number(s.outputTokensPerSecondPerAccelerator), number(s.ttft?.p50), number(s.ttft?.p99),
                number(s.tpot?.p50), number(s.tpot?.p99), number(s.e2e?.p99), number(s.goodput), number(s.sloAttainment?.overall),
            ]
        }
        let provenance = try provenance(points, dimension: dimension, arguments: arguments, trace: trace)
        if let path = arguments.value("--csv") {
            let files = ProtectedFiles(
                inputs: [trace, arguments.value("--backend-config")] + points.flatMap(\.configFiles).map(\.path))
            let csv = try CSVWriter(path: path, header: header, provenance: provenance, protecting: files)
            for point in points { try csv.append(cells(point)) }
            try csv.finish()
        }
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(Curve(dimension: dimension, trace: trace, points: points, provenance: provenance)))
            return
        }
        var table = TextTable(header: header.map { $0.replacingOccurrences(of: "_", with: " ") })
        for point in points {
            table.append(cells(point).map { cell in
                if case .number(let value) = cell { return formatSignificant(value) }
                return cell.rawText
            })
        }
        console.out(table.render())
    }
}

extension ParsedArguments {
    /// These arguments with one sweep dimension set to `value`.
    func replacing(dimension: String, with value: String) throws(CLIError) -> ParsedArguments {
        var copy = self
        switch dimension {
        case "rate":
            copy.values["--rate"] = [value]
            copy.values["--concurrency"] = nil
            copy.flags.remove("--offline")
        case "concurrency":
            copy.values["--concurrency"] = [value]
            copy.values["--rate"] = nil
            copy.flags.remove("--offline")
        case "slo-tpot", "slo-ttft":
            let metric = dimension == "slo-tpot" ? "tpot" : "ttft"
            let others = (self.value("--slo") ?? "").split(separator: ",").filter { !$0.hasPrefix(metric + "=") }
            let limit = Double(value) != nil ? value + "ms" : value
            copy.values["--slo"] = [(others.map(String.init) + ["\(metric)=\(limit)"]).joined(separator: ",")]
        default:
            let key = String(dimension.dropFirst("backend:".count))
            guard !key.isEmpty else { throw .usage("backend:KEY needs a key, e.g. backend:decode_batch_per_die") }
            copy.values["--backend-option", default: []].append("\(key)=\(value)")
        }
        _ = try copy.double("--rate")
        _ = try copy.positiveInt("--concurrency")
        return copy
    }
}

/// Fixed slots written by parallel workers and read after they finish, in index order, so
/// results do not depend on which worker finished first.
final class ResultSlots<Value: Sendable>: Sendable {
    private let state: Mutex<(slots: [Value?], nextIndex: Int)>

    init(count: Int) { state = Mutex((Array(repeating: nil, count: count), 0)) }

    func set(_ index: Int, _ value: Value) { state.withLock { $0.slots[index] = value } }
    func get(_ index: Int) -> Value? { state.withLock { $0.slots[index] } }

    /// Hands out 0, 1, 2, … to whichever worker asks next.
    func takeNextIndex(limit: Int) -> Int? {
        state.withLock { state in
            guard state.nextIndex < limit else { return nil }
            defer { state.nextIndex += 1 }
            return state.nextIndex
        }
    }
}

extension Console {
    /// Discards everything: for work whose output is collected elsewhere.
    static let silent = Console(out: { _ in }, err: { _ in })
}
