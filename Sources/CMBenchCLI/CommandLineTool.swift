#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The command-line tool: dispatches to a command and is the one place where errors become
/// stderr text and an exit status.
public enum CommandLineTool {
    /// Every command, in the order `cmbench --help` lists them.
    nonisolated(unsafe) static let commands: [any Command.Type] = [
        ReplayCommand.self, ReproduceCommand.self, ExplainCommand.self, InspectCommand.self, ConvertCommand.self, SynthCommand.self,
        SweepCommand.self, PlanCommand.self, GateCommand.self, CompareCommand.self, RunsCommand.self, BenchCommand.self,
    ]

    /// Runs cmbench with the arguments after the program name; returns the exit status.
    public static func main(arguments: [String], console: Console = .standard) -> Int32 {
        StandardDescriptors.occupyClosed()
        signal(SIGPIPE, SIG_IGN)
        Interrupt.install()
        let status = run(arguments: arguments, console: console)
        StandardStream.output.flush()
        if let failure = StandardStream.output.failure {
            // The results did not reach stdout (`>/dev/full`, a closed stdout): not a success.
            console.err("cmbench: error: cannot write the output to standard output: \(String(cString: strerror(failure)))\n")
            return status == .ok ? ExitStatus.ioError.rawValue : status.rawValue
        }
        return status.rawValue
    }

    static func run(arguments: [String], console: Console) -> ExitStatus {
        guard let first = arguments.first else {
            console.err(HelpText.overview(commands))
            return .usage
        }
        switch first {
        case "--help", "-h", "help":
            if first == "help", arguments.count > 1, let command = command(named: arguments[1]) {
                console.out(HelpText.render(command.spec))
            } else {
                console.out(HelpText.overview(commands))
            }
            return .ok
        case "--version":
            console.out("cmbench \(CMBenchVersion.string)\n")
            return .ok
        default:
            break
        }
        guard let command = command(named: first) else {
            let hint = closestMatch(to: first, among: commands.map { $0.spec.name }).map { "did you mean '\($0)'?" }
                ?? "see 'cmbench --help' for the list of commands"
            return report(CLIError.usage("unknown command '\(first)'", hint: hint), console: console)
        }
        do {
            let parsed = try ArgumentParser.parse(Array(arguments.dropFirst()), for: command.spec)
            if parsed.helpRequested {
                console.out(HelpText.render(command.spec))
                return .ok
            }
            return try command.run(parsed, console: console)
        } catch {
            return report(error, console: console)
        }
    }

    static func command(named name: String) -> (any Command.Type)? {
        commands.first { $0.spec.name == name }
    }

    /// Turns any error into `cmbench: error: …` on stderr and its exit status (a closed stdout
    /// pipe ends quietly).
    static func report(_ error: any Error, console: Console) -> ExitStatus {
        let cliError = ErrorClassification.classify(error)
        if cliError.status == .brokenPipe { return .brokenPipe }  // quiet: nobody is reading
        let prefix = console.usesColor ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
        console.err("cmbench: \(prefix) \(TerminalText.escaped(cliError.message))\n")
        if let hint = cliError.hint { console.err("cmbench: hint: \(TerminalText.escaped(hint))\n") }
        return cliError.status
    }
}

/// Text that came from a user (a path, an option's value, a field of a file) made safe to print on
/// a terminal: an error message quoting `--store $'x\e[2J'` must not clear the screen, and a
/// right-to-left override must not reorder what the user reads.
enum TerminalText {
    /// `text` with every control and format character except newline and tab written as `\xNN`
    /// (or `\u{NNNN}` above 0xFF).
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += scalar.value <= 0xFF
                    ? "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
                    : "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar != "\n" && scalar != "\t" else { return false }
        return scalar.properties.generalCategory.isControlOrFormat
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Unicode.GeneralCategory {
    /// Cc (C0 and C1 controls, DEL) and Cf (format: bidirectional overrides, zero-width joiners).
    fileprivate var isControlOrFormat: Bool { self == .control || self == .format }
}
