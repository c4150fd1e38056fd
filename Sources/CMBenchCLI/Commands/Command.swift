/// A subcommand: its spec (drives parsing and help) and what it does.
///
/// `run` returns the exit status for outcomes that are not errors (the gate's "regression"),
/// and throws for everything else; `CommandLineTool` turns thrown errors into text and a
/// status in one place.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus
}

/// The version printed by `--version` and recorded in every output's provenance.
package enum CMBenchVersion {
    package static let string = "0.1.0"
}
