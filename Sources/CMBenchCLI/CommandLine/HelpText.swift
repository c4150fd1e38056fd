/// Renders `--help` text from a `CommandSpec` (and the top-level command list).
enum HelpText {
    static func render(_ spec: CommandSpec) -> String {
        var lines: [String] = []
        lines.append("cmbench \(spec.name): \(spec.summary)")
        lines.append("")
        lines.append("USAGE")
        // A usage line starting with a space continues the one before it.
        for usage in spec.usage {
            lines.append(usage.hasPrefix(" ") ? "  " + usage : "  cmbench \(usage)")
        }
        if !spec.discussion.isEmpty {
            lines.append("")
            lines.append(contentsOf: spec.discussion.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        }
        if !spec.arguments.isEmpty {
            lines.append("")
            lines.append("ARGUMENTS")
            let width = spec.arguments.map(\.name.count).max() ?? 0
            for argument in spec.arguments {
                lines.append("  " + argument.name.padding(to: width) + "  " + argument.help)
            }
        }
        lines.append("")
        lines.append("OPTIONS")
        let labels = spec.options.map(label)
        let width = min(labels.map(\.count).max() ?? 0, 30)
        for (option, label) in zip(spec.options, labels) {
            if label.count > width {
                lines.append("  " + label)
                lines.append("  " + "".padding(to: width) + "  " + option.help)
            } else {
                lines.append("  " + label.padding(to: width) + "  " + option.help)
            }
        }
        if !spec.examples.isEmpty {
            lines.append("")
            lines.append("EXAMPLES")
            for example in spec.examples {
                lines.append("  # \(example.comment)")
                lines.append("  cmbench \(example.command)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func label(_ option: OptionSpec) -> String {
        var text = option.short.map { "-\($0), " } ?? ""
        text += option.long
        switch option.kind {
        case .flag: break
        case .value(let placeholder): text += " \(placeholder)"
        case .repeatable(let placeholder): text += " \(placeholder) (repeatable)"
        }
        return text
    }

    static func overview(_ commands: [any Command.Type]) -> String {
        var lines = [
            "cmbench \(CMBenchVersion.string): trace-driven benchmarking of large-model serving",
            "",
            "Replays request logs (Azure, BurstGPT, Mooncake, cmbench CSV; plain or zstd) through a",
            "discrete-event model of a serving system (CloudMatrix-Infer on CloudMatrix384 by default)",
            "and reports TTFT, TPOT, throughput and goodput.",
            "",
            "USAGE",
            "  cmbench <command> [options]",
            "  cmbench <command> --help",
            "",
            "COMMANDS",
        ]
        let width = commands.map { $0.spec.name.count }.max() ?? 0
        for command in commands {
            lines.append("  " + command.spec.name.padding(to: width) + "  " + command.spec.summary)
        }
        lines.append("")
        lines.append("EXIT STATUS")
        for status in ExitStatus.allCases {
            lines.append("  " + String(status.rawValue).padding(to: 3) + "  " + status.meaning)
        }
        lines.append("")
        lines.append("Errors go to stderr; results to stdout. A progress line is drawn on stderr only when it")
        lines.append("is a terminal.")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
