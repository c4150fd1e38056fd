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

    /// Options whose help says "repeatable" (only `--backend-option` today) collect several
    /// values; every other option that takes a value is refused when given twice.
    @Test(arguments: CommandLineTool.commands.map { $0.spec.name })
    func repeatableOptionsAreTheDocumentedOnes(command: String) throws {
        let spec = try #require(CommandLineTool.command(named: command)).spec
        for option in spec.options {
            var isRepeatable = false
            if case .repeatable = option.kind { isRepeatable = true }
            #expect(isRepeatable == option.help.contains("repeatable"), "\(command) \(option.long)")
            #expect(!isRepeatable || option.long == "--backend-option", "\(command) \(option.long)")
        }
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
