/// Parses `key=value,key=value` lists, the shape of `--slo` and backend option strings.
///
/// Keys keep their first-seen order (a `Dictionary` would not, and order reaches reports).
/// Spaces around keys and values are ignored; an empty list is allowed.
public enum KeyValueList {
    /// Why a list could not be parsed: the offending item, and what was expected.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var item: String
        public var message: String
        public var description: String { "'\(item)': \(message)" }
    }

    /// The pairs of `text`, in order; throws on an item without `=`, an empty key, or a key
    /// given twice.
    public static func parse(_ text: String) throws(ParseError) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for rawItem in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = trimmed(rawItem)
            if item.isEmpty {
                if text.allSatisfy({ $0 == " " }) { continue }
                throw ParseError(item: String(rawItem), message: "empty item; expected key=value")
            }
            guard let equals = item.firstIndex(of: "=") else {
                throw ParseError(item: item, message: "expected key=value")
            }
            let key = trimmed(item[..<equals])
            let value = trimmed(item[item.index(after: equals)...])
            guard !key.isEmpty else { throw ParseError(item: item, message: "missing key before '='") }
            guard !pairs.contains(where: { $0.key == key }) else {
                throw ParseError(item: item, message: "'\(key)' is given twice")
            }
            pairs.append((key, value))
        }
        return pairs
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
