import FileOutput
import TraceFormats

/// `cmbench convert`: any supported trace to cmbench's own format.
enum ConvertCommand: Command {
    static let spec = CommandSpec(
        name: "convert",
        summary: "Convert a trace to cmbench's CSV format (zstd-compressed when OUT ends in .zst).",
        usage: ["convert TRACE OUT [--format FORMAT] [--level N]"],
        discussion: """
            Writes cmbench's format (see docs/traces.md): arrival_ns, input_tokens,
            output_tokens, session_id, prefix_block_tokens, prefix_hash_ids. Arrival times are
            nanoseconds from the trace's own origin. Provenance (the source file) is written as
            leading '#' comment lines. OUT is written to a temporary file and renamed at the end, so
            a failed conversion leaves no half file. OUT may be - for stdout.
            """,
        arguments: [
            ArgumentSpec("TRACE", "The trace to read (plain or zstd), or - for stdin."),
            ArgumentSpec("OUT", "The file to write; .zst means zstd-compressed."),
        ],
        options: [OptionSpec("--level", .value(placeholder: "N"), help: "zstd level for .zst output, 1–19 (default 19).")]
            + TraceInputOptions.specs,
        examples: [
            ("convert traces/default.csv.zst default.csv", "the shipped trace as plain cmbench CSV")
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let input = arguments.positionals[0]
        let output = arguments.positionals[1]
        let level = try arguments.int("--level") ?? Int(ZstdLevel.shipping)
        guard (1...19).contains(level) else { throw CLIError.usage("--level must be between 1 and 19, got \(level)") }
        let reader = try TraceReader(path: input, options: try TraceInputOptions.readerOptions(arguments))
        let files = ProtectedFiles()
        files.protectInput(path: input)
        let writer = try TraceWriter(
            path: output, provenance: ["converted by cmbench \(CMBenchVersion.string) from \(input)"],
            compressionLevel: Int32(level), protecting: files)
        var progress = ProgressLine(console: console)
        while let request = try reader.next() {
            try writer.write(request)
            // A stop is polled every 4,096 rows (an atomic load), the progress line redrawn every 65,536.
            if request.id & 0xFFF == 0 { try Interrupt.check() }
            if request.id & 0xFFFF == 0 { progress.update("convert: \(request.id) requests") }
        }
        try writer.finish()
        progress.finish()
        TraceInputOptions.reportIngest(reader.report, console: console)
        console.printErr(
            "cmbench: wrote \(writer.requestsWritten) requests from \(input) (\(reader.detectedFormat.rawValue)) to \(output)")
        return .ok
    }
}

enum ZstdLevel {
    /// Shipped files are written once and read often; level 19 also decompresses fastest here.
    static let shipping: Int32 = 19
}
