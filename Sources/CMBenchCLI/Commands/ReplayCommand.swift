import DiscreteEvent
import FileOutput
import Replay
import Reporting
import ServingMetrics
import Serving
import TraceFormats

/// `cmbench replay`: a trace through a serving backend, and what its users would see.
enum ReplayCommand: Command {
    static let spec = CommandSpec(
        name: "replay",
        summary: "Replay a trace through a serving backend; report TTFT, TPOT, throughput, goodput.",
        usage: [
            "replay TRACE [--backend NAME] [--backend-option KEY=VALUE]... [--slo SPEC] [--json]",
            "               [--speed X | --rate R [--arrival poisson|gamma --cv C] | --concurrency N | --offline]",
            "               [--max-requests N] [--start T] [--duration T] [--seed S] [--requests-csv FILE] [--summary-csv FILE]",
        ],
        discussion: """
            Requests reach the backend at their recorded times (default), time-scaled (--speed),
            re-timed at a rate with their lengths kept (--rate), or in a closed loop that keeps N
            requests in flight (--concurrency: how fixed-batch experiments are run), or all at time
            zero (--offline: the whole workload queued at once, as offline throughput harnesses run;
            `trtllm-bench throughput --concurrency N` is --concurrency N with --max-requests). The
            trace is streamed: arrivals are read as the simulated clock reaches them.

            Metrics (docs/metrics.md): TTFT = arrival → first token; TPOT = (finish − first token)
            / (output tokens − 1); ITL = gaps between tokens; E2E = arrival → finish; queueing =
            arrival → service start. Goodput = requests per second meeting every SLO.
            --slo takes e.g. ttft=2000ms,tpot=50ms (also e2e=, itl=; units ns, us, ms, s).

            The same trace, options and seed give byte-identical output. The simulation's own speed
            is printed on stderr.

            \(LiveReplay.helpText)
            """,
        arguments: [ArgumentSpec("TRACE", "A trace file (plain or zstd), or - for stdin.")],
        options: BackendOptions.specs + [
            OptionSpec("--speed", .value(placeholder: "X"), help: "Replay X times faster than recorded."),
            OptionSpec("--rate", .value(placeholder: "R"), help: "Re-time arrivals at R requests/s (lengths kept)."),
        ] + ArrivalOptions.specs + [
            OptionSpec("--concurrency", .value(placeholder: "N"), help: "Closed loop: keep N requests in flight."),
            OptionSpec("--offline", help: "Every request arrives at time zero (offline throughput: output tokens / makespan)."),
            OptionSpec("--max-requests", .value(placeholder: "N"), help: "Stop after N requests."),
            OptionSpec("--start", .value(placeholder: "T"), help: "Skip requests recorded before T (e.g. 10m)."),
            OptionSpec("--duration", .value(placeholder: "T"), help: "Replay only requests recorded in [start, start+T)."),
            OptionSpec("--slo", .value(placeholder: "SPEC"), help: "Service-level objectives, e.g. ttft=2000ms,tpot=50ms."),
            OptionSpec("--seed", .value(placeholder: "S"), help: "Random seed for arrivals and the backend (default 1)."),
            OptionSpec("--json", help: "Print the results as JSON (same numbers, with provenance)."),
            OptionSpec("--requests-csv", .value(placeholder: "FILE"), help: "Write one CSV row per request to FILE."),
            OptionSpec(
                "--summary-csv", .value(placeholder: "FILE"),
                help: "Write the run's metrics as one CSV row to FILE (columns named as in --json, e.g. ttft_ms.p99; provenance in FILE.meta.json)."),
            RunStoring.option,
            OptionSpec("--no-progress", help: "Never draw the progress line."),
        ] + TraceInputOptions.specs,
        examples: [
            ("replay traces/default.csv.zst", "the shipped trace through the default backend"),
            (
                "replay traces/default.csv.zst --backend fixed --backend-option ttft=200ms --backend-option tpot=30ms --slo ttft=2000ms,tpot=50ms",
                "the shipped trace through a constant-latency backend, with SLOs"
            ),
            ("replay trace.zst --concurrency 96 --max-requests 2000 --json", "a closed-loop, fixed-batch experiment"),
            (
                "replay trace.zst --backend openai --backend-option url=http://127.0.0.1:8000/v1 --backend-option model=smol --speed 4 --max-requests 100",
                "the first 100 requests, 4x faster, against a live server"
            ),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let path = arguments.positionals[0]
        let seed = try arguments.uint64("--seed") ?? 1
        let options = try replayOptions(arguments, seed: seed)
        let objectives: ServiceLevelObjectives
        do { objectives = try ServiceLevelObjectives(parsing: arguments.value("--slo") ?? "") } catch {
            throw CLIError.usage("--slo: \(error)", hint: "write e.g. --slo ttft=2000ms,tpot=50ms")
        }
        // Refused before the replay, like an unwritable output file below.
        if let store = arguments.value("--store") { try RunStoring.validate(store) }
        let configuration = try BackendOptions.configuration(arguments, seed: seed)
        if configuration.backend == BackendOptions.liveBackend {
            return try LiveReplay.run(arguments, configuration: configuration, seed: seed, console: console)
        }
        let backend = try BackendOptions.makeBackend(configuration, arguments)
        var readerOptions = try TraceInputOptions.readerOptions(arguments)
        readerOptions.computesDigest = true
        // The simulation is the slowest stage: it only takes rows, parsed on another thread.
        readerOptions.parsesInBackground = true
        let reader = try TraceReader(path: path, options: readerOptions)
        // No output may land on what this command reads.
        let files = ProtectedFiles(inputs: [path, arguments.value("--backend-config")] + backend.files.map(\.path))
        // The store is written too: claimed first, so that no other output can land on it.
        if let store = arguments.value("--store") { try files.claimOutput(path: store) }
        // Opened now, so that an unwritable or refused path fails before the replay rather than after it.
        let requestsCSV = try arguments.value("--requests-csv").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }
        let summaryCSV = try arguments.value("--summary-csv").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }

        let run = ReplayRun(
            options: options, objectives: objectives, console: console,
            showProgress: !arguments.flag("--no-progress"), requestsCSV: requestsCSV)
        let result = try backend.replay(run, reader)
        // The checksum of every byte of the input, read once (the rest is read now if the replay
        // stopped early), whatever the input is: a file, a FIFO, a pipe, stdin.
        let digest = try reader.contentDigest(shouldStop: { Interrupt.isRequested })
        try Interrupt.check()
        TraceInputOptions.reportIngest(reader.report, console: console)

        var settings: [String: String] = ["backend": configuration.backend]
        for parameter in configuration.parameters { settings["backend." + parameter.key] = parameter.value }
        for (key, value) in describe(options, objectives: objectives) { settings[key] = value }
        let provenance = Provenance(
            command: "replay", trace: path, traceSHA256: digest, configFiles: backend.files,
            configuration: settings, seed: seed)
        let document = ReplayDocument(
            summary: result.summary, replay: result.report, backend: result.descriptor, backendCounters: result.counters,
            provenance: provenance)
        try emit(
            document, backend: configuration.backend, requestsCSV: requestsCSV, summaryCSV: summaryCSV, files: files,
            arguments: arguments, console: console)
        let speed = result.wallSeconds > 0 ? Double(result.report.eventsProcessed) / result.wallSeconds : 0
        console.printErr(
            "cmbench: simulated \(result.report.requestsAdmitted) requests (\(result.report.eventsProcessed) events) in "
                + "\(formatFixed(result.wallSeconds, digits: 3)) s wall: "
                + "\(formatRate(Double(result.report.requestsAdmitted) / max(result.wallSeconds, 1e-9))) requests/s, "
                + "\(formatRate(speed)) events/s")
        return .ok
    }

    /// Writes a finished run's outputs: the per-request CSV's companion and the CSV itself, the
    /// summary CSV, the stored run, and the report (or JSON) on stdout. Shared with the live
    /// `openai` backend, so both write the same files the same way.
    static func emit(
        _ document: ReplayDocument, backend: String, requestsCSV: OutputFile?, summaryCSV: OutputFile?, files: ProtectedFiles,
        arguments: ParsedArguments, console: Console
    ) throws {
        let provenance = document.provenance
        if let requestsCSV {
            // The companion first, so a reader who finds the CSV always finds its provenance.
            if requestsCSV.isRegularFile {
                try CSVWriter.writeCompanion(provenance: provenance, for: requestsCSV.path, protecting: files)
            }
            try requestsCSV.commit()
        }
        if let summaryCSV {
            // The same metric names as the store and the gate, one column each, sorted.
            let metrics = try MetricsFlattening.metrics(of: document)
            let names = metrics.keys.sorted()
            let csv = try CSVWriter(output: summaryCSV, header: names, provenance: provenance)
            try csv.append(names.map { .number(metrics[$0]!) })
            try csv.finish()
        }
        if let store = arguments.value("--store") {
            let id = try RunStoring.save(document: document, provenance: provenance, backend: backend, to: store)
            console.printErr("cmbench: recorded run \(id) in \(store)")
        }
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(document))
        } else {
            console.out(ReplayReportText.render(document))
        }
    }

    static func replayOptions(_ arguments: ParsedArguments, seed: UInt64) throws(CLIError) -> ReplayOptions {
        var options = ReplayOptions(seed: seed)
        let modes = ["--speed", "--rate", "--concurrency", "--offline"].filter { arguments.has($0) }
        if modes.count > 1 { throw CLIError.usage("choose one of \(modes.joined(separator: ", ")), not several") }
        if let speed = try arguments.positiveDouble("--speed") { options.timing = .speed(speed) }
        if let rate = try arguments.positiveDouble("--rate") {
            options.timing = .rate(try ArrivalOptions.process(rate: rate, arguments))
        } else if arguments.has("--arrival") || arguments.has("--cv") {
            throw CLIError.usage("--arrival and --cv apply with --rate")
        }
        if let concurrency = try arguments.positiveInt("--concurrency") { options.timing = .closedLoop(concurrency: concurrency) }
        if arguments.has("--offline") { options.timing = .offline }
        if let limit = try arguments.positiveInt("--max-requests") { options.maxRequests = limit }
        if let start = try arguments.duration("--start") { options.windowStart = SimTime.zero + start }
        if let duration = try arguments.duration("--duration") { options.windowDuration = duration }
        if let duration = options.windowDuration, options.windowStart + duration > .limit {
            throw CLIError.usage("--start plus --duration exceeds \(TimeLimitText.limit)")
        }
        do { try options.validate() } catch { throw CLIError.usage(error.description) }
        return options
    }

    static func describe(_ options: ReplayOptions, objectives: ServiceLevelObjectives) -> [String: String] {
        var settings: [String: String] = [:]
        switch options.timing {
        case .recorded: settings["timing"] = "recorded"
        case .speed(let factor): settings["timing"] = "speed \(factor)"
        case .rate(.poisson(let rate)): settings["timing"] = "rate \(rate)/s poisson"
        case .rate(.gamma(let rate, let cv)): settings["timing"] = "rate \(rate)/s gamma cv=\(cv)"
        case .closedLoop(let concurrency): settings["timing"] = "closed loop, concurrency \(concurrency)"
        case .offline: settings["timing"] = "offline (every request at time zero)"
        }
        if let limit = options.maxRequests { settings["max_requests"] = String(limit) }
        if options.windowStart != .zero { settings["window_start_s"] = "\(options.windowStart.seconds)" }
        if let duration = options.windowDuration { settings["window_duration_s"] = "\(duration.seconds)" }
        if !objectives.isEmpty {
            settings["slo"] = objectives.objectives.map { "\($0.metric.rawValue)=\($0.limit.milliseconds)ms" }
                .joined(separator: ",")
        }
        return settings
    }
}

/// One replay, generic over the backend so the event loop is specialised for it.
struct ReplayRun {
    var options: ReplayOptions
    var objectives: ServiceLevelObjectives
    var console: Console
    var showProgress: Bool
    var requestsCSV: OutputFile?

    struct Result {
        var summary: RunSummary
        var report: ReplayReport
        var descriptor: BackendDescriptor
        /// The backend's own counters (`ServingBackend.runCounters`).
        var counters: [BackendCounter]
        var wallSeconds: Double
    }

    func execute<Backend: ServingBackend>(backend: Backend, source: TraceReader) throws -> Result {
        // Metrics are recorded on a second thread, overlapping the simulation (same records,
        // same order, so the same summary). Without a per-request CSV the background recorder
        // works alone: paired with a writer that has nothing to write, each outcome was still
        // copied out for it on the replay's thread.
        let metrics = BackgroundRecorder(MetricsAccumulator(objectives: objectives, backend: backend.descriptor))
        guard let requestsCSV else {
            var recorder = metrics
            return try execute(backend: backend, source: source, recorder: &recorder, failure: { _ in nil }) {
                $0.finish().summary()
            }
        }
        var recorder = RecorderPair(metrics, RequestsCSVRecorder(file: requestsCSV))
        return try execute(backend: backend, source: source, recorder: &recorder, failure: { $0.second.failure }) {
            $0.first.finish().summary()
        }
    }

    /// The replay into `recorder`; `failure` is the recording's, if it failed, and `summary`
    /// finishes the recording.
    private func execute<Backend: ServingBackend, Recorder: OutcomeRecorder>(
        backend: Backend, source: TraceReader, recorder: inout Recorder, failure: (Recorder) -> Error?,
        summary: (inout Recorder) -> RunSummary
    ) throws -> Result {
        var source = source
        var replayer = Replayer(backend: backend, options: options)
        var progress = ProgressLine(console: console, enabled: showProgress)
        let started = MonotonicClock.now()
        let report = try replayer.run(source: &source, recorder: &recorder) { state in
            progress.update(
                "replay: \(state.requestsFinished) of \(state.requestsAdmitted) requests finished, "
                    + "simulated \(formatFixed(state.simulatedTime.seconds, digits: 1)) s")
            // Stop on Ctrl-C, and once the per-request CSV cannot be written (`| head` closed it).
            return Interrupt.isRequested || requestsCSV?.hasFailed == true ? .stop : .continue
        }
        let wall = MonotonicClock.now() - started
        progress.finish()
        try Interrupt.check()
        if let overrun = report.overrun { throw TimeLimitText.error(overrun, timing: options.timing) }
        if let failure = failure(recorder) { throw failure }
        guard report.requestsAdmitted > 0 else {
            // A replay of nothing is not a run: no report, nothing stored.
            throw CLIError(
                .badData,
                "\(source.name): the selected window holds no requests (\(report.requestsSkippedBeforeWindow) were recorded before its start)",
                hint: "check --start and --duration against the trace's span ('cmbench inspect TRACE')")
        }
        return Result(
            summary: summary(&recorder), report: report, descriptor: replayer.backend.descriptor, counters: replayer.backend.runCounters,
            wallSeconds: wall)
    }
}

/// Writes one CSV row per request as outcomes arrive (streaming; memory does not grow).
struct RequestsCSVRecorder: OutcomeRecorder {
    let file: OutputFile?
    private(set) var failure: ReportingError?

    init(file: OutputFile?) {
        self.file = file
        if let file {
            do { try file.write(RequestRow.csvLine(RequestRow.header) + "\n") } catch { failure = error }
        }
    }

    mutating func record(_ outcome: RequestOutcome) {
        guard let file, failure == nil else { return }
        do { try file.write(RequestRow(outcome).csvLine + "\n") } catch { failure = error }
    }

    mutating func record(_ gaps: InterTokenGaps) {}
}

/// `1.2 M`, `340 k`, `12.5`: rates for human eyes.
func formatRate(_ value: Double) -> String {
    if value >= 1e6 { return formatFixed(value / 1e6, digits: 2) + " M" }
    if value >= 1e4 { return formatFixed(value / 1e3, digits: 1) + " k" }
    return formatFixed(value, digits: 1)
}
