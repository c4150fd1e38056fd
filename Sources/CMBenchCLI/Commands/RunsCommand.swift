import FileOutput
import Foundation
import Reporting
import ResultsStore

/// `cmbench runs`: what the results store holds.
enum RunsCommand: Command {
    static let spec = CommandSpec(
        name: "runs",
        summary: "List, show, export or merge the runs recorded in results stores.",
        usage: [
            "runs list [--store PATH] [--limit N] [--json]", "runs show ID [--store PATH]", "runs export [OUT] [--store PATH] [--format csv|json]",
            "runs merge OUT.db IN.db...",
        ],
        discussion: """
            A run is recorded by `cmbench replay … --store PATH`: one row in the `runs` table (its
            provenance: command, cmbench version, source revision, toolchain, trace and its SHA-256,
            backend, configuration, seed), its configuration files with their SHA-256 in
            `run_config_files`, and its metrics in `run_metrics`; `runs show` prints all of it. The
            store is SQLite in WAL mode; several cmbench processes may write to it at once. A store
            written by an older cmbench is read as it is. Default store: results/cmbench.sqlite.
            `runs export` writes every run, one row each (CSV with one column per metric, or JSON).
            `runs merge OUT IN...` copies the runs and evaluated points of the input stores (the
            shards of a sharded sweep or plan, docs/scale-out.md) into OUT, created when missing:
            a run or point whose key OUT holds is skipped, so merging twice, or a shard re-run
            after a failure, adds nothing, and the order of the inputs does not matter. Inputs
            written by different cmbench builds, or recording different contents for one
            configuration file, are refused with the reason (exit 65); OUT may not be an input.
            """,
        arguments: [
            ArgumentSpec("ACTION", "list, show, export or merge"),
            ArgumentSpec("ARG", "show: the run id; export: the output file (default: stdout); merge: OUT then the inputs", optional: true, variadic: true),
        ],
        options: [
            OptionSpec("--store", .value(placeholder: "PATH"), help: "The store (default results/cmbench.sqlite)."),
            OptionSpec("--limit", .value(placeholder: "N"), help: "list: newest N runs (default 20)."),
            OptionSpec("--format", .value(placeholder: "FMT"), help: "export: csv (default) or json."),
            OptionSpec("--json", help: "list: print JSON."),
        ],
        examples: [
            ("replay traces/default.csv.zst --store results/cmbench.sqlite", "record a run"),
            ("runs list", "the newest runs"),
            ("runs export runs.csv", "every run as CSV, for pandas"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let path = arguments.value("--store") ?? RunStoring.defaultPath
        let action = try arguments.positionals[0].validated(among: ["list", "show", "export", "merge"], what: "action")
        if action == "merge" { return try StoreMerge.run(Array(arguments.positionals.dropFirst()), console: console) }
        if arguments.positionals.count > 2 {
            throw CLIError.usage("unexpected argument '\(arguments.positionals[2])'", hint: "usage: cmbench \(spec.usage[0])")
        }
        let limit = try arguments.positiveInt("--limit") ?? 20
        let format = try arguments.choice("--format", among: ["csv", "json"]) ?? "csv"
        var id: Int64 = 0
        if action == "show" {
            guard arguments.positionals.count > 1, let given = Int64(arguments.positionals[1]) else {
                throw CLIError.usage("runs show needs a run id", hint: "see 'cmbench runs list'")
            }
            id = given
        }
        // Reading never writes: a store this user may only read can still be listed.
        let store = try ResultsStore(readingAt: path)
        // An empty store is reported as such, like a missing one, rather than as an empty success.
        guard try store.count() > 0 else {
            throw CLIError(.missingInput, "\(path): no runs recorded yet", hint: "record a run with 'cmbench replay TRACE --store \(path)'")
        }
        switch action {
        case "list":
            let runs = try store.list(limit: limit)
            if arguments.flag("--json") {
                console.out(try JSONOutput.string(runs))
            } else {
                var table = TextTable(header: ["id", "created (UTC)", "command", "backend", "trace", "seed", "metrics"])
                for run in runs {
                    let trace = run.tracePath.map { ($0 as NSString).lastPathComponent } ?? "-"
                    table.append([String(run.id), run.createdAt, run.command, run.backend, trace,
                                  run.seed.map(String.init) ?? "-", String(run.metrics.count)])
                }
                console.out(table.render())
            }
        case "show":
            guard let run = try store.run(id: id) else { throw CLIError(.missingInput, "\(path): no run with id \(id)") }
            console.out(try JSONOutput.string(run))
        default:
            let output = arguments.positionals.count > 1 ? arguments.positionals[1] : "-"
            let file = try OutputFile(path: output, protecting: ProtectedFiles(inputs: [path]))
            if format == "json" {
                try file.write(try store.exportJSON())
            } else {
                let table = try store.exportTable()
                try file.write(CSVWriter.render(header: table.header, rows: table.rows.map { $0.map(CSVValue.text) }))
            }
            try file.commit()
        }
        return .ok
    }
}

extension String {
    func validated(among choices: [String], what: String) throws(CLIError) -> String {
        guard choices.contains(self) else {
            let hint = closestMatch(to: self, among: choices).map { "did you mean '\($0)'?" }
            throw CLIError.usage("unknown \(what) '\(self)' (one of \(choices.joined(separator: ", ")))", hint: hint)
        }
        return self
    }
}
