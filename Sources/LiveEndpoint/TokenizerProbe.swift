import CCurl
import Foundation

/// Asks the server how many tokens a text is, through whichever tokenizer endpoint it offers:
/// `POST /tokenize` (vLLM: `{"model", "prompt"}`; llama.cpp's own server: `{"content"}`; both
/// answer `{"tokens": [...]}`, vLLM with `count` too) or llama-cpp-python's
/// `POST /extras/tokenize` (`{"input"}` → `{"tokens": [...]}`).
struct TokenizerProbe {
    let root: URL
    let model: String
    let headers: [String: String]
    let timeout: Double
    /// The PEM bundle of certificate authorities to trust (`ca_file`); nil, the system's.
    var certificateAuthorities: String? = nil

    /// The endpoint's path and the scale measured on two sample prompts; nil when the server
    /// offers no tokenizer endpoint.
    func measure(seed: UInt64) -> (endpoint: String, scale: PromptScale)? {
        let short = SyntheticPrompt.words(64, stream: seed ^ 0xA11CE)
        let long = SyntheticPrompt.words(512, stream: seed ^ 0xB0B)
        for path in ["tokenize", "extras/tokenize"] {
            guard let a = count(short, path: path), let b = count(long, path: path),
                let scale = PromptScale.fitted([(64, a), (512, b)])
            else { continue }
            return ("/" + path, scale)
        }
        return nil
    }

    private func count(_ text: String, path: String) -> Int? {
        let body: [String: Any] = path == "tokenize" ? ["model": model, "prompt": text, "content": text] : ["input": text]
        guard let data = post(root.appendingPathComponent(path), body: body),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        if let count = object["count"] as? Int { return count }
        return (object["tokens"] as? [Any])?.count
    }

    /// One blocking POST through libcurl's easy interface, as the run's requests go (the same
    /// certificate authorities); the body when the answer is 200, else nil.
    private func post(_ url: URL, body: [String: Any]) -> Data? {
        guard let json = try? JSONSerialization.data(withJSONObject: body) else { return nil }
        CurlTransport.globalInit
        guard let easy = curl_easy_init() else { return nil }
        defer { curl_easy_cleanup(easy) }
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        let received = ResponseBuffer()
        let status: CURLcode = json.withUnsafeBytes { bytes in
            url.absoluteString.withCString { _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_URL, $0) }
            _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, bytes.baseAddress)
            _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, bytes.count)
            _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)
            _ = cmbench_curl_easy_setopt_write(easy, CURLOPT_WRITEFUNCTION, ResponseBuffer.write)
            _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(received).toOpaque())
            _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
            _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
            CurlTransport.trust(certificateAuthorities, on: easy)
            return curl_easy_perform(easy)
        }
        guard status == CURLE_OK, cmbench_curl_easy_response_code(easy) == 200 else { return nil }
        return received.data
    }

    /// The body of one answer, as libcurl hands it over (capped: a tokenizer's answer is small).
    private final class ResponseBuffer {
        var data = Data()
        static let limit = 16 << 20

        static let write: cmbench_curl_write_callback = { pointer, size, count, context in
            let bytes = size * count
            guard let pointer, let context else { return bytes }
            let buffer = Unmanaged<ResponseBuffer>.fromOpaque(context).takeUnretainedValue()
            // A different count than given makes libcurl abort the transfer.
            guard buffer.data.count + bytes <= limit else { return 0 }
            buffer.data.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: bytes)
            return bytes
        }
    }
}
