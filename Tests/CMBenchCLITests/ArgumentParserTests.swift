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
            let error = error as! CLIError
            return error.status == .usage && error.message.contains("--rat") && error.hint == "did you mean '--rate'?"
        }
    }

    @Test func helpWinsAnywhere() throws {
        let parsed = try ArgumentParser.parse(["--bogus", "x", "--help"], for: Self.spec)
        #expect(parsed.helpRequested)
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
            (error as! CLIError).message == "--rate expects a number, got 'fast'"
        }
    }

    @Test(arguments: [("90s", 90.0), ("2000ms", 2.0), ("10m", 600.0), ("1.5h", 5400.0), ("3", 3.0)])
    func durations(text: String, seconds: Double) {
        #expect(parseDurationSeconds(text) == seconds)
    }
}
