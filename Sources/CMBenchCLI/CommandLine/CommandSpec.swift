/// What a command accepts, as data: drives parsing, `--help` text and suggestions.
public struct CommandSpec: Sendable {
    public var name: String
    /// One line, shown in `cmbench --help`.
    public var summary: String
    /// Usage lines without the leading `cmbench`, e.g. `inspect TRACE [--json]`.
    public var usage: [String]
    /// Paragraphs shown after the usage in `cmbench <command> --help`.
    public var discussion: String
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    /// Example invocations without the leading `cmbench`, each with a comment.
    public var examples: [(command: String, comment: String)]

    public init(
        name: String, summary: String, usage: [String], discussion: String = "",
        arguments: [ArgumentSpec] = [], options: [OptionSpec] = [],
        examples: [(command: String, comment: String)] = []
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.discussion = discussion
        self.arguments = arguments
        self.options = options + [OptionSpec.help]
        self.examples = examples
    }
}

/// A positional argument.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var help: String
    public var isOptional: Bool

    public init(_ name: String, _ help: String, optional: Bool = false) {
        self.name = name
        self.help = help
        self.isOptional = optional
    }
}

/// A `--long` option: a flag, or one that takes a value (possibly repeated).
public struct OptionSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        case flag
        /// Takes one value; given twice, a usage error.
        case value(placeholder: String)
        /// Takes one value each time; all are kept in order.
        case repeatable(placeholder: String)
    }

    public var long: String
    public var short: Character?
    public var kind: Kind
    public var help: String

    public init(_ long: String, short: Character? = nil, _ kind: Kind = .flag, help: String) {
        precondition(long.hasPrefix("--"), "option names start with --: \(long)")
        self.long = long
        self.short = short
        self.kind = kind
        self.help = help
    }

    public static let help = OptionSpec("--help", short: "h", help: "Show this help and exit.")

    var takesValue: Bool { kind != .flag }
}
