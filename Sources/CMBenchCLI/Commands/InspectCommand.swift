import TraceFormats

/// `cmbench inspect`: what is in a trace, before replaying it.
enum InspectCommand: Command {
    static let spec = CommandSpec(
        name: "inspect",
        summary: "Summarise a trace: requests, span, rates, length percentiles, prefix reuse.",
        usage: ["inspect TRACE [--json] [--format FORMAT] [--skip-bad-rows]"],
        discussion: """
            Reads the whole trace once, streaming, and prints: requests, time span, mean and peak
            arrival rate (per second and per minute), input and output length percentiles
            (p50/p90/p99/max, exact), ties (requests arriving at the same instant as the previous one)
            and, for traces with prefix hashes, the share of prefix blocks an infinite cache could
            reuse (a request's leading blocks whose hashes all appeared in earlier requests).
            """,
        arguments: [ArgumentSpec("TRACE", "A trace file (plain or zstd, detected by content), or - for stdin.")],
        options: [OptionSpec("--json", help: "Print the summary as JSON (keys: requests, span_s, input_tokens, …).")]
            + TraceInputOptions.specs,
        examples: [
            ("inspect traces/default.csv.zst", "lengths, rates and prefix reuse of the shipped trace"),
            ("inspect traces/default.csv.zst --json | jq .prefix_reuse_ratio", "one number, for a script"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let path = arguments.positionals[0]
        let reader = try TraceReader(path: path, options: try TraceInputOptions.readerOptions(arguments))
        var statistics = TraceStatistics()
        var progress = ProgressLine(console: console)
        while let request = try reader.next() {
            statistics.add(request)
            // A stop is polled every 4,096 rows (an atomic load), the progress line redrawn every 65,536.
            if request.id & 0xFFF == 0 { try Interrupt.check() }
            if request.id & 0xFFFF == 0 { progress.update("inspect: \(request.id) requests read") }
        }
        progress.finish()
        TraceInputOptions.reportIngest(reader.report, console: console)
        let summary = statistics.summary
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(summary))
        } else {
            console.out(render(summary, file: path, format: reader.detectedFormat))
        }
        return .ok
    }

    static func render(_ summary: TraceSummary, file: String, format: TraceFormat) -> String {
        func number(_ value: Double?, digits: Int = 2) -> String {
            guard let value else { return "n/a" }
            return formatFixed(value, digits: digits)
        }
        var lines = [
            "trace            \(file) (\(format.rawValue))",
            "requests         \(summary.requests)",
            "span             \(formatFixed(summary.spanSeconds, digits: 1)) s",
            "mean rate        \(number(summary.meanRatePerSecond)) req/s",
            "peak rate        \(summary.peakRatePerSecond) req/s, \(summary.peakRatePerMinute) req/min",
            "ties             \(summary.ties)",
            "",
            "tokens           p50      p90      p99      max      mean",
        ]
        for (label, lengths) in [("input", summary.inputTokens), ("output", summary.outputTokens)] {
            guard let lengths else { continue }
            let cells = [lengths.p50, lengths.p90, lengths.p99, lengths.max].map { String($0).padding(to: 8) }
            lines.append(label.padding(to: 17) + cells.joined(separator: " ") + " " + formatFixed(lengths.mean, digits: 1))
        }
        lines.append("")
        if let reuse = summary.prefixReuseRatio {
            lines.append("prefix blocks    \(summary.prefixBlocks) (\(summary.distinctPrefixBlocks) distinct)")
            lines.append("prefix reuse     \(formatFixed(reuse, digits: 3)) of blocks reusable with an infinite cache")
        } else {
            lines.append("prefix reuse     n/a (the trace has no prefix hashes)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A number with a fixed count of decimals, without Foundation's locale-dependent formatting.
/// Values too large for fixed notation in 64 bits (above about 9.2e18 / 10^digits) are written
/// as Swift writes a `Double` (`1.5e+20`) rather than trapping.
func formatFixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 9_223_372_036_854_775_808.0 else { return "\(value)" }
    let sign = value < 0 && rounded > 0 ? "-" : ""
    let integer = rounded / scale
    let whole = Int64(integer.rounded(.towardZero))
    guard digits > 0 else { return sign + String(whole) }
    let fraction = Int64(rounded) - whole * Int64(scale)
    let fractionText = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}
