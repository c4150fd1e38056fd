/// What a command accepts, as data: drives parsing, `--help` text and suggestions.
package struct CommandSpec: Sendable {
    package var name: String
    /// One line, shown in `cmbench --help`.
    package var summary: String
    /// Usage lines without the leading `cmbench`, e.g. `inspect TRACE [--json]`.
    package var usage: [String]
    /// Paragraphs shown after the usage in `cmbench <command> --help`.
    package var discussion: String
    package var arguments: [ArgumentSpec]
    package var options: [OptionSpec]
    /// Example invocations without the leading `cmbench`, each with a comment.
    package var examples: [(command: String, comment: String)]

    package init(
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
package struct ArgumentSpec: Sendable {
    package var name: String
    package var help: String
    package var isOptional: Bool
    /// The last argument may take any number of further values (`runs merge OUT IN...`).
    package var isVariadic: Bool

    package init(_ name: String, _ help: String, optional: Bool = false, variadic: Bool = false) {
        self.name = name
        self.help = help
        self.isOptional = optional
        self.isVariadic = variadic
    }
}

/// A `--long` option: a flag, or one that takes a value (possibly repeated).
package struct OptionSpec: Sendable {
    package enum Kind: Sendable, Equatable {
        case flag
        /// Takes one value; given twice, a usage error.
        case value(placeholder: String)
        /// Takes one value each time; all are kept in order.
        case repeatable(placeholder: String)
    }

    package var long: String
    package var short: Character?
    package var kind: Kind
    package var help: String

    package init(_ long: String, short: Character? = nil, _ kind: Kind = .flag, help: String) {
        precondition(long.hasPrefix("--"), "option names start with --: \(long)")
        self.long = long
        self.short = short
        self.kind = kind
        self.help = help
    }

    package static let help = OptionSpec("--help", short: "h", help: "Show this help and exit.")

    var takesValue: Bool { kind != .flag }
}
