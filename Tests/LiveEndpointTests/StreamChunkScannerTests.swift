import Foundation
import Testing

@testable import LiveEndpoint

/// The chunk scanner answers only where its answer is `JSONSerialization`'s.
struct StreamChunkScannerTests {
    /// Chunks as servers send them (vLLM, SGLang, llama.cpp, OpenAI), completions and chat.
    static let completions = [
        #"{"id":"cmpl-1","object":"text_completion","created":1733580000,"model":"m","choices":[{"index":0,"text":" Hello","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}"#,
        #"{"id":"cmpl-1","object":"text_completion","created":1733580000,"model":"m","choices":[],"usage":{"prompt_tokens":200,"total_tokens":220,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":128}}}"#,
        #"{"id":"x","object":"chunk","choices":[{"index":0,"text":" tok","finish_reason":null}]}"#,
        #" { "choices" : [ { "index" : 0 , "text" : "" , "finish_reason" : "length" } ] , "usage" : { "prompt_tokens" : 7 } } "#,
        #"{"choices":[{"index":0,"text":" a","logprobs":{"tokens":[" a"],"token_logprobs":[-0.25],"top_logprobs":[{" a":-0.25,"b":-1.5e3}]}}]}"#,
        #"{"choices":[{"text":null}],"usage":{"prompt_tokens":3,"completion_tokens":0,"prompt_tokens_details":null}}"#,
    ]
    static let chat = [
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1,"id":"chatcmpl-x","model":"m","system_fingerprint":"b1-x","object":"chat.completion.chunk","timings":{"prompt_n":5,"prompt_ms":1.25,"predicted_per_second":91.5}}"#,
        #"{"id":"c","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":64,"total_tokens":76}}"#,
        #"{"choices":[{"delta":{"content":null,"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}"#,
    ]
    /// Payloads the scanner must leave to `JSONSerialization`.
    static let declined = [
        #"{"error":{"message":"overloaded","code":503}}"#, #"{"choices":[{"text":"caf\u00e9"}]}"#, #"{"choices":[{"text":"café"}]}"#,
        #"{"choices":[{"text":"a"}],"usage":{"prompt_tokens":5.0}}"#, #"{"choices":[{"text":"a"},"#, #"{oops"#, #"[1,2]"#,
        #"{"choices":{"text":"a"}}"#, #"{"choices":[{"text":"a","text":"b"}]}"#, #"{"id":"x"}"#, "",
    ]

    static func slow(_ payload: String, chat: Bool) -> ServerSentEventDecoder.Event {
        ServerSentEventDecoder.decode(Data(payload.utf8), chat: chat)
    }

    static func fast(_ payload: String, chat: Bool) -> ServerSentEventDecoder.Event? {
        Array(payload.utf8).withUnsafeBufferPointer { StreamChunkScanner.chunk($0, chat: chat) }
    }

    @Test func theServersChunksAreReadAsFoundationReadsThem() throws {
        for (payloads, chat) in [(Self.completions, false), (Self.chat, true)] {
            for payload in payloads {
                let fast = try #require(Self.fast(payload, chat: chat), "declined: \(payload)")
                #expect(fast == Self.slow(payload, chat: chat), "\(payload)")
            }
        }
        // Spot checks of what was read, not only that both agree.
        #expect(Self.fast(Self.completions[0], chat: false) == .chunk(content: " Hello", usage: nil))
        #expect(
            Self.fast(Self.completions[1], chat: false)
                == .chunk(content: "", usage: .init(promptTokens: 200, completionTokens: 20, cachedTokens: 128)))
        #expect(Self.fast(Self.chat[1], chat: true) == .chunk(content: " world", usage: nil))
    }

    @Test func whatItCannotVouchForIsLeftToFoundation() {
        for payload in Self.declined {
            #expect(Self.fast(payload, chat: false) == nil, "\(payload)")
        }
    }

    /// Thousands of mutated chunks (bytes inserted, removed, replaced from JSON's alphabet):
    /// wherever the scanner answers, `JSONSerialization` answers the same.
    @Test func mutatedChunksNeverDisagree() {
        // CMBENCH_FUZZ_SEED=N runs the same search from another seed (a longer local search).
        var state: UInt64 = UInt64(ProcessInfo.processInfo.environment["CMBENCH_FUZZ_SEED"] ?? "") ?? 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array(#"{}[],:" 0123456789.-eEtrufalsn\x"#.utf8)
        var answered = 0, total = 0
        for (payloads, chat) in [(Self.completions, false), (Self.chat, true)] {
            for payload in payloads {
                for _ in 0..<2_000 {
                    var bytes = Array(payload.utf8)
                    for _ in 0..<(1 + next(3)) {
                        let at = next(bytes.count + 1)
                        switch next(3) {
                        case 0: bytes.insert(alphabet[next(alphabet.count)], at: at)
                        case 1: if at < bytes.count { bytes.remove(at: at) }
                        default: if at < bytes.count { bytes[at] = alphabet[next(alphabet.count)] }
                        }
                    }
                    total += 1
                    guard let fast = bytes.withUnsafeBufferPointer({ StreamChunkScanner.chunk($0, chat: chat) }) else { continue }
                    answered += 1
                    let slow = ServerSentEventDecoder.decode(Data(bytes), chat: chat)
                    #expect(fast == slow, "\(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
        // The mutations must leave some chunks the scanner reads, or the test would hold nothing.
        #expect(answered > total / 20, "the scanner answered \(answered) of \(total)")
    }
}
