import DiscreteEvent
import TraceFormats

/// `cmbench synth`: a seeded synthetic trace in cmbench's format.
enum SynthCommand: Command {
    static let spec = CommandSpec(
        name: "synth",
        summary: "Write a synthetic trace (seeded, deterministic) in cmbench's format.",
        usage: [
            "synth OUT [--requests N] [--rate R] [--arrival poisson|gamma --cv C] [--input DIST] [--output DIST]",
            "              [--shared-prefix SPEC] [--sessions N] [--seed S]",
        ],
        discussion: """
            DIST is one of:
              fixed:N                         always N tokens
              uniform:LO:HI                   uniform integers in LO...HI
              lognormal:median=M,sigma=S[,max=X]  log-normal, clamped to 1...X (default 131072)
            SPEC (--shared-prefix) gives requests prefix-hash blocks, as Mooncake traces have:
              groups=G,blocks=K[,skew=Z][,block=T]  G system prompts of K blocks of T tokens (512);
                                                    group chosen with Zipf skew Z (default 1)
            The same options and seed always give the same bytes.
            """,
        arguments: [ArgumentSpec("OUT", "The file to write (.zst: zstd-compressed), or - for stdout.")],
        options: [
            OptionSpec("--requests", .value(placeholder: "N"), help: "Number of requests (default 1000)."),
            OptionSpec("--rate", .value(placeholder: "R"), help: "Mean arrival rate, requests per second (default 1)."),
        ] + ArrivalOptions.specs + [
            OptionSpec("--input", .value(placeholder: "DIST"), help: "Input (prompt) lengths (default lognormal:median=1000,sigma=1)."),
            OptionSpec("--output", .value(placeholder: "DIST"), help: "Output lengths (default lognormal:median=250,sigma=1)."),
            OptionSpec("--shared-prefix", .value(placeholder: "SPEC"), help: "Shared-prefix structure with hash ids (default none)."),
            OptionSpec("--sessions", .value(placeholder: "N"), help: "Spread requests over N session ids (default none)."),
            OptionSpec("--seed", .value(placeholder: "S"), help: "Random seed (default 1)."),
            OptionSpec("--level", .value(placeholder: "N"), help: "zstd level for .zst output (default 19)."),
        ],
        examples: [
            (
                "synth traces/default.csv.zst --requests 10000 --rate 20 --arrival gamma --cv 2 --input lognormal:median=2048,sigma=0.9,max=65536 --output lognormal:median=256,sigma=0.8,max=4096 --shared-prefix groups=32,blocks=4,skew=1 --sessions 2000 --seed 7",
                "the trace cmbench ships (traces/README.md)"
            ),
            ("synth - --requests 5 --input fixed:4096 --output fixed:256", "five fixed-length requests on stdout"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let output = arguments.positionals[0]
        let count = try arguments.int("--requests") ?? 1000
        guard count >= 0 else { throw CLIError.usage("--requests must not be negative, got \(count)") }
        let rate = try arguments.positiveDouble("--rate") ?? 1
        let configuration = SyntheticWorkload.Configuration(
            count: count,
            arrival: try ArrivalOptions.process(rate: rate, arguments),
            input: try distribution(arguments, "--input", default: "lognormal:median=1000,sigma=1"),
            output: try distribution(arguments, "--output", default: "lognormal:median=250,sigma=1"),
            sharedPrefix: try arguments.value("--shared-prefix").map { text throws(CLIError) in
                do { return try SharedPrefixSpec(spec: text) } catch { throw CLIError.usage("--shared-prefix: \(error)") }
            },
            sessions: try arguments.positiveInt("--sessions"),
            seed: try arguments.uint64("--seed") ?? 1)
        let level = try arguments.int("--level") ?? Int(ZstdLevel.shipping)
        guard (1...19).contains(level) else { throw CLIError.usage("--level must be between 1 and 19, got \(level)") }

        var workload = SyntheticWorkload(configuration)
        let writer = try TraceWriter(
            path: output, provenance: provenanceLines(configuration), compressionLevel: Int32(level))
        var progress = ProgressLine(console: console)
        while let request = workload.next() {
            guard request.arrival <= .limit else {
                throw CLIError.usage(
                    "--rate \(rate): request \(request.id + 1) of \(count) would arrive "
                        + "\(TimeLimitText.years(request.arrival)) after the first, beyond \(TimeLimitText.limit)",
                    hint: "raise --rate or lower --requests")
            }
            try writer.write(request)
            // A stop is polled every 4,096 rows (an atomic load), the progress line redrawn every 65,536.
            if request.id & 0xFFF == 0 { try Interrupt.check() }
            if request.id & 0xFFFF == 0 { progress.update("synth: \(request.id) of \(count) requests") }
        }
        try writer.finish()
        progress.finish()
        console.printErr("cmbench: wrote \(writer.requestsWritten) synthetic requests to \(output)")
        return .ok
    }

    static func distribution(_ arguments: ParsedArguments, _ option: String, default spec: String) throws(CLIError)
        -> LengthDistribution
    {
        let text = arguments.value(option) ?? spec
        do { return try LengthDistribution(spec: text) } catch { throw CLIError.usage("\(option): \(error)") }
    }

    /// The exact configuration, as comment lines, so the file says how to make it again.
    static func provenanceLines(_ configuration: SyntheticWorkload.Configuration) -> [String] {
        var arrival: String
        switch configuration.arrival {
        case .poisson(let rate): arrival = "poisson rate=\(rate)/s"
        case .gamma(let rate, let cv): arrival = "gamma rate=\(rate)/s cv=\(cv)"
        }
        return [
            "synthetic trace by cmbench \(CMBenchVersion.string)",
            "requests=\(configuration.count) arrival=\(arrival) seed=\(configuration.seed)",
            "input=\(configuration.input) output=\(configuration.output)"
                + " shared_prefix=\(configuration.sharedPrefix.map { "\($0)" } ?? "none")"
                + " sessions=\(configuration.sessions.map(String.init) ?? "none")",
        ]
    }
}
