extension SimDuration {
    /// Parses a non-negative duration with a unit: `50ms`, `2s`, `1.5s`, `250us`, `800ns`.
    ///
    /// Returns nil for anything else (a missing or unknown unit, a negative or non-finite
    /// number), so each caller can phrase its own error with the offending text. A bare number
    /// is refused on purpose: a unit that is only implied is the commonest source of a
    /// thousandfold mistake. A duration too long to hold saturates at `Int64.max`: a caller
    /// compares the result with `SimDuration.limit` and names its own option in the refusal.
    public init?(parsing text: some StringProtocol) {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9),
        ]
        let trimmed = text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        let string = String(trimmed)
        for unit in units where string.hasSuffix(unit.suffix) {
            let number = string.dropLast(unit.suffix.count)
            guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
            self.init(roundingNanoseconds: value * unit.nanoseconds)
            return
        }
        return nil
    }
}
