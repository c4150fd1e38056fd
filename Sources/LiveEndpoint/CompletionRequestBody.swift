import Foundation

/// The JSON body of one streaming completion request, written byte by byte.
///
/// The bytes are exactly those `JSONSerialization.data(withJSONObject:options: [.sortedKeys])`
/// gives for the same dictionary (keys sorted, `/` escaped as `\/`, control characters as
/// `\uXXXX` except `\b \f \n \r \t`), which a test holds. Written directly because the sender
/// builds one body per request on the open-loop clock: through `JSONSerialization` (bridging the
/// dictionary, sorting `AnyHashable` keys, casting every value) a body of 200 words took about
/// 0.3 ms, and at 1,000 requests a second that kept the sender on its core long enough to delay
/// the HTTP client's own thread by 10-25 ms (ci/live-overhead.sh, docs/live.md).
struct CompletionRequestBody {
    var model: String
    var prompt: String
    /// Chat endpoint: the prompt goes in one user message instead of `prompt`.
    var chat: Bool
    var maxTokens: Int
    /// Also send `min_tokens` = `maxTokens` (servers that ignore `ignore_eos`).
    var sendsMinTokens: Bool

    var data: Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prompt.utf8.count + model.utf8.count + 200)
        // Keys in sorted order, as `.sortedKeys` writes them.
        bytes.append(contentsOf: #"{"ignore_eos":true,"max_tokens":"#.utf8)
        bytes.append(contentsOf: String(maxTokens).utf8)
        if chat {
            bytes.append(contentsOf: #","messages":[{"content":"#.utf8)
            Self.appendString(prompt, to: &bytes)
            bytes.append(contentsOf: #","role":"user"}]"#.utf8)
        }
        if sendsMinTokens {
            bytes.append(contentsOf: #","min_tokens":"#.utf8)
            bytes.append(contentsOf: String(maxTokens).utf8)
        }
        bytes.append(contentsOf: #","model":"#.utf8)
        Self.appendString(model, to: &bytes)
        if !chat {
            bytes.append(contentsOf: #","prompt":"#.utf8)
            Self.appendString(prompt, to: &bytes)
        }
        bytes.append(contentsOf: #","stream":true,"stream_options":{"include_usage":true},"temperature":0}"#.utf8)
        return Data(bytes)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string literal, escaped as Foundation's `JSONWriter` escapes it.
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): bytes.append(contentsOf: #"\/"#.utf8)
            case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
            case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
