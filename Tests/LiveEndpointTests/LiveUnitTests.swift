import DiscreteEvent
import Foundation
import Serving
import Testing

@testable import LiveEndpoint

/// The parts that need no server: the event-stream decoder, prompts, the fit, the settings.
struct LiveUnitTests {
    static let stream = Data(
        (#"data: {"choices":[{"index":0,"text":" a"}]}"# + "\n\n" + ": ping\n\n"
            + #"data: {"choices":[{"index":0,"text":" b c"}]}"# + "\r\n\r\n"
            + #"data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}"# + "\n\n" + "data: [DONE]\n\n").utf8)

    @Test(arguments: [1, 7, 1_000_000])
    func decoderGivesTheSameEventsWhateverThePieces(pieceSize: Int) {
        var decoder = ServerSentEventDecoder(chat: false)
        var events: [ServerSentEventDecoder.Event] = []
        var offset = 0
        while offset < Self.stream.count {
            let end = min(offset + pieceSize, Self.stream.count)
            events += decoder.feed(Self.stream.subdata(in: offset..<end))
            offset = end
        }
        #expect(
            events == [
                .chunk(content: " a", usage: nil), .chunk(content: " b c", usage: nil),
                .chunk(content: "", usage: .init(promptTokens: 5, completionTokens: 3, cachedTokens: nil)), .done,
            ])
    }

    @Test func decoderReportsMalformedAndServerErrors() {
        var decoder = ServerSentEventDecoder(chat: true)
        let events = decoder.feed(Data("data: {oops\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n".utf8))
        #expect(events.count == 2)
        guard case .malformed = events[0] else { Issue.record("expected malformed, got \(events[0])"); return }
        #expect(events[1] == .serverError("overloaded"))
    }

    /// The body writer gives JSONSerialization's bytes (sorted keys, its escapes) for every
    /// endpoint and option, prompts with every character class a JSON string escapes, and a
    /// model name with slashes and quotes.
    @Test(arguments: [false, true])
    func requestBodiesAreJSONSerializationsBytes(chat: Bool) throws {
        let prompts = [
            "alpha beta gamma", "", "quote \" backslash \\ slash / tab \t newline \n return \r",
            "control \u{01}\u{08}\u{0C}\u{1F} del \u{7F} unicode é 中文 🙂",
        ]
        for prompt in prompts {
            for minTokens in [false, true] {
                for maxTokens in [1, 64, 123_456] {
                    let model = "org/model \"q\" v1.0"
                    var object: [String: Any] = [
                        "model": model, "max_tokens": maxTokens, "stream": true, "stream_options": ["include_usage": true],
                        "ignore_eos": true, "temperature": 0,
                    ]
                    if minTokens { object["min_tokens"] = maxTokens }
                    if chat { object["messages"] = [["role": "user", "content": prompt]] } else { object["prompt"] = prompt }
                    let expected = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    let written = CompletionRequestBody(
                        model: model, prompt: prompt, chat: chat, maxTokens: maxTokens, sendsMinTokens: minTokens
                    ).data
                    #expect(
                        written == expected,
                        "\(String(decoding: written, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
                }
            }
        }
    }

    /// X-Request-Id: a UUID servers accept, whose last 48 bits are the trace request's id.
    @Test func requestIdentifiersAreUUIDsCarryingTheID() {
        #expect(LiveReplayer.requestIdentifier(42) == "00000000-0000-4000-8000-00000000002a")
        #expect(LiveReplayer.requestIdentifier(0) == "00000000-0000-4000-8000-000000000000")
        #expect(LiveReplayer.requestIdentifier(0xABC_DEF0_1234) == "00000000-0000-4000-8000-0abcdef01234")
        #expect(LiveReplayer.requestIdentifier(1 << 48 | 7) == "00000000-0000-4000-8000-000000000007")
        for id in [0, 42, 123_456_789, 0xFFFF_FFFF_FFFF] {
            #expect(UUID(uuidString: LiveReplayer.requestIdentifier(id)) != nil)
        }
    }

    /// The descriptor table is grown before the clock starts, to room for every connection
    /// (`FDSize` in /proc/self/status is the table's size), and the soft limit raised to match
    /// where the hard limit allows.
    @Test func theDescriptorTableHasRoomForEveryConnection() throws {
        func fdSize() throws -> Int {
            let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("FDSize:") })
            return try #require(Int(line.dropFirst("FDSize:".count).trimmingCharacters(in: .whitespaces)))
        }
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let connections = 3_000
        let wanted = connections + 64
        CurlTransport.reserveDescriptors(forConnections: connections)
        var after = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &after)
        let reachable = limit.rlim_max == rlim_t.max ? wanted : min(wanted, Int(limit.rlim_max))
        #expect(after.rlim_cur == rlim_t.max || Int(after.rlim_cur) >= reachable)
        #expect(try fdSize() >= reachable)
    }

    @Test func promptsShareLeadingTextBlockByBlock() {
        let prompts = SyntheticPrompt(seed: 7)
        let origin = InputLocation(file: "t", line: 1)
        let a = ServingRequest(id: 0, arrival: .zero, inputTokens: 300, outputTokens: 1, prefixBlockHashes: [1, 2, 3], prefixBlockTokens: 100, origin: origin)
        let b = ServingRequest(id: 1, arrival: .zero, inputTokens: 300, outputTokens: 1, prefixBlockHashes: [1, 2, 9], prefixBlockTokens: 100, origin: origin)
        let c = ServingRequest(id: 2, arrival: .zero, inputTokens: 300, outputTokens: 1, origin: origin)
        let scale = PromptScale(tokensPerWord: 1.25, overheadTokens: 1)
        let (ta, wa) = prompts.text(for: a, scale: scale)
        let (tb, _) = prompts.text(for: b, scale: scale)
        let (tc, _) = prompts.text(for: c, scale: scale)
        #expect(wa == Int((299 / 1.25).rounded()))
        #expect(ta.split(separator: " ").count == wa)
        let wordsA = ta.split(separator: " "), wordsB = tb.split(separator: " ")
        #expect(wordsA.prefix(160) == wordsB.prefix(160), "two shared blocks of 80 words each")
        #expect(wordsA.suffix(60) != wordsB.suffix(60))
        #expect(tc.split(separator: " ").prefix(20) != wordsA.prefix(20))
        #expect(prompts.text(for: a, scale: scale).text == ta, "deterministic")
        #expect(SyntheticPrompt(seed: 8).text(for: a, scale: scale).text != ta, "seeded")
    }

    @Test func fitRecoversARatioAndAnOverhead() {
        let scale = PromptScale.fitted([(100, 131), (400, 521), (250, 326)])
        #expect(abs(scale!.tokensPerWord - 1.3) < 1e-9)
        #expect(abs(scale!.overheadTokens - 1) < 1e-9)
        #expect(PromptScale.fitted([(10, 20), (10, 20)]) == PromptScale(tokensPerWord: 2, overheadTokens: 0))
        #expect(PromptScale.fitted([]) == nil)
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/v1", "unix:/tmp/socket", "127.0.0.1:8000/v1", "http://user:secret@host/v1"])
    func aURLThatIsNotHTTPIsRefused(url: String) {
        var parameters = BackendParameters(BackendConfiguration(backend: "openai", parameters: [.init("url", url), .init("model", "m")]))
        #expect(throws: BackendConfigurationError.self) { try LiveEndpointSettings(reading: &parameters) }
    }

    @Test func settingsNeverDescribeTheKey() throws {
        var parameters = BackendParameters(
            BackendConfiguration(
                backend: "openai",
                parameters: [.init("url", "https://example.com/v1"), .init("model", "m"), .init("api_key_env", "MY_KEY")]))
        let settings = try LiveEndpointSettings(reading: &parameters)
        #expect(settings.described.contains(.init("api_key_env", "MY_KEY")))
        #expect(settings.serverRoot.absoluteString == "https://example.com/")
        #expect(settings.requestURL.absoluteString == "https://example.com/v1/completions")
    }

    @Test func theClientIsCurlUnlessAskedAndNothingElse() throws {
        func client(_ extra: [BackendConfiguration.Parameter]) throws -> LiveEndpointSettings.Client {
            var parameters = BackendParameters(
                BackendConfiguration(backend: "openai", parameters: [.init("url", "http://127.0.0.1:1/v1"), .init("model", "m")] + extra))
            return try LiveEndpointSettings(reading: &parameters).client
        }
        #expect(try client([]) == .curl)
        #expect(try client([.init("client", "urlsession")]) == .urlsession)
        #expect(throws: BackendConfigurationError.self) { try client([.init("client", "hyper")]) }
    }
}
