/// Parses one command's arguments: `--flag`, `--name value`, `--name=value`, `-x value`,
/// repeatable options, `--` to end options, and `-` as a positional (standard input).
///
/// An option that takes a value takes the next argument, whatever it looks like (`--slo -`,
/// `--requests-csv --help` names a file called `--help`), as swift-argument-parser does. A scalar
/// option given twice is a usage error naming it; only options declared `.repeatable` collect
/// several values. Unknown options are usage errors that name the token and suggest the closest
/// option. `-h`/`--help` in option position (not as another option's value, not after `--`) wins
/// over every other mistake, so a user can append it to any command line.
package enum ArgumentParser {
    package static func parse(_ arguments: [String], for spec: CommandSpec) throws(CLIError) -> ParsedArguments {
        var parsed = ParsedArguments()
        // The first mistake is reported only once the whole line is read: a later --help wins.
        var firstError: CLIError?
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if optionsEnded || token == "-" || !token.hasPrefix("-") {
                parsed.positionals.append(token)
                continue
            }
            if token == "--" {
                optionsEnded = true
                continue
            }
            var name = token
            var inlineValue: String?
            if token.hasPrefix("--"), let equals = token.firstIndex(of: "=") {
                name = String(token[..<equals])
                inlineValue = String(token[token.index(after: equals)...])
            }
            guard let option = lookUp(name, in: spec) else {
                if Double(token) != nil {  // a negative number where a positional was meant
                    parsed.positionals.append(token)
                    continue
                }
                let names = spec.options.map(\.long)
                let hint = closestMatch(to: name, among: names).map { "did you mean '\($0)'?" }
                    ?? "see 'cmbench \(spec.name) --help'"
                firstError = firstError ?? .usage("unknown option '\(name)' for 'cmbench \(spec.name)'", hint: hint)
                continue
            }
            switch option.kind {
            case .flag:
                if inlineValue != nil {
                    firstError = firstError ?? .usage("\(option.long) takes no value")
                } else if option.long == OptionSpec.help.long {
                    parsed.helpRequested = true
                } else {
                    parsed.flags.insert(option.long)
                }
            case .value(let placeholder), .repeatable(let placeholder):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    firstError = firstError ?? .usage("\(option.long) needs a value (\(placeholder))")
                    continue
                }
                if case .value = option.kind, let earlier = parsed.values[option.long]?.first {
                    firstError = firstError ?? .usage(
                        "\(option.long) given twice ('\(earlier)' and '\(value)')", hint: "give \(option.long) once")
                }
                parsed.values[option.long, default: []].append(value)
            }
        }
        if parsed.helpRequested { return ParsedArguments(helpRequested: true) }
        if let firstError { throw firstError }

        let required = spec.arguments.filter { !$0.isOptional }.count
        if parsed.positionals.count < required {
            let missing = spec.arguments[parsed.positionals.count].name
            throw .usage("missing \(missing)", hint: "usage: cmbench \(spec.usage.first ?? spec.name)")
        }
        if parsed.positionals.count > spec.arguments.count, spec.arguments.last?.isVariadic != true {
            let extra = parsed.positionals[spec.arguments.count]
            throw .usage("unexpected argument '\(extra)'", hint: "usage: cmbench \(spec.usage.first ?? spec.name)")
        }
        return parsed
    }

    private static func lookUp(_ name: String, in spec: CommandSpec) -> OptionSpec? {
        if name.hasPrefix("--") { return spec.options.first { $0.long == name } }
        if name.count == 2, let letter = name.last { return spec.options.first { $0.short == letter } }
        return nil
    }
}

/// The candidate closest to `text` by edit distance, if it is close enough to be a typo.
func closestMatch(to text: String, among candidates: [String]) -> String? {
    let scored = candidates.map { (candidate: $0, distance: editDistance(text, $0)) }
    guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
    let allowance = max(2, best.candidate.count / 3)
    if best.distance <= allowance { return best.candidate }
    // A prefix ("--conc" for "--concurrency") is also a likely intent.
    return candidates.first { $0.hasPrefix(text) && text.count >= 3 }
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
