/// Reads the common streamed chunk without Foundation: a JSON object whose content text, usage
/// counts and absence of an error are all the stream needs.
///
/// Why: the HTTP client's one loop thread decodes every chunk of every stream, and the time it
/// spends on one chunk delays the timestamps of the others ready at the same instant. Through
/// `JSONSerialization` a chunk took about 8 µs (a dictionary bridged, every value cast); this
/// scanner validates the whole payload and reads the few fields in one pass, allocating only
/// the content string.
///
/// It answers only where its answer is certainly `JSONSerialization`'s: strings without escapes
/// and of ASCII bytes only, counts written as plain integers, no `error` key, no repeated key
/// on the paths it reads, nesting under 64. Anything else (escapes, non-ASCII text, a number
/// with a fraction where a count is read, an error, invalid JSON) returns nil, and the caller
/// decodes the payload with `JSONSerialization` as before. A test holds the two equal over
/// real chunks and thousands of mutated ones.
struct StreamChunkScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The chunk event of `payload`, or nil if the scanner cannot vouch for it.
    static func chunk(_ payload: UnsafeBufferPointer<UInt8>, chat: Bool) -> ServerSentEventDecoder.Event? {
        var scanner = StreamChunkScanner(payload)
        guard let fields = scanner.root(chat: chat) else { return nil }
        scanner.skipWhitespace()
        guard scanner.index == payload.count else { return nil }
        if !fields.sawChoices && fields.usage == nil { return nil }  // JSONSerialization's path: malformed
        return .chunk(content: fields.content ?? "", usage: fields.usage)
    }

    private struct Fields {
        var sawChoices = false
        var content: String?
        var usage: ServerSentEventDecoder.Usage?
    }

    // MARK: the paths read

    private mutating func root(chat: Bool) -> Fields? {
        var fields = Fields()
        var sawUsage = false
        let ok = object(depth: 0) { scanner, key in
            switch key {
            case "error":
                return false
            case "choices":
                guard !fields.sawChoices else { return false }
                fields.sawChoices = true
                guard scanner.peek == UInt8(ascii: "[") else { return false }  // not an array: let Foundation decide
                return scanner.choices(chat: chat, into: &fields.content)
            case "usage":
                guard !sawUsage else { return false }
                sawUsage = true
                guard scanner.peek == UInt8(ascii: "{") else { return scanner.skipValue(depth: 1) }  // not an object: no usage
                var usage = ServerSentEventDecoder.Usage()
                guard scanner.usage(into: &usage) else { return false }
                fields.usage = usage
                return true
            default:
                return scanner.skipValue(depth: 1)
            }
        }
        return ok ? fields : nil
    }

    /// `choices`: the first element's `text` (or `delta.content` for chat), if a string.
    private mutating func choices(chat: Bool, into content: inout String?) -> Bool {
        var first = true
        return array(depth: 1) { scanner in
            defer { first = false }
            guard first, scanner.peek == UInt8(ascii: "{") else { return scanner.skipValue(depth: 2) }
            var seen = false
            return scanner.object(depth: 2) { scanner, key in
                if chat, key == "delta" {
                    guard !seen else { return false }
                    seen = true
                    guard scanner.peek == UInt8(ascii: "{") else { return scanner.skipValue(depth: 3) }
                    var seenContent = false
                    return scanner.object(depth: 3) { scanner, key in
                        guard key == "content" else { return scanner.skipValue(depth: 4) }
                        guard !seenContent else { return false }
                        seenContent = true
                        return scanner.stringOrOther(into: &content, depth: 4)
                    }
                }
                if !chat, key == "text" {
                    guard !seen else { return false }
                    seen = true
                    return scanner.stringOrOther(into: &content, depth: 3)
                }
                return scanner.skipValue(depth: 3)
            }
        }
    }

    /// A string value read into `content`; any other value skipped (it is not text).
    private mutating func stringOrOther(into content: inout String?, depth: Int) -> Bool {
        guard peek == UInt8(ascii: "\"") else { return skipValue(depth: depth) }
        guard let range = string() else { return false }
        content = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return true
    }

    /// `usage`: the three counts, each a plain integer when present.
    private mutating func usage(into usage: inout ServerSentEventDecoder.Usage) -> Bool {
        var seenPrompt = false, seenCompletion = false, seenDetails = false
        return object(depth: 1) { scanner, key in
            switch key {
            case "prompt_tokens":
                guard !seenPrompt, let value = scanner.integer() else { return false }
                seenPrompt = true
                usage.promptTokens = value
                return true
            case "completion_tokens":
                guard !seenCompletion, let value = scanner.integer() else { return false }
                seenCompletion = true
                usage.completionTokens = value
                return true
            case "prompt_tokens_details":
                guard !seenDetails else { return false }
                seenDetails = true
                guard scanner.peek == UInt8(ascii: "{") else { return scanner.skipValue(depth: 2) }
                var seenCached = false
                return scanner.object(depth: 2) { scanner, key in
                    guard key == "cached_tokens" else { return scanner.skipValue(depth: 3) }
                    guard !seenCached, let value = scanner.integer() else { return false }
                    seenCached = true
                    usage.cachedTokens = value
                    return true
                }
            default:
                return scanner.skipValue(depth: 2)
            }
        }
    }

    // MARK: JSON

    private var peek: UInt8? {
        mutating get {
            skipWhitespace()
            return index < bytes.count ? bytes[index] : nil
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// An object; `member` reads each value after its key (false: give up).
    private mutating func object(depth: Int, _ member: (inout StreamChunkScanner, String) -> Bool) -> Bool {
        guard depth < 64, consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        repeat {
            guard peek == UInt8(ascii: "\""), let key = string() else { return false }
            guard consume(UInt8(ascii: ":")), member(&self, String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self))
            else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    /// An array; `element` reads each element (false: give up).
    private mutating func array(depth: Int, _ element: (inout StreamChunkScanner) -> Bool) -> Bool {
        guard depth < 64, consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    /// The bytes between the quotes of a string without escapes, of printable ASCII only.
    private mutating func string() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// A count written as a plain integer (no sign, fraction or exponent; under 19 digits).
    private mutating func integer() -> Int? {
        skipWhitespace()
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits < 19, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { return nil }
        return value
    }

    /// Any value, validated and passed over.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, let first = peek else { return false }
        switch first {
        case UInt8(ascii: "{"): return object(depth: depth) { scanner, _ in scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): return array(depth: depth) { scanner in scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A number as JSON writes it, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and small
    /// enough that Foundation reads it too: under 19 integer digits and an exponent of at most
    /// two digits (`1733e580000` is JSON, but Foundation refuses it as out of range).
    private mutating func number() -> Bool {
        func digits(_ scanner: inout StreamChunkScanner) -> Int {
            let start = scanner.index
            while scanner.index < scanner.bytes.count, scanner.bytes[scanner.index] >= UInt8(ascii: "0"),
                scanner.bytes[scanner.index] <= UInt8(ascii: "9")
            {
                scanner.index += 1
            }
            return scanner.index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let start = index
        let integerDigits = digits(&self)
        guard integerDigits > 0, integerDigits < 19, integerDigits == 1 || bytes[start] != UInt8(ascii: "0") else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentDigits = digits(&self)
            guard exponentDigits > 0, exponentDigits <= 2 else { return false }
        }
        return true
    }
}
