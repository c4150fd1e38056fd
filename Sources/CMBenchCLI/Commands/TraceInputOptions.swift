import Serving
import TraceFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The options every command that reads a trace accepts.
enum TraceInputOptions {
    static let specs: [OptionSpec] = [
        OptionSpec(
            "--format", .value(placeholder: "FORMAT"),
            help: "Trace format: azure, burstgpt, mooncake or cmbench (default: detected from the first line)."),
        OptionSpec(
            "--block-tokens", .value(placeholder: "N"),
            help: "Tokens per prefix-hash block in the trace (default 512, Mooncake's)."),
        OptionSpec(
            "--skip-bad-rows",
            help: "Skip malformed rows instead of stopping; counts per reason and examples go to stderr."),
        OptionSpec(
            "--max-line-bytes", .value(placeholder: "N"),
            help: "Longest line accepted, in bytes (default 1048576); longer lines are bad rows."),
    ]

    static func readerOptions(_ arguments: ParsedArguments) throws(CLIError) -> TraceReader.Options {
        var options = TraceReader.Options()
        if let format = try arguments.choice("--format", among: TraceFormat.allCases.map(\.rawValue)) {
            options.format = TraceFormat(rawValue: format)
        }
        if let blockTokens = try arguments.positiveInt("--block-tokens") {
            guard blockTokens <= ServingRequest.maxTokens else {
                throw .usage("--block-tokens \(blockTokens) exceeds cmbench's limit of \(ServingRequest.maxTokens) (2^32) tokens per block")
            }
            options.prefixBlockTokens = blockTokens
        }
        if let maxLine = try arguments.positiveInt("--max-line-bytes") { options.maxLineBytes = maxLine }
        options.skipBadRows = arguments.flag("--skip-bad-rows")
        return options
    }

    /// Refuses a trace that cannot be read more than once (standard input, a pipe, a FIFO), for
    /// commands that read it once per point: the second reader would find it empty, or wait
    /// forever for a writer.
    static func requireRereadable(_ path: String, command: String) throws(CLIError) {
        var info = stat()
        if path == "-" || (stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG) {
            throw CLIError.usage(
                "\(command) reads the trace once per point, so it must be a regular file, not \(path == "-" ? "standard input" : "a pipe or device (\(path))")",
                hint: "save the stream to a file first, e.g. cmbench convert - trace.csv.zst")
        }
    }

    /// Prints the reader's skipped and excluded counts to stderr: nothing is dropped silently.
    static func reportIngest(_ report: IngestReport, console: Console) {
        for line in report.summaryLines { console.printErr("cmbench: \(line)") }
        for entry in report.skipped {
            for example in entry.examples { console.printErr("cmbench:   e.g. \(example)") }
        }
    }
}
