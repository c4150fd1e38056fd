import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

@Suite struct ArgumentParserTests {
    static let spec = CommandSpec(
        name: "demo", summary: "a test command", usage: ["demo TRACE [--rate R]"],
        arguments: [ArgumentSpec("TRACE", "input"), ArgumentSpec("OUT", "output", optional: true)],
        options: [
            OptionSpec("--rate", .value(placeholder: "R"), help: "rate"),
            OptionSpec("--json", help: "json"),
            OptionSpec("--slo", .repeatable(placeholder: "S"), help: "slo"),
            OptionSpec("--concurrency", short: "c", .value(placeholder: "N"), help: "n"),
        ])

    @Test func acceptsBothValueSpellingsAndShortAliases() throws {
        let parsed = try ArgumentParser.parse(["t.csv", "--rate=2.5", "-c", "8", "--json"], for: Self.spec)
        #expect(parsed.positionals == ["t.csv"])
        #expect(try parsed.double("--rate") == 2.5)
        #expect(try parsed.int("--concurrency") == 8)
        #expect(parsed.flag("--json"))
    }

    @Test func repeatedOptionsKeepEveryValueInOrder() throws {
        let parsed = try ArgumentParser.parse(["t", "--slo", "a", "--slo", "b"], for: Self.spec)
        #expect(parsed.allValues("--slo") == ["a", "b"])
    }

    @Test func dashIsStandardInputAndDoubleDashEndsOptions() throws {
        let parsed = try ArgumentParser.parse(["-", "--", "--json"], for: Self.spec)
        #expect(parsed.positionals == ["-", "--json"])
        #expect(!parsed.flag("--json"))
    }

    @Test func unknownOptionSuggestsTheClosest() {
        #expect {
            try ArgumentParser.parse(["t", "--rat", "1"], for: Self.spec)
        } throws: { error in
            let error = error as? CLIError
            return error?.status == .usage && error?.message.contains("--rat") == true && error?.hint == "did you mean '--rate'?"
        }
    }

    @Test func helpWinsAnywhere() throws {
        let parsed = try ArgumentParser.parse(["--bogus", "x", "--help"], for: Self.spec)
        #expect(parsed.helpRequested)
    }

    @Test func aValueOptionTakesTheNextArgumentWhateverItLooksLike() throws {
        for value in ["--help", "-h", "-5", "-", "--json", "--"] {
            let parsed = try ArgumentParser.parse(["t", "--rate", value], for: Self.spec)
            #expect(!parsed.helpRequested, "\(value)")
            #expect(parsed.value("--rate") == value)
            #expect(parsed.positionals == ["t"])
        }
        // The same through a real command: --requests-csv names a file called --help.
        let replay = try ArgumentParser.parse(["t.csv", "--requests-csv", "--help"], for: ReplayCommand.spec)
        #expect(!replay.helpRequested)
        #expect(replay.value("--requests-csv") == "--help")
    }

    @Test func helpOnlyCountsInOptionPosition() throws {
        #expect(try ArgumentParser.parse(["t", "--rate", "1", "-h"], for: Self.spec).helpRequested)
        #expect(try ArgumentParser.parse(["t", "--rate", "1", "--rate", "2", "--help"], for: Self.spec).helpRequested)
        let afterDoubleDash = try ArgumentParser.parse(["t", "--", "--help"], for: Self.spec)
        #expect(!afterDoubleDash.helpRequested)
        #expect(afterDoubleDash.positionals == ["t", "--help"])
    }

    @Test(arguments: [["t", "--rate", "1", "--rate", "2"], ["t", "--rate=1", "--rate", "1"], ["t", "-c", "1", "--concurrency", "2"]])
    func aScalarOptionGivenTwiceIsAUsageError(arguments: [String]) {
        let name = arguments.contains("--rate") ? "--rate" : "--concurrency"
        #expect {
            try ArgumentParser.parse(arguments, for: Self.spec)
        } throws: { error in
            let error = error as? CLIError
            return error?.status == .usage && error?.message.hasPrefix("\(name) given twice") == true
        }
    }

    @Test func repeatedScalarOptionsAreRefusedByTheCommands() {
        let result = cmbench("replay", "traces/default.csv.zst", "--seed", "1", "--seed", "2")
        #expect(result.status == .usage)
        #expect(result.stderr.contains("--seed given twice ('1' and '2')"))
        #expect(result.stdout.isEmpty)
    }

    /// Options whose help says "repeatable" (`--backend-option`, and plan's `--search` and
    /// `--price`) collect several values; every other option that takes a value is refused when
    /// given twice.
    @Test(arguments: CommandLineTool.commands.map { $0.spec.name })
    func repeatableOptionsAreTheDocumentedOnes(command: String) throws {
        let spec = try #require(CommandLineTool.command(named: command)).spec
        for option in spec.options {
            var isRepeatable = false
            if case .repeatable = option.kind { isRepeatable = true }
            #expect(isRepeatable == option.help.contains("repeatable"), "\(command) \(option.long)")
            #expect(!isRepeatable || ["--backend-option", "--search", "--price"].contains(option.long), "\(command) \(option.long)")
        }
    }

    /// An output folder that names a file was an NSError no classification matched: exit 1,
    /// "internal error". It is the user's mistake (64); a folder that cannot be made is I/O (74).
    @Test func anOutputFolderThatIsAFileIsAUsageError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let file = directory.path("file")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let plot = cmbench("reproduce", "--plot", file)
        #expect(plot.status == .usage)
        #expect(plot.stderr.contains("--plot \(file): not a directory"))
        let current = directory.path("current.json")
        try #"{"metrics": {"ttft_ms.p99": 120.5}}"#.write(toFile: current, atomically: true, encoding: .utf8)
        let gate = cmbench("gate", current, "--baseline", current, "--github-benchmark", file)
        #expect(gate.status == .usage)
        #expect(gate.stderr.contains("--github-benchmark \(file): not a directory"))
        let inside = cmbench("reproduce", "--plot", file + "/plots")
        #expect(inside.status == .ioError)
        #expect(inside.stderr.contains("--plot \(file)/plots: cannot create the folder"))
    }

    /// Values the parser accepted but the program could not hold trapped (signal 4).
    @Test func aDurationBeyondSimulatedTimeIsAUsageError() {
        for option in ["--start", "--duration"] {
            let result = cmbench("replay", "traces/default.csv.zst", option, "1e10")
            #expect(result.status == .usage, "\(option)")
            #expect(result.stderr.contains("\(option) 1e10 exceeds the limit of simulated time"), "\(option)")
        }
    }

    @Test func explainWritesAHugeMeanKVLengthInsteadOfTrapping() {
        #expect(formatFixed(1e20, digits: 0) == "1e+20")
        #expect(formatFixed(9.2e18, digits: 0) == "9200000000000000000")
        #expect(cmbench("explain", "--phase", "decode", "--kv", "1e20").status == .ok)
    }

    @Test func missingAndExtraPositionalsAreUsageErrors() {
        #expect(throws: CLIError.self) { try ArgumentParser.parse([], for: Self.spec) }
        #expect(throws: CLIError.self) { try ArgumentParser.parse(["a", "b", "c"], for: Self.spec) }
    }

    @Test func malformedNumbersNameTheOption() throws {
        let parsed = try ArgumentParser.parse(["t", "--rate", "fast"], for: Self.spec)
        #expect {
            try parsed.double("--rate")
        } throws: { error in
            (error as? CLIError)?.message == "--rate expects a number, got 'fast'"
        }
    }

    @Test(arguments: [("90s", 90.0), ("2000ms", 2.0), ("10m", 600.0), ("1.5h", 5400.0), ("3", 3.0)])
    func durations(text: String, seconds: Double) {
        #expect(parseDurationSeconds(text) == seconds)
    }
}
