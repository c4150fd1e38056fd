import Foundation

/// Splits an OpenAI streaming response (server-sent events) into its `data:` payloads and reads
/// each payload's content, usage and error.
///
/// Bytes arrive in whatever pieces the connection delivers; a line may span pieces, and one
/// piece may hold many lines. Comment lines (`:` first, used as keep-alive pings), `event:` and
/// `id:` lines and blank lines are skipped; `data: [DONE]` ends the stream.
struct ServerSentEventDecoder {
    /// What one `data:` line said.
    enum Event: Equatable {
        /// A chunk: its content (empty for a role-only or usage-only chunk) and usage, if any.
        case chunk(content: String, usage: Usage?)
        case done
        /// The server put an error object in the stream.
        case serverError(String)
        /// A payload that is not the JSON an OpenAI stream carries.
        case malformed(String)
    }

    struct Usage: Equatable {
        var promptTokens: Int?
        var completionTokens: Int?
        var cachedTokens: Int?
    }

    let chat: Bool
    private var pending: [UInt8] = []

    init(chat: Bool) { self.chat = chat }

    /// The events completed by `bytes`, in order.
    mutating func feed(_ bytes: Data) -> [Event] {
        var events: [Event] = []
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            for index in 0..<raw.count where raw[index] == UInt8(ascii: "\n") {
                pending.append(contentsOf: raw[start..<index])
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                if let event = decodeLine(pending) { events.append(event) }
                pending.removeAll(keepingCapacity: true)
                start = index + 1
            }
            pending.append(contentsOf: raw[start...])
        }
        return events
    }

    private func decodeLine(_ line: [UInt8]) -> Event? {
        guard line.count >= 5, line[0] == UInt8(ascii: "d"), line[1] == UInt8(ascii: "a"), line[2] == UInt8(ascii: "t"),
            line[3] == UInt8(ascii: "a"), line[4] == UInt8(ascii: ":")
        else { return nil }
        var payload = line[5...]
        while payload.first == UInt8(ascii: " ") { payload = payload.dropFirst() }
        if payload.elementsEqual("[DONE]".utf8) { return .done }
        // The common chunk without Foundation; anything the scanner cannot vouch for, as before.
        if let event = payload.withUnsafeBufferPointer({ StreamChunkScanner.chunk($0, chat: chat) }) { return event }
        return Self.decode(Data(payload), chat: chat)
    }

    /// Reads one JSON payload.
    static func decode(_ payload: Data, chat: Bool) -> Event {
        guard let object = try? JSONSerialization.jsonObject(with: payload), let root = object as? [String: Any] else {
            let text = String(decoding: payload.prefix(80), as: UTF8.self)
            return .malformed("a data line that is not a JSON object: \(text)")
        }
        if let error = root["error"] {
            let message = (error as? [String: Any])?["message"] as? String ?? String(describing: error)
            return .serverError(String(message.prefix(200)))
        }
        var usage: Usage?
        if let table = root["usage"] as? [String: Any] {
            let details = table["prompt_tokens_details"] as? [String: Any]
            usage = Usage(
                promptTokens: table["prompt_tokens"] as? Int, completionTokens: table["completion_tokens"] as? Int,
                cachedTokens: details?["cached_tokens"] as? Int)
        }
        guard let choices = root["choices"] as? [Any] else {
            if usage != nil { return .chunk(content: "", usage: usage) }
            return .malformed("a chunk with neither choices nor usage")
        }
        guard let first = choices.first as? [String: Any] else { return .chunk(content: "", usage: usage) }
        let content: String?
        if chat {
            content = (first["delta"] as? [String: Any])?["content"] as? String
        } else {
            content = first["text"] as? String
        }
        return .chunk(content: content ?? "", usage: usage)
    }
}
