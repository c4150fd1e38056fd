import Digest
import FileOutput
import Foundation
import RegressionGate
import Reporting

/// `cmbench gate`: fail a build when a change makes serving slower.
enum GateCommand: Command {
    static let spec = CommandSpec(
        name: "gate",
        summary: "Compare a run with a baseline; exit 2 on a regression beyond the thresholds.",
        usage: ["gate CURRENT --baseline BASE [--thresholds FILE] [--markdown FILE] [--github-benchmark DIR] [--store PATH]"],
        discussion: """
            CURRENT and BASE are result files (`replay --json`, `reproduce --json`, or
            {"metrics": {NAME: VALUE}}) or run ids in the results store. Metrics are named by their
            JSON path (ttft_ms.p99, output_tokens_per_s, points.R1.model). Each knows whether lower
            or higher is better (from the thresholds file, else from its name: latencies lower,
            throughputs, goodput, attainment and hit rates higher, anything else must match). A
            metric regresses when it is worse by more than max(relative % × |baseline|, absolute).
            Improvements are reported too. Missing metrics fail unless the thresholds file says
            "missing_metric": "report".

            Simulated metrics are deterministic for a trace, configuration and seed, so the default
            tolerance is tight (0.1 %): any change to the model's output shows. For noisy live
            measurements use wider thresholds (results/thresholds/live-measurements.json).

            Prints a Markdown summary (for a pull-request comment) on stdout; --github-benchmark DIR
            writes smaller-is-better.json and bigger-is-better.json for github-action-benchmark.
            Metrics without a number on a side (NaN, null) are listed as uncomparable; one with a
            number on one side only fails. Nothing compared (no metrics, none in common) is not a
            pass: exit 65. JSON inputs over 64 MiB are refused.
            When both runs record their configuration files (the provenance of replay, sweep,
            reproduce and bench outputs, and stored runs) and any differs, a warning names the files
            (stderr and the summary): the runs were produced from different configuration.
            Exit status: 0 no regression, 2 regression, 65 nothing compared or a bad input.
            """,
        arguments: [ArgumentSpec("CURRENT", "The run to judge: a JSON file or a store run id.")],
        options: [
            OptionSpec("--baseline", .value(placeholder: "BASE"), help: "The accepted run: a JSON file or a store run id (required)."),
            OptionSpec("--thresholds", .value(placeholder: "FILE"), help: "Per-metric polarity and tolerances (JSON; docs/store-and-gate.md)."),
            OptionSpec("--markdown", .value(placeholder: "FILE"), help: "Also write the Markdown summary to FILE."),
            OptionSpec("--github-benchmark", .value(placeholder: "DIR"), help: "Write github-action-benchmark files into DIR."),
            OptionSpec("--store", .value(placeholder: "PATH"), help: "Store for run ids (default results/cmbench.sqlite)."),
            OptionSpec("--title", .value(placeholder: "TEXT"), help: "Heading of the summary (default 'cmbench gate')."),
        ],
        examples: [
            ("gate current.json --baseline results/baselines/default-replay.json", "judge a replay against the accepted one"),
            ("gate 42 --baseline 40 --thresholds results/thresholds/live-measurements.json", "two stored runs, wide tolerances"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        guard let baselineName = arguments.value("--baseline") else {
            throw CLIError.usage("--baseline is required", hint: "usage: cmbench gate CURRENT --baseline BASE")
        }
        let storePath = arguments.value("--store") ?? RunStoring.defaultPath
        let currentRun = try run(arguments.positionals[0], storePath: storePath)
        let baselineRun = try run(baselineName, storePath: storePath)
        let current = currentRun.metrics
        let baseline = baselineRun.metrics
        var policy = GatePolicy.deterministic
        if let path = arguments.value("--thresholds") {
            let data = try InputFile.read(path, what: "thresholds file")
            do { policy = try GatePolicy(json: data) } catch { throw CLIError(.badData, "\(path): \(error)") }
        }
        let verdict = compare(current: current, baseline: baseline, policy: policy)
        if let reason = verdict.nothingComparedReason {
            // Nothing judged is not a pass: the inputs are not the runs the user meant to compare.
            throw CLIError(
                .badData, "gate: nothing was compared between \(arguments.positionals[0]) and \(baselineName): \(reason)",
                hint: "give two result files (replay --json, reproduce --json or {\"metrics\": {NAME: VALUE}}) or stored run ids")
        }
        if !verdict.unusedThresholds.isEmpty {
            console.printErr(
                "cmbench: warning: the thresholds name metrics in neither run (no effect; check the names): "
                    + verdict.unusedThresholds.joined(separator: ", "))
        }
        // No output may land on what the gate read: the two runs' files, the thresholds, the store.
        // Opened before anything is printed, so a refused path leaves stdout empty.
        let files = ProtectedFiles(inputs: [
            arguments.positionals[0], baselineName, arguments.value("--thresholds"), storePath,
        ])
        let markdownFile = try arguments.value("--markdown").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }
        // Said, not judged: the gate compares metrics; different configuration explains them.
        var changes: [ConfigurationChange] = []
        if let now = currentRun.configFiles, let then = baselineRun.configFiles {
            changes = ConfigurationChange.between(current: now, baseline: then)
        }
        if let warning = ConfigurationChange.warning(changes) { console.printErr("cmbench: warning: " + warning) }
        let markdown = GateReport.markdown(
            verdict, title: arguments.value("--title") ?? "cmbench gate", configurationChanges: changes)
        console.out(markdown)
        if let markdownFile {
            try markdownFile.write(markdown)
            try markdownFile.commit()
        }
        if let directory = arguments.value("--github-benchmark") {
            try OutputDirectory.create(directory, for: "--github-benchmark")
            for (tool, name) in [(GitHubActionBenchmark.Tool.customSmallerIsBetter, "smaller-is-better.json"),
                                 (.customBiggerIsBetter, "bigger-is-better.json")] {
                let entries = GitHubActionBenchmark.entries(current, policy: policy, tool: tool)
                try OutputFile.write(GitHubActionBenchmark.json(entries), to: directory + "/" + name, protecting: files)
            }
        }
        console.printErr("cmbench: gate: " + GateReport.countsSentence(verdict))
        return verdict.exitStatus == 2 ? .regression : .ok
    }

    /// A result file's metrics and configuration files (`nil` when it records none), or a stored
    /// run's when `name` is a run id and no such file exists.
    static func run(_ name: String, storePath: String) throws -> (metrics: [String: Double], configFiles: [FileDigest]?) {
        let run = try LoadedRun.load(name, storePath: storePath)
        return (run.metrics, run.configFiles)
    }
}
