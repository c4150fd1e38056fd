import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Asks the server how many tokens a text is, through whichever tokenizer endpoint it offers:
/// `POST /tokenize` (vLLM: `{"model", "prompt"}`; llama.cpp's own server: `{"content"}`; both
/// answer `{"tokens": [...]}`, vLLM with `count` too) or llama-cpp-python's
/// `POST /extras/tokenize` (`{"input"}` → `{"tokens": [...]}`).
struct TokenizerProbe {
    let root: URL
    let model: String
    let headers: [String: String]
    let timeout: Double

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

    private func post(_ url: URL, body: [String: Any]) -> Data? {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = try? JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let result = Mutex<Data?>(nil)
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        session.dataTask(with: request) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200 { result.withLock { $0 = data } }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + timeout + 1)
        session.invalidateAndCancel()
        return result.withLock { $0 }
    }
}
