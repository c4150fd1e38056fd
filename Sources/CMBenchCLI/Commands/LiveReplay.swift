import FileOutput
import Foundation
import LiveEndpoint
import Replay
import Reporting
import Serving
import ServingMetrics
import TraceFormats

/// `cmbench replay TRACE --backend openai …`: the trace against a live OpenAI-compatible
/// server, with the same options, metrics and outputs as a simulated replay (docs/live.md).
enum LiveReplay {
    /// The options the `openai` backend reads, for `replay --help`.
    static let helpText = """
        --backend openai replays against a live OpenAI-compatible server (docs/live.md), on the wall
        clock: --backend-option url=http://HOST:PORT/v1 (http or https only) and model=NAME are
        required; endpoint=completions|chat (default completions), timeout=60s per request,
        deadline=T for the whole run, drain=T to wait for in-flight streams after the last send
        (default: until each ends or times out; 2 s after Ctrl-C), api_key_env=VAR (the key is
        read from that variable and never printed or stored), tokenizer=auto|server|calibrate
        (how prompts are sized to the trace's input tokens), max_connections=N (default 1024),
        min_tokens=on|off (default off), client=curl|urlsession (the HTTP client; default curl),
        ca_file=PEM (certificate authorities to trust for https instead of the system's; curl
        only). Queueing is not observable and is left out; ITL is one
        sample per streamed chunk, as vllm bench serve records it.
        """

    static func run(
        _ arguments: ParsedArguments, configuration: BackendConfiguration, seed: UInt64, console: Console
    ) throws -> ExitStatus {
        let path = arguments.positionals[0]
        let options = try ReplayCommand.replayOptions(arguments, seed: seed)
        let objectives: ServiceLevelObjectives
        do { objectives = try ServiceLevelObjectives(parsing: arguments.value("--slo") ?? "") } catch {
            throw CLIError.usage("--slo: \(error)", hint: "write e.g. --slo ttft=2000ms,tpot=50ms")
        }
        if let store = arguments.value("--store") { try RunStoring.validate(store) }
        var parameters = BackendParameters(configuration)
        let settings = try LiveEndpointSettings(reading: &parameters)
        try parameters.checkAllRead()
        var apiKey: String?
        if let name = settings.apiKeyEnvironmentVariable {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw CLIError.usage(
                    "--backend-option api_key_env=\(name): the environment variable \(name) is not set or empty",
                    hint: "export \(name)=... before running, or leave api_key_env out for a server without a key")
            }
            apiKey = value
        }
        var readerOptions = try TraceInputOptions.readerOptions(arguments)
        readerOptions.computesDigest = true
        let reader = try TraceReader(path: path, options: readerOptions)
        let files = ProtectedFiles(inputs: [path, arguments.value("--backend-config")])
        if let store = arguments.value("--store") { try files.claimOutput(path: store) }
        let requestsCSV = try arguments.value("--requests-csv").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }
        let summaryCSV = try arguments.value("--summary-csv").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: files)
        }

        let descriptor = BackendDescriptor(name: LiveEndpointSettings.backendName, configuration: settings.described)
        let recorder = LiveRecorder(
            metrics: MetricsAccumulator(objectives: objectives, backend: descriptor),
            csv: requestsCSV.map { RequestsCSVRecorder(file: $0) })
        let replayer = LiveReplayer(settings: settings, apiKey: apiKey, options: options)
        var progress = ProgressLine(console: console, enabled: !arguments.flag("--no-progress"))
        var source = reader
        let result: (live: LiveReport, replay: ReplayReport, recorder: LiveRecorder)
        do {
            result = try replayer.run(
                source: &source, recorder: recorder,
                shouldStop: { Interrupt.isRequested || requestsCSV?.hasFailed == true },
                progress: { sent, finished in progress.update("replay: \(finished) of \(sent) requests finished") })
        } catch let error as LiveReplayer.TokenizerUnavailable {
            throw CLIError.usage(error.description)
        }
        progress.finish()
        if let failure = result.recorder.csv?.failure { throw failure }
        guard result.replay.requestsAdmitted > 0 || Interrupt.isRequested else {
            throw CLIError(
                .badData, "\(reader.name): the selected window holds no requests",
                hint: "check --start and --duration against the trace's span ('cmbench inspect TRACE')")
        }
        // After a stop the rest of the trace is not read (the process must end within the
        // watchdog's grace): the checksum is then left out.
        let stopAt = MonotonicClock.now() + 0.5
        let digest = try reader.contentDigest(shouldStop: { Interrupt.isRequested && MonotonicClock.now() > stopAt })
        TraceInputOptions.reportIngest(reader.report, console: console)

        var provenanceSettings: [String: String] = ["backend": configuration.backend]
        for entry in settings.described { provenanceSettings["backend." + entry.key] = entry.value }
        for (key, value) in ReplayCommand.describe(options, objectives: objectives) { provenanceSettings[key] = value }
        provenanceSettings["clock"] = "wall (monotonic)"
        let provenance = Provenance(
            command: "replay", trace: path, traceSHA256: digest, configFiles: [], configuration: provenanceSettings, seed: seed)
        let document = ReplayDocument(
            summary: result.recorder.metrics.summary(), replay: result.replay, backend: descriptor, provenance: provenance,
            live: result.live)
        try ReplayCommand.emit(
            document, backend: configuration.backend, requestsCSV: requestsCSV, summaryCSV: summaryCSV, files: files,
            arguments: arguments, console: console)
        console.printErr(
            "cmbench: sent \(result.replay.requestsAdmitted) requests to \(settings.url.absoluteString) in "
                + "\(formatFixed(result.live.wallSeconds, digits: 3)) s wall")
        try Interrupt.check(consequence: "stopped sending; reported the \(result.replay.requestsCompleted) requests that completed")
        return .ok
    }
}

/// The live run's recorder: metrics, and the per-request CSV when asked for. Records arrive
/// from the HTTP client's queue, one at a time under the replayer's lock.
struct LiveRecorder: OutcomeRecorder, @unchecked Sendable {
    var metrics: MetricsAccumulator
    var csv: RequestsCSVRecorder?

    mutating func record(_ outcome: RequestOutcome) {
        metrics.record(outcome)
        csv?.record(outcome)
    }

    mutating func record(_ gaps: InterTokenGaps) { metrics.record(gaps) }
}
