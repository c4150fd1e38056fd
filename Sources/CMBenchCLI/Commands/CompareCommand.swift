import FileOutput
import Foundation
import RegressionGate
import Reporting

/// `cmbench compare`: two runs' metrics side by side with the relative error, such as a model's
/// prediction against a live server's measurement of the same trace.
enum CompareCommand: Command {
    static let spec = CommandSpec(
        name: "compare",
        summary: "Put every metric of two runs side by side with the relative error (B vs A).",
        usage: ["compare A B [--json] [--csv FILE] [--store PATH]"],
        discussion: """
            A and B are result files (`replay --json` of any backend, other cmbench --json
            outputs, or {"metrics": {NAME: VALUE}}) or run ids in the results store. A is the
            reference, B is held against it: for sim-to-real, A is the measurement (`--backend
            openai`) and B the model's prediction (`--backend cloudmatrix` or `aggregated`) of the
            same trace. Each metric, named by its JSON path as the gate names it (ttft_ms.p99,
            output_tokens_per_s), is shown with A, B, the difference B − A and the relative error
            (B − A) / |A| in percent (n/a when A is zero or a side has no number). Metrics present
            in only one run are listed as such.

            The header shows each run's command, backend, trace and trace SHA-256. When the two
            runs did not replay the same requests (different trace SHA-256 or total_requests), a
            warning says so, on stderr and in the output. compare judges nothing: it exits 0
            whatever the errors are (use `cmbench gate` with thresholds for a pass or fail).
            Exit status: 0 compared, 64 usage, 65 not a run document or no metric in common,
            66 missing input.
            """,
        arguments: [
            ArgumentSpec("A", "The reference run (e.g. the measurement): a JSON file or a store run id."),
            ArgumentSpec("B", "The run held against it (e.g. the model): a JSON file or a store run id."),
        ],
        options: [
            OptionSpec("--json", help: "Print the comparison as JSON instead of a table."),
            OptionSpec("--csv", .value(placeholder: "FILE"), help: "Also write the table as CSV (provenance in FILE.meta.json)."),
            OptionSpec("--store", .value(placeholder: "PATH"), help: "Store for run ids (default results/cmbench.sqlite)."),
        ],
        examples: [
            ("compare measured.json model.json", "a live measurement (A) against the model's prediction (B)"),
            ("compare run-a.json run-b.json --csv compare.csv", "also write the table as CSV"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        guard arguments.positionals.count == 2 else {
            throw CLIError.usage("compare takes two runs, A and B", hint: "usage: cmbench compare A B [--json] [--csv FILE]")
        }
        let nameA = arguments.positionals[0]
        let nameB = arguments.positionals[1]
        let storePath = arguments.value("--store") ?? RunStoring.defaultPath
        let runA = try LoadedRun.load(nameA, storePath: storePath, requireRunDocument: true)
        let runB = try LoadedRun.load(nameB, storePath: storePath, requireRunDocument: true)
        let comparison = RunComparison(a: runA.identity, metricsA: runA.metrics, b: runB.identity, metricsB: runB.metrics)
        if comparison.common.isEmpty {
            let reason =
                runA.metrics.isEmpty ? "\(nameA) has no metrics"
                : runB.metrics.isEmpty ? "\(nameB) has no metrics" : "no metric is in both runs"
            throw CLIError(
                .badData, "compare: nothing to compare between \(nameA) and \(nameB): \(reason)",
                hint: "give two run documents of the same kind (replay --json)")
        }
        // Opened before anything is printed, so a refused path leaves stdout empty.
        let files = ProtectedFiles(inputs: [nameA, nameB, storePath])
        let csvOutput = try arguments.value("--csv").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }
        if let warning = comparison.traceWarning { console.printErr("cmbench: warning: " + warning) }
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(Document(comparison)))
        } else {
            console.out(text(comparison))
        }
        if let csvOutput {
            let csv = try CSVWriter(
                output: csvOutput, header: ["metric", "a", "b", "difference", "relative_error_pct", "present_in"],
                provenance: CSVProvenance(comparison))
            for row in comparison.rows {
                func cell(_ value: Double?) -> CSVValue { value.map(CSVValue.number) ?? .empty }
                try csv.append([
                    .text(row.name), cell(row.a), cell(row.b), cell(row.difference), cell(row.relativeErrorPercent),
                    .text(row.presence.rawValue),
                ])
            }
            try csv.finish()
        }
        return .ok
    }

    /// The text report: who A and B are, the warning if any, then one row per metric.
    static func text(_ comparison: RunComparison) -> String {
        func describe(_ run: RunComparison.Run) -> String {
            var parts = [run.source + ":"]
            if let command = run.command { parts.append(command) }
            parts.append("backend " + (run.backend ?? "not recorded"))
            if let trace = run.trace { parts.append("trace " + trace) }
            parts.append("sha256 " + (run.traceSHA256 ?? "not recorded"))
            if let requests = run.totalRequests { parts.append(RunComparison.format(requests) + " requests") }
            return parts.joined(separator: " ")
        }
        var lines = [
            "A (reference)  " + describe(comparison.a),
            "B (vs A)       " + describe(comparison.b),
        ]
        if let warning = comparison.traceWarning { lines.append("warning: " + warning) }
        lines.append("relative error = (B − A) / |A|; n/a where A is 0 or a side has no number; — where a run lacks the metric")
        lines.append("")
        var table = TextTable(header: ["metric", "A", "B", "B − A", "B vs A"], alignments: [.left, .right, .right, .right, .right])
        for row in comparison.rows {
            let error: String
            switch row.presence {
            case .both: error = RunComparison.formatPercent(row.relativeErrorPercent)
            case .onlyA: error = "only in A"
            case .onlyB: error = "only in B"
            }
            table.append([
                row.name, RunComparison.format(row.a), RunComparison.format(row.b), RunComparison.formatSigned(row.difference), error,
            ])
        }
        lines.append(table.render().trimmingCharacters(in: .newlines))
        let onlyA = comparison.rows.filter { $0.presence == .onlyA }.count
        let onlyB = comparison.rows.filter { $0.presence == .onlyB }.count
        lines.append("")
        lines.append("\(comparison.common.count) metrics in both runs, \(onlyA) only in A, \(onlyB) only in B")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `compare --json`: `schema`, `a`, `b`, `same_trace`, `warnings`, `metrics`. A value a run
    /// does not have is `null`, not absent: the keys are the same for every pair of runs.
    struct Document: Encodable {
        struct Side: Encodable {
            var source: String
            var command, backend, trace, traceSHA256: OrNull<String>
            var totalRequests: OrNull<Double>
            enum CodingKeys: String, CodingKey {
                case source, command, backend, trace
                case traceSHA256 = "trace_sha256"
                case totalRequests = "total_requests"
            }
            init(_ run: RunComparison.Run) {
                source = run.source
                command = OrNull(run.command)
                backend = OrNull(run.backend)
                trace = OrNull(run.trace)
                traceSHA256 = OrNull(run.traceSHA256)
                totalRequests = OrNull(run.totalRequests)
            }
        }
        struct Metric: Encodable {
            var name: String
            var a, b, difference, relativeErrorPct: OrNull<Double>
            var presentIn: RunComparison.Row.Presence
            enum CodingKeys: String, CodingKey {
                case name, a, b, difference
                case relativeErrorPct = "relative_error_pct"
                case presentIn = "present_in"
            }
            init(_ row: RunComparison.Row) {
                name = row.name
                a = OrNull(row.a)
                b = OrNull(row.b)
                difference = OrNull(row.difference)
                relativeErrorPct = OrNull(row.relativeErrorPercent)
                presentIn = row.presence
            }
        }
        var schema = "cmbench.compare/1"
        var cmbenchVersion = CMBenchVersion.string
        var a: Side
        var b: Side
        var sameTrace: Bool
        var warnings: [String]
        var metrics: [Metric]
        enum CodingKeys: String, CodingKey {
            case schema, a, b, warnings, metrics
            case cmbenchVersion = "cmbench_version"
            case sameTrace = "same_trace"
        }

        init(_ comparison: RunComparison) {
            a = Side(comparison.a)
            b = Side(comparison.b)
            sameTrace = comparison.traceMismatches.isEmpty
            warnings = comparison.traceWarning.map { [$0] } ?? []
            metrics = comparison.rows.map(Metric.init)
        }
    }

    /// An optional that encodes `nil` as `null` (synthesized `Encodable` leaves the key out).
    struct OrNull<Wrapped: Encodable>: Encodable {
        var value: Wrapped?
        init(_ value: Wrapped?) { self.value = value }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if let value { try container.encode(value) } else { try container.encodeNil() }
        }
    }

    /// The CSV's companion: what was compared.
    struct CSVProvenance: Encodable {
        var command = "compare"
        var cmbenchVersion = CMBenchVersion.string
        var a: Document.Side
        var b: Document.Side
        var warnings: [String]
        enum CodingKeys: String, CodingKey {
            case command, a, b, warnings
            case cmbenchVersion = "cmbench_version"
        }
        init(_ comparison: RunComparison) {
            a = Document.Side(comparison.a)
            b = Document.Side(comparison.b)
            warnings = comparison.traceWarning.map { [$0] } ?? []
        }
    }
}
