import ServingMetrics

/// What a live run measured beyond the replay's metrics: how punctual the sender was, how close
/// the prompts and outputs came to the trace's lengths, and how the prompts were sized.
public struct LiveReport: Sendable, Encodable {
    public var statistics: LiveStatistics
    /// How prompts were sized: `server /tokenize`, `server /extras/tokenize`, or calibration.
    public var tokenizer: String
    public var scale: PromptScale
    public var wallSeconds: Double
    /// The run's `deadline=` passed before it finished (in-flight requests were cancelled).
    public var deadlineReached: Bool

    /// How ITL is measured; said in every output so the number is not misread.
    public static let itlRule =
        "one ITL sample per content chunk (the gap since the previous chunk), as vllm bench serve records it; a chunk's tokens are not split"
    public static let notObservable = [
        "queueing (the server does not say when a request started service)",
        "prefix-cache hits, unless the server reports usage.prompt_tokens_details.cached_tokens",
    ]

    enum CodingKeys: String, CodingKey {
        case tokenizer, scale, statistics
        case wallSeconds = "wall_s"
        case deadlineReached = "deadline_reached"
        case itlRule = "itl_rule"
        case notObservable = "not_observable"
        case tokensPerWord = "tokens_per_word"
        case overheadTokens = "prompt_overhead_tokens"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokenizer, forKey: .tokenizer)
        try container.encode(scale.tokensPerWord, forKey: .tokensPerWord)
        try container.encode(scale.overheadTokens, forKey: .overheadTokens)
        try container.encode(wallSeconds, forKey: .wallSeconds)
        try container.encode(deadlineReached, forKey: .deadlineReached)
        try container.encode(Self.itlRule, forKey: .itlRule)
        try container.encode(Self.notObservable, forKey: .notObservable)
        try statistics.encode(to: encoder)
    }

    /// The report's lines, for the text output.
    public var lines: [String] {
        let s = statistics
        func ms(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
        func number(_ value: Double?, _ digits: Int = 1) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        var lines = [
            "sending         \(s.sent) sent; \(s.lateSends) late by more than 1 ms (lateness p50 \(ms(s.lateness.quantile(0.5).map { $0 / 1e6 })) ms, "
                + "p99 \(ms(s.lateness.quantile(0.99).map { $0 / 1e6 })) ms, max \(ms(s.sent > 0 ? s.lateness.maximum / 1e6 : nil)) ms)",
            "prompt tokens   asked mean \(number(s.askedPromptMean)), server counted mean \(number(s.actualPromptMean)) "
                + "(\(s.promptCounted) requests with usage): error mean \(number(s.promptErrorMean, 2)), mean |error| \(number(s.promptAbsErrorMean, 2)), "
                + "max |error| \(s.promptCounted > 0 ? String(s.promptAbsErrorMax) : "n/a")",
            "                sized by \(tokenizer): \(String(format: "%.4f", scale.tokensPerWord)) tokens/word + \(String(format: "%.1f", scale.overheadTokens)) tokens",
            "output tokens   asked \(s.askedOutputTotal), generated \(s.generatedTotal) over \(s.outputCounted) completed requests; "
                + "\(s.shortOutputs) short, \(s.longOutputs) long, max |error| \(s.outputAbsErrorMax)",
            "ITL             \(Self.itlRule)",
            "not observable  " + Self.notObservable.joined(separator: "; "),
        ]
        if s.cancelledInFlight > 0 || deadlineReached {
            lines.append("cancelled       \(s.cancelledInFlight) in flight at the end\(deadlineReached ? " (deadline reached)" : "")")
        }
        lines.append("wall time       \(String(format: "%.3f", wallSeconds)) s")
        return lines
    }
}

/// Counts and sums over the finished requests of a live run.
public struct LiveStatistics: Sendable, Encodable {
    public var sent = 0
    public var lateSends = 0
    /// Send lateness (ns) against the scheduled arrival (open loop).
    public var lateness = QuantileSketch()
    public var promptCounted = 0
    public var askedPromptTotal = 0
    public var actualPromptTotal = 0
    public var promptAbsErrorTotal = 0
    public var promptErrorTotal = 0
    public var promptAbsErrorMax = 0
    public var outputCounted = 0
    public var askedOutputTotal = 0
    public var generatedTotal = 0
    public var shortOutputs = 0
    public var longOutputs = 0
    public var outputAbsErrorMax = 0
    public var cancelledInFlight = 0

    public init() {}

    mutating func add(_ finished: LiveOutcome) {
        sent += 1
        lateness.add(Double(finished.lateness))
        if finished.lateness > 1_000_000 { lateSends += 1 }
        if let actual = finished.actualPromptTokens {
            let error = actual - finished.askedPromptTokens
            promptCounted += 1
            askedPromptTotal += finished.askedPromptTokens
            actualPromptTotal += actual
            promptErrorTotal += error
            promptAbsErrorTotal += abs(error)
            promptAbsErrorMax = max(promptAbsErrorMax, abs(error))
        }
        if let generated = finished.generatedTokens {
            outputCounted += 1
            askedOutputTotal += finished.askedOutputTokens
            generatedTotal += generated
            if generated < finished.askedOutputTokens { shortOutputs += 1 }
            if generated > finished.askedOutputTokens { longOutputs += 1 }
            outputAbsErrorMax = max(outputAbsErrorMax, abs(generated - finished.askedOutputTokens))
        }
    }

    var askedPromptMean: Double? { promptCounted > 0 ? Double(askedPromptTotal) / Double(promptCounted) : nil }
    var actualPromptMean: Double? { promptCounted > 0 ? Double(actualPromptTotal) / Double(promptCounted) : nil }
    var promptErrorMean: Double? { promptCounted > 0 ? Double(promptErrorTotal) / Double(promptCounted) : nil }
    var promptAbsErrorMean: Double? { promptCounted > 0 ? Double(promptAbsErrorTotal) / Double(promptCounted) : nil }

    enum CodingKeys: String, CodingKey {
        case requestsSent = "requests_sent"
        case lateSends = "late_sends"
        case latenessMs = "send_lateness_ms"
        case prompt = "prompt_tokens"
        case output = "output_tokens"
        case cancelled = "cancelled_in_flight"
    }

    enum LatenessKeys: String, CodingKey { case p50, p99, max }
    enum PromptKeys: String, CodingKey {
        case requestsWithUsage = "requests_with_usage"
        case askedMean = "asked_mean"
        case actualMean = "actual_mean"
        case errorMean = "error_mean"
        case absErrorMean = "abs_error_mean"
        case absErrorMax = "abs_error_max"
    }
    enum OutputKeys: String, CodingKey {
        case completed = "requests_completed"
        case asked = "asked_total"
        case generated = "generated_total"
        case short = "requests_short"
        case long = "requests_long"
        case absErrorMax = "abs_error_max"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sent, forKey: .requestsSent)
        try container.encode(lateSends, forKey: .lateSends)
        var lateness = container.nestedContainer(keyedBy: LatenessKeys.self, forKey: .latenessMs)
        try lateness.encode(self.lateness.quantile(0.5).map { $0 / 1e6 }, forKey: .p50)
        try lateness.encode(self.lateness.quantile(0.99).map { $0 / 1e6 }, forKey: .p99)
        try lateness.encode(sent > 0 ? self.lateness.maximum / 1e6 : nil, forKey: .max)
        var prompt = container.nestedContainer(keyedBy: PromptKeys.self, forKey: .prompt)
        try prompt.encode(promptCounted, forKey: .requestsWithUsage)
        try prompt.encode(askedPromptMean, forKey: .askedMean)
        try prompt.encode(actualPromptMean, forKey: .actualMean)
        try prompt.encode(promptErrorMean, forKey: .errorMean)
        try prompt.encode(promptAbsErrorMean, forKey: .absErrorMean)
        try prompt.encode(promptCounted > 0 ? promptAbsErrorMax : nil, forKey: .absErrorMax)
        var output = container.nestedContainer(keyedBy: OutputKeys.self, forKey: .output)
        try output.encode(outputCounted, forKey: .completed)
        try output.encode(askedOutputTotal, forKey: .asked)
        try output.encode(generatedTotal, forKey: .generated)
        try output.encode(shortOutputs, forKey: .short)
        try output.encode(longOutputs, forKey: .long)
        try output.encode(outputAbsErrorMax, forKey: .absErrorMax)
        try container.encode(cancelledInFlight, forKey: .cancelled)
    }
}
