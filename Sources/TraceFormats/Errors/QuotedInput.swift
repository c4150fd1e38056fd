/// Input bytes as an error message may quote them: printable text kept, everything else escaped.
///
/// A message must never carry control characters (a NUL, an escape sequence that repaints the
/// terminal) or invalid UTF-8 from the file it complains about, so every byte that is not
/// printable ASCII or part of a valid, non-control UTF-8 character is shown as `\xNN`.
enum QuotedInput {
    /// `'text'` of at most `limit` bytes of `bytes`, escaped, with `…` when cut.
    static func quoted(_ bytes: UnsafeRawBufferPointer, limit: Int) -> String {
        let cut = min(bytes.count, limit)
        return "'" + escaped(UnsafeRawBufferPointer(rebasing: bytes[0..<cut])) + (cut < bytes.count ? "…'" : "'")
    }

    /// `bytes` with every non-printable byte written as `\xNN`.
    static func escaped(_ bytes: UnsafeRawBufferPointer) -> String {
        var text = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0
            if length > 0, index + length <= bytes.count,
                let character = String(validating: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + length)]), as: UTF8.self),
                let scalar = character.unicodeScalars.first, !scalar.properties.generalCategory.isControlOrFormat
            {
                text += character
                index += length
                continue
            }
            text += "\\x" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            index += 1
        }
        return text
    }

    /// What the first bytes of a file say about its encoding when it is UTF-16 or UTF-32 rather
    /// than UTF-8 (a byte-order mark, or every other byte NUL), or nil.
    static func otherEncoding(firstLine bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.starts(with: [0xFF, 0xFE, 0, 0]) { return hint("UTF-32LE", "it starts with the UTF-32LE byte-order mark FF FE 00 00") }
        if bytes.starts(with: [0, 0, 0xFE, 0xFF]) { return hint("UTF-32BE", "it starts with the UTF-32BE byte-order mark 00 00 FE FF") }
        if bytes.starts(with: [0xFF, 0xFE]) { return hint("UTF-16LE", "it starts with the UTF-16LE byte-order mark FF FE") }
        if bytes.starts(with: [0xFE, 0xFF]) { return hint("UTF-16BE", "it starts with the UTF-16BE byte-order mark FE FF") }
        guard bytes.count >= 2, bytes.contains(0) else { return nil }
        var nulAtOdd = 0
        var nulAtEven = 0
        for (index, byte) in bytes.enumerated() where byte == 0 {
            if index % 2 == 1 { nulAtOdd += 1 } else { nulAtEven += 1 }
        }
        let pairs = bytes.count / 2
        if nulAtOdd >= pairs * 9 / 10, nulAtEven == 0 { return hint("UTF-16LE", "every other byte is NUL") }
        if nulAtEven >= pairs * 9 / 10, nulAtOdd == 0 { return hint("UTF-16BE", "every other byte is NUL") }
        return nil
    }

    private static func hint(_ encoding: String, _ why: String) -> String {
        "the input looks like \(encoding) text (\(why)); cmbench reads UTF-8: convert it, e.g. iconv -f \(encoding) -t UTF-8 IN > OUT"
    }
}

extension Unicode.GeneralCategory {
    /// Control characters, and format characters such as bidirectional overrides.
    fileprivate var isControlOrFormat: Bool { self == .control || self == .format }
}
