import DiscreteEvent
import Foundation
import Serving

/// Why the client itself ended a request before the server did.
enum CancelReason: String, Sendable {
    case timeout
    case deadline
    case stopped
    case malformed = "malformed-stream"
}

/// One request in flight: what was asked, and every timestamp the stream gives, on the
/// monotonic clock. Touched by the transport's callbacks for this request (one at a time) and
/// by a cancel, hence the lock.
final class LiveRequest: @unchecked Sendable {
    let request: ServingRequest
    let promptWords: Int
    /// When the request was handed to the HTTP client (ns since the run's start).
    let sent: Int64
    /// How late that was against its scheduled arrival (open loop; 0 in closed loop).
    let lateness: Int64

    private let lock = NSLock()
    private var decoder: ServerSentEventDecoder
    private var status: Int?
    private var errorBody = Data()
    private var firstContent: Int64?
    private var lastContent: Int64?
    private var gaps: [Int64] = []
    private var contentChunks = 0
    private var usage = ServerSentEventDecoder.Usage()
    private var sawDone = false
    private var problem: Rejection?
    private(set) var cancelReason: CancelReason?

    init(request: ServingRequest, promptWords: Int, sent: Int64, lateness: Int64, chat: Bool) {
        self.request = request
        self.promptWords = promptWords
        self.sent = sent
        self.lateness = lateness
        decoder = ServerSentEventDecoder(chat: chat)
    }

    func received(status: Int) {
        lock.withLock { self.status = status }
    }

    /// Bytes of the body at `time`; false when the stream is malformed and should be cancelled.
    func received(_ data: Data, at time: Int64) -> Bool {
        lock.withLock {
            guard status == 200 else {
                if errorBody.count < 512 { errorBody.append(data.prefix(512 - errorBody.count)) }
                return true
            }
            for event in decoder.feed(data) {
                switch event {
                case .chunk(let content, let chunkUsage):
                    if let chunkUsage {
                        usage.promptTokens = chunkUsage.promptTokens ?? usage.promptTokens
                        usage.completionTokens = chunkUsage.completionTokens ?? usage.completionTokens
                        usage.cachedTokens = chunkUsage.cachedTokens ?? usage.cachedTokens
                    }
                    guard !content.isEmpty else { continue }
                    // One ITL per content chunk, as `vllm bench serve` records it: the chunk's
                    // tokens are not split (see docs/live.md).
                    if let last = lastContent { gaps.append(time - last) } else { firstContent = time }
                    lastContent = time
                    contentChunks += 1
                case .done:
                    sawDone = true
                case .serverError(let message):
                    problem = Rejection(code: "server-error", message: "the server put an error in the stream: \(message)")
                    return false
                case .malformed(let message):
                    problem = Rejection(code: CancelReason.malformed.rawValue, message: message)
                    cancelReason = .malformed
                    return false
                }
            }
            return true
        }
    }

    /// Marks the request as ended by the client; false if a reason was already set.
    func cancel(_ reason: CancelReason) -> Bool {
        lock.withLock {
            guard cancelReason == nil else { return false }
            cancelReason = reason
            return true
        }
    }

    /// What happened, once the transport says the request is over (`error` from the client).
    func outcome(at time: Int64, error: (any Error)?, timeout: SimDuration) -> LiveOutcome {
        lock.withLock {
            let rejection = rejectionLocked(error: error, timeout: timeout)
            let generated = usage.completionTokens ?? contentChunks
            let outcome = RequestOutcome(
                requestID: request.id, disposition: rejection.map { .rejected($0) } ?? .completed,
                arrival: SimTime(nanoseconds: sent), serviceStart: nil, firstToken: firstContent.map(SimTime.init(nanoseconds:)),
                finish: SimTime(nanoseconds: rejection == nil ? (lastContent ?? time) : time),
                inputTokens: usage.promptTokens ?? request.inputTokens, outputTokens: rejection == nil ? generated : contentChunks,
                cachedPrefixTokens: usage.cachedTokens ?? 0, prefixBlocks: 0, cachedPrefixBlocks: 0, origin: request.origin)
            return LiveOutcome(
                outcome: outcome, gaps: rejection == nil ? gaps : [], askedPromptTokens: request.inputTokens,
                promptWords: promptWords, actualPromptTokens: usage.promptTokens, askedOutputTokens: request.outputTokens,
                generatedTokens: rejection == nil ? generated : nil, lateness: lateness)
        }
    }

    private func rejectionLocked(error: (any Error)?, timeout: SimDuration) -> Rejection? {
        if let problem { return problem }
        switch cancelReason {
        case .timeout?:
            return Rejection(code: "timeout", message: "no complete response within timeout=\(timeout.seconds)s")
        case .deadline?:
            return Rejection(code: "deadline", message: "still streaming at the run's deadline; cancelled")
        case .stopped?:
            return Rejection(code: "stopped", message: "still streaming when the run was stopped; cancelled")
        case .malformed?, nil:
            break
        }
        if let status, status != 200 {
            let body = String(decoding: errorBody, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            return Rejection(code: "http-\(status)", message: "HTTP \(status) from the server: \(body.prefix(200))")
        }
        if let error = error as? CurlError {
            return Rejection(code: error.timedOut ? "timeout" : "connection-error", message: error.description)
        }
        if let error {
            let nsError = error as NSError
            let code = nsError.code == NSURLErrorTimedOut ? "timeout" : "connection-error"
            return Rejection(code: code, message: "\(nsError.localizedDescription) (\(nsError.domain) \(nsError.code))")
        }
        if status == nil { return Rejection(code: "connection-error", message: "no HTTP response") }
        guard contentChunks > 0 else {
            return Rejection(code: "no-output", message: "the stream ended without any content chunk")
        }
        guard sawDone else {
            return Rejection(code: "truncated-stream", message: "the stream ended without data: [DONE]")
        }
        return nil
    }
}

/// A finished request: its outcome for the metrics, its chunk gaps, and what was asked of the
/// server against what it did.
struct LiveOutcome: Sendable {
    var outcome: RequestOutcome
    var gaps: [Int64]
    var askedPromptTokens: Int
    var promptWords: Int
    var actualPromptTokens: Int?
    var askedOutputTokens: Int
    var generatedTokens: Int?
    var lateness: Int64
}
