import Foundation

/// A JSON document that keeps what `JSONDecoder` and `JSONSerialization` drop: the order of an
/// object's keys and the text of each number, so a configuration file can be rewritten with
/// some fields changed and every other field as it was written (`0.7` stays `0.7`, `2.0` stays
/// `2.0`, `"decode"` stays after `"decodeInstances"`).
///
/// ``prettyPrinted()`` writes the layout of `configs/deployments/cloudmatrix-infer.json`: an
/// object of plain values (a `{value, source}` number) or an array element on one line, anything
/// else one member a line, indented by two spaces. The same document always gives the same bytes.
package indirect enum OrderedJSON: Sendable, Equatable {
    case object([Member])
    case array([OrderedJSON])
    case string(String)
    /// The number's literal as written (or as ``number(_:)`` formats it).
    case number(String)
    case bool(Bool)
    case null

    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: OrderedJSON

        package init(_ key: String, _ value: OrderedJSON) {
            self.key = key
            self.value = value
        }
    }

    /// An integer as a JSON number.
    package static func integer(_ n: Int) -> OrderedJSON { .number(String(n)) }

    /// A finite double as a JSON number, in Swift's shortest round-trip form (`0.7`, `2.0`,
    /// `1e-06`); `nil` for infinity and NaN, which JSON cannot write.
    package static func number(_ x: Double) -> OrderedJSON? {
        x.isFinite ? .number(x.description) : nil
    }

    /// The members of an object; `nil` for any other value.
    package var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value of `key` in an object; `nil` when absent or not an object.
    package subscript(key: String) -> OrderedJSON? {
        members?.first { $0.key == key }?.value
    }

    /// Sets `key` in an object: in place when present, else inserted after the member `after`
    /// (at the end when `after` is nil or absent). Does nothing to a value that is not an object.
    package mutating func set(_ key: String, _ value: OrderedJSON, after: String? = nil) {
        guard var members else { return }
        if let i = members.firstIndex(where: { $0.key == key }) {
            members[i].value = value
        } else if let after, let i = members.firstIndex(where: { $0.key == after }) {
            members.insert(Member(key, value), at: i + 1)
        } else {
            members.append(Member(key, value))
        }
        self = .object(members)
    }

    // MARK: Parsing

    /// Parses UTF-8 JSON (RFC 8259); errors name `file` and the byte offset. A key repeated in
    /// one object is refused: which of the two a reader would take is not defined.
    package static func parse(_ data: Data, file: String) throws(ConfigError) -> OrderedJSON {
        var parser = Parser(bytes: [UInt8](data), file: file)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.fail("unexpected text after the document") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        let file: String
        var index = 0
        /// Deeper than any configuration file, shallow enough that recursion cannot exhaust the stack.
        static let maximumDepth = 256

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
        }

        func fail(_ reason: String) -> ConfigError {
            ConfigError(.malformedJSON, file: file, path: "$", reason: "not valid JSON at byte \(index): \(reason)")
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(ConfigError) {
            guard peek == byte else { throw fail("expected \(what)") }
            index += 1
        }

        mutating func value(depth: Int) throws(ConfigError) -> OrderedJSON {
            guard depth < Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
            switch peek {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case .some(let b) where b == UInt8(ascii: "-") || (0x30...0x39).contains(b): return .number(try number())
            case .some: throw fail("expected a value")
            case .none: throw fail("the document ends where a value should be")
            }
        }

        mutating func literal(_ word: String) throws(ConfigError) {
            let utf8 = Array(word.utf8)
            guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
                throw fail("expected \(word)")
            }
            index += utf8.count
        }

        mutating func object(depth: Int) throws(ConfigError) -> OrderedJSON {
            var members: [Member] = []
            var seen = Set<String>()
            try items(until: UInt8(ascii: "}"), "an object") { (p: inout Parser) throws(ConfigError) in
                guard p.peek == UInt8(ascii: "\"") else { throw p.fail("expected a key in quotes") }
                let key = try p.string()
                guard seen.insert(key).inserted else { throw p.fail("the key \"\(key)\" appears twice in one object") }
                p.skipWhitespace()
                try p.expect(UInt8(ascii: ":"), "':' after a key")
                p.skipWhitespace()
                members.append(Member(key, try p.value(depth: depth + 1)))
            }
            return .object(members)
        }

        mutating func array(depth: Int) throws(ConfigError) -> OrderedJSON {
            var elements: [OrderedJSON] = []
            try items(until: UInt8(ascii: "]"), "an array") { (p: inout Parser) throws(ConfigError) in
                elements.append(try p.value(depth: depth + 1))
            }
            return .array(elements)
        }

        /// Reads the comma-separated items of an object or an array (at its opening bracket) up
        /// to and including `close`; `item` reads one, starting at its first byte.
        mutating func items(until close: UInt8, _ what: String, _ item: (inout Parser) throws(ConfigError) -> Void)
            throws(ConfigError)
        {
            index += 1
            skipWhitespace()
            if peek == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try item(&self)
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(close, "',' or '\(Character(Unicode.Scalar(close)))' in \(what)")
                return
            }
        }

        mutating func number() throws(ConfigError) -> String {
            let start = index
            func digits() -> Int {
                let from = index
                while let b = peek, (0x30...0x39).contains(b) { index += 1 }
                return index - from
            }
            if peek == UInt8(ascii: "-") { index += 1 }
            if peek == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { throw fail("expected a digit") }
            }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw fail("expected a digit after '.'") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw fail("expected a digit in the exponent") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(ConfigError) -> String {
            index += 1
            var out: [UInt8] = []
            while true {
                guard let b = peek else { throw fail("a string is not closed") }
                index += 1
                switch b {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw fail("a string is not closed") }
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): out.append(contentsOf: Array(String(try unicodeEscape()).utf8))
                    default: throw fail("unknown escape \\\(Character(Unicode.Scalar(e)))")
                    }
                case 0x00..<0x20:
                    throw fail("a control character in a string must be escaped")
                default:
                    out.append(b)
                }
            }
        }

        /// The scalar of `\uXXXX` (the `\u` read), joining a UTF-16 surrogate pair.
        mutating func unicodeEscape() throws(ConfigError) -> Character {
            let high = try hex4()
            var scalar: Unicode.Scalar?
            if (0xD800..<0xDC00).contains(high) {
                try literal("\\u")
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw fail("a high surrogate without its low half") }
                scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            } else {
                scalar = Unicode.Scalar(high)
            }
            guard let scalar else { throw fail("\\u escape of a lone surrogate") }
            return Character(scalar)
        }

        mutating func hex4() throws(ConfigError) -> UInt32 {
            guard index + 4 <= bytes.count, let n = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                throw fail("expected four hex digits after \\u")
            }
            index += 4
            return n
        }
    }

    // MARK: Writing

    /// The document in the layout of the files in `configs/`, ending with a newline.
    package func prettyPrinted() -> String {
        var out = ""
        write(into: &out, indent: "", inline: false)
        out += "\n"
        return out
    }

    /// Whether this value may stand on one line: not an array, and an object only of such values.
    private var fitsOnOneLine: Bool {
        switch self {
        case .array: return false
        case .object(let members): return members.allSatisfy { $0.value.fitsOnOneLine }
        default: return true
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// - Parameter inline: the value is an array element, where an object fitting on one line
    ///   is written on one line even if it holds objects (a stream's `{name, cubeCores, vectorCores}`).
    private func write(into out: inout String, indent: String, inline: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]"
                return
            }
            Self.writeLines(elements.count, between: "[", "]", indent: indent, into: &out) { i, inner, out in
                elements[i].write(into: &out, indent: inner, inline: true)
            }
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            if fitsOnOneLine && (inline || members.allSatisfy(\.value.isScalar)) {
                out += "{ "
                for (i, member) in members.enumerated() {
                    if i > 0 { out += ", " }
                    Self.writeString(member.key, into: &out)
                    out += ": "
                    member.value.write(into: &out, indent: indent, inline: true)
                }
                out += " }"
                return
            }
            Self.writeLines(members.count, between: "{", "}", indent: indent, into: &out) { i, inner, out in
                Self.writeString(members[i].key, into: &out)
                out += ": "
                members[i].value.write(into: &out, indent: inner, inline: false)
            }
        }
    }

    /// Writes `count` items one a line between `open` and `close`, each indented one step
    /// (two spaces) more than `indent`; `item` writes item `i` given that indent.
    private static func writeLines(
        _ count: Int, between open: String, _ close: String, indent: String, into out: inout String,
        _ item: (_ i: Int, _ inner: String, _ out: inout String) -> Void
    ) {
        let inner = indent + "  "
        out += open + "\n"
        for i in 0..<count {
            out += inner
            item(i, inner, &out)
            out += i == count - 1 ? "\n" : ",\n"
        }
        out += indent + close
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else (`§`, `×`, `/`) written as it is.
    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
