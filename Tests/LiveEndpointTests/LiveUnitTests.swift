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
