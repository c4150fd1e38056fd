/// Mooncake JSON lines: `{"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [..]}`.
///
/// A hand scanner for this flat schema: `JSONDecoder` was 34× slower (1.14 M vs 0.033 M lines/s,
/// measured per line over the real Mooncake conversation trace in memory, release build). Keys may come in any order with any JSON whitespace; unknown keys
/// are skipped (any JSON value) and counted; `hash_ids` may be absent (no prefix information)
/// but must be a list of unsigned integers when present. `timestamp` is milliseconds from the
/// trace start and may have a fraction.
/// Source: kvcache-ai/Mooncake `FAST25-release/README.md` and the JSON lines of
/// `FAST25-release/traces/conversation_trace.jsonl`.
struct MooncakeFormat {
    typealias Bytes = UnsafeRawBufferPointer

    /// Tokens per `hash_ids` block (512 in the Mooncake release; 16 or 64 in other traces).
    let blockTokens: Int

    private enum Key { case timestamp, inputLength, outputLength, hashIDs, unknown }

    /// Parses one line.
    /// - Complexity: O(line length); appends to the row's reused hash buffer.
    func parse(_ line: Bytes, into row: inout ParsedRow) throws(RowIssue) {
        var scanner = Scanner(bytes: line)
        scanner.skipSpace()
        guard scanner.take(0x7B) else { throw RowIssue(.invalidJSON, "a line must be one JSON object starting with '{'") }
        var seen: UInt8 = 0
        scanner.skipSpace()
        if !scanner.take(0x7D) {
            while true {
                scanner.skipSpace()
                let key = try scanner.key()
                scanner.skipSpace()
                guard scanner.take(0x3A) else { throw scanner.invalid("expected ':' after a key") }
                scanner.skipSpace()
                let bit: UInt8
                switch key {
                case .timestamp:
                    bit = 1
                    let (start, end) = scanner.numberToken()
                    row.fields.time = try ByteParsing.parseScaledDecimal(line, start, end, scaleDigits: 6, field: "timestamp")
                case .inputLength:
                    bit = 2
                    let (start, end) = scanner.numberToken()
                    row.fields.inputTokens = try ByteParsing.parseCount(line, start, end, field: "input_length")
                case .outputLength:
                    bit = 4
                    let (start, end) = scanner.numberToken()
                    row.fields.outputTokens = try ByteParsing.parseCount(line, start, end, field: "output_length")
                case .hashIDs:
                    bit = 8
                    try scanner.hashList(into: &row.hashes)
                case .unknown:
                    bit = 0
                    row.fields.unknownKeys += 1
                    try scanner.skipValue(depth: 0)
                }
                if bit != 0 {
                    guard seen & bit == 0 else { throw scanner.invalid("duplicate key") }
                    seen |= bit
                }
                scanner.skipSpace()
                if scanner.take(0x2C) { continue }
                if scanner.take(0x7D) { break }
                throw scanner.invalid("expected ',' or '}' after a value")
            }
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw scanner.invalid("text after the closing '}'") }
        if seen & 1 == 0 { throw RowIssue(.missingField, "the key is missing", field: "timestamp") }
        if seen & 2 == 0 { throw RowIssue(.missingField, "the key is missing", field: "input_length") }
        if seen & 4 == 0 { throw RowIssue(.missingField, "the key is missing", field: "output_length") }
        row.fields.blockTokens = blockTokens
    }

    /// A cursor over one line of JSON.
    private struct Scanner {
        let bytes: Bytes
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        @inline(__always) mutating func skipSpace() {
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
                index += 1
            }
        }

        @inline(__always) mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        func invalid(_ why: String) -> RowIssue {
            RowIssue(.invalidJSON, "\(why) at column \(index + 1)")
        }

        /// Reads a quoted key and says which one it is.
        mutating func key() throws(RowIssue) -> Key {
            guard take(0x22) else { throw invalid("expected a quoted key") }
            let start = index
            var escaped = false
            while index < bytes.count, bytes[index] != 0x22 {
                if bytes[index] == 0x5C {
                    escaped = true
                    index += 1
                }
                index += 1
            }
            guard index < bytes.count else { throw invalid("unterminated key") }
            let end = index
            index += 1
            if escaped { return .unknown }
            switch end - start {
            case 8 where matches(start, "hash_ids"): return .hashIDs
            case 9 where matches(start, "timestamp"): return .timestamp
            case 12 where matches(start, "input_length"): return .inputLength
            case 13 where matches(start, "output_length"): return .outputLength
            default: return .unknown
            }
        }

        private func matches(_ start: Int, _ word: StaticString) -> Bool {
            let pointer = word.utf8Start
            for offset in 0..<word.utf8CodeUnitCount where bytes[start + offset] != pointer[offset] { return false }
            return true
        }

        /// The extent of a bare value token (number or literal), for the number parsers to judge.
        mutating func numberToken() -> (Int, Int) {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x2C || byte == 0x7D || byte == 0x5D || byte == 0x20 || byte == 0x09 { break }
                index += 1
            }
            return (start, index)
        }

        /// Reads `[n, n, …]` of unsigned integers into `hashes` (cleared first).
        ///
        /// The hot loop of the format (a line holds up to thousands of ids), so digits are
        /// accumulated in the same pass that finds them; fewer than 19 digits cannot overflow
        /// 64 bits, and longer numbers are checked.
        mutating func hashList(into hashes: inout [UInt64]) throws(RowIssue) {
            hashes.removeAll(keepingCapacity: true)
            guard take(0x5B) else {
                throw RowIssue(.notAList, "must be a list of integers like [0, 1, 2]", field: "hash_ids")
            }
            skipSpace()
            if take(0x5D) { return }
            let count = bytes.count
            while true {
                skipSpace()
                let start = index
                var value: UInt64 = 0
                var digits = 0
                while index < count {
                    let digit = bytes[index] &- 0x30
                    guard digit < 10 else { break }
                    if digits < 18 {
                        value = value &* 10 &+ UInt64(digit)
                    } else {
                        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                        let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                        if o1 || o2 {
                            throw RowIssue(.overflow, "an id does not fit in 64 bits", field: "hash_ids")
                        }
                        value = sum
                    }
                    digits += 1
                    index += 1
                }
                if index < count {
                    let next = bytes[index]
                    // Anything but a separator right after the digits ("1.5", "-2", "x") is bad.
                    if digits == 0 || !(next == 0x2C || next == 0x5D || next == 0x20 || next == 0x09) {
                        index = start
                        let (tokenStart, tokenEnd) = numberToken()
                        guard tokenEnd > tokenStart else { throw invalid("expected a number in hash_ids") }
                        throw ByteParsing.notANumber(bytes, tokenStart, tokenEnd, field: "hash_ids")
                    }
                }
                hashes.append(value)
                skipSpace()
                if take(0x2C) { continue }
                if take(0x5D) { return }
                throw invalid("expected ',' or ']' in hash_ids")
            }
        }

        /// Skips any JSON value (string, number, literal, array, object) of an unknown key.
        mutating func skipValue(depth: Int) throws(RowIssue) {
            guard depth < 64 else { throw invalid("nesting too deep") }
            skipSpace()
            guard index < bytes.count else { throw invalid("missing value") }
            switch bytes[index] {
            case 0x22:
                index += 1
                while index < bytes.count, bytes[index] != 0x22 {
                    if bytes[index] == 0x5C { index += 1 }
                    index += 1
                }
                guard index < bytes.count else { throw invalid("unterminated string") }
                index += 1
            case 0x5B, 0x7B:
                let close: UInt8 = bytes[index] == 0x5B ? 0x5D : 0x7D
                let isObject = close == 0x7D
                index += 1
                skipSpace()
                if take(close) { return }
                while true {
                    skipSpace()
                    if isObject {
                        _ = try key()
                        skipSpace()
                        guard take(0x3A) else { throw invalid("expected ':' after a key") }
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    if take(0x2C) { continue }
                    if take(close) { return }
                    throw invalid("expected ',' or a closing bracket")
                }
            default:
                let (start, end) = numberToken()
                guard end > start else { throw invalid("missing value") }
            }
        }
    }
}
