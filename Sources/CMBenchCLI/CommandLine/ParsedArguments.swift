import DiscreteEvent

/// The result of parsing one command's arguments against its `CommandSpec`.
///
/// Accessors that convert values throw `CLIError.usage` naming the option and the bad
/// value, so every command reports malformed numbers the same way.
package struct ParsedArguments: Sendable {
    package var positionals: [String] = []
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    /// True when `-h`/`--help` appeared in option position: not as another option's value, not
    /// after `--`.
    package var helpRequested = false

    init(helpRequested: Bool = false) { self.helpRequested = helpRequested }

    package func flag(_ long: String) -> Bool { flags.contains(long) }
    package func value(_ long: String) -> String? { values[long]?.last }
    package func allValues(_ long: String) -> [String] { values[long] ?? [] }
    package func has(_ long: String) -> Bool { flags.contains(long) || values[long] != nil }

    package func int(_ long: String) throws(CLIError) -> Int? {
        guard let text = value(long) else { return nil }
        guard let number = Int(text.replacingUnderscores) else {
            throw .usage("\(long) expects an integer, got '\(text)'")
        }
        return number
    }

    package func positiveInt(_ long: String) throws(CLIError) -> Int? {
        guard let number = try int(long) else { return nil }
        guard number > 0 else { throw .usage("\(long) must be positive, got \(number)") }
        return number
    }

    package func double(_ long: String) throws(CLIError) -> Double? {
        guard let text = value(long) else { return nil }
        guard let number = Double(text.replacingUnderscores), number.isFinite else {
            throw .usage("\(long) expects a number, got '\(text)'")
        }
        return number
    }

    package func positiveDouble(_ long: String) throws(CLIError) -> Double? {
        guard let number = try double(long) else { return nil }
        guard number > 0 else { throw .usage("\(long) must be positive, got \(number)") }
        return number
    }

    package func uint64(_ long: String) throws(CLIError) -> UInt64? {
        guard let text = value(long) else { return nil }
        guard let number = UInt64(text.replacingUnderscores) else {
            throw .usage("\(long) expects a non-negative integer, got '\(text)'")
        }
        return number
    }

    /// A duration such as `90s`, `2000ms`, `1.5h`, `10m`; a bare number is seconds. Unbounded:
    /// ``duration(_:)`` holds it to the limit of simulated time.
    func durationSeconds(_ long: String) throws(CLIError) -> Double? {
        guard let text = value(long) else { return nil }
        guard let seconds = parseDurationSeconds(text), seconds >= 0 else {
            throw .usage("\(long) expects a duration such as 90s, 2000ms, 10m or 1h, got '\(text)'")
        }
        return seconds
    }

    /// A duration such as `90s`, `2000ms`, `1.5h`, `10m` (a bare number is seconds), within the
    /// limit of simulated time.
    package func duration(_ long: String) throws(CLIError) -> SimDuration? {
        guard let seconds = try durationSeconds(long) else { return nil }
        let duration = SimDuration(roundingNanoseconds: seconds * 1e9)  // saturates, infinity included
        guard duration <= .limit else {
            throw .usage("\(long) \(value(long)!) exceeds the limit of simulated time, \(SimTime.limitDescription)")
        }
        return duration
    }

    /// One of a fixed set of words.
    package func choice(_ long: String, among choices: [String]) throws(CLIError) -> String? {
        guard let text = value(long) else { return nil }
        guard choices.contains(text) else {
            let hint = closestMatch(to: text, among: choices).map { "did you mean '\($0)'?" }
            throw .usage("\(long) must be one of \(choices.joined(separator: ", ")); got '\(text)'", hint: hint)
        }
        return text
    }
}

/// Parses `90s`, `2000ms`, `250us`, `10m`, `1.5h`; a bare number is seconds.
func parseDurationSeconds(_ text: String) -> Double? {
    let units: [(suffix: String, seconds: Double)] = [
        ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]
    for unit in units where text.hasSuffix(unit.suffix) {
        guard let number = Double(text.dropLast(unit.suffix.count)), number.isFinite else { return nil }
        return number * unit.seconds
    }
    guard let number = Double(text), number.isFinite else { return nil }
    return number
}

extension String {
    /// Allows `1_000_000` in numeric flags.
    fileprivate var replacingUnderscores: String { filter { $0 != "_" } }
}
