import DiscreteEvent

/// A deterministic backend with a constant time to first token and time per output token.
///
/// A request that starts service at `s` with `k ≥ 1` output tokens has its first token at
/// `s + ttft` and completes at `s + ttft + (k − 1)·tpot`, reporting `k − 1` gaps of `tpot`;
/// with `k = 0` it completes at `s + ttft` with no first token. With `maxConcurrency` set, at
/// most that many requests are in service and the rest wait in a FIFO queue (so queueing delay
/// is exercised); by default concurrency is unlimited and `s` is the arrival. Requests with more
/// than `maxInputTokens` prompt tokens are rejected with code `prompt-too-long`.
///
/// It is a test double and a reference point, not a model of any hardware: its defaults are
/// arbitrary round numbers. It backs the tests, the examples and `--backend fixed`.
public struct FixedLatencyBackend: ServingBackend {
    public struct Configuration: Sendable, Hashable {
        public var timeToFirstToken: SimDuration
        public var timePerOutputToken: SimDuration
        /// Requests in service at once; nil for unlimited.
        public var maxConcurrency: Int?
        /// Longest prompt accepted; nil for no limit.
        public var maxInputTokens: Int?

        public init(
            timeToFirstToken: SimDuration = .milliseconds(100), timePerOutputToken: SimDuration = .milliseconds(20),
            maxConcurrency: Int? = nil, maxInputTokens: Int? = nil
        ) {
            precondition(maxConcurrency.map { $0 > 0 } ?? true, "maxConcurrency must be positive, got \(maxConcurrency!)")
            self.timeToFirstToken = timeToFirstToken
            self.timePerOutputToken = timePerOutputToken
            self.maxConcurrency = maxConcurrency
            self.maxInputTokens = maxInputTokens
        }
    }

    /// A request in service finishes; `slot` indexes `inService`.
    public enum Event { case finish(slot: Int) }

    private struct InService {
        var request: ServingRequest
        var serviceStart: SimTime
    }

    public let configuration: Configuration
    private var inService: ContiguousArray<InService?> = []
    private var freeSlots: [Int] = []
    private var busy = 0
    private var waiting = FIFOQueue<ServingRequest>()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var descriptor: BackendDescriptor {
        var entries: [BackendDescriptor.ConfigurationEntry] = [
            .init("ttft", configuration.timeToFirstToken.description),
            .init("tpot", configuration.timePerOutputToken.description),
        ]
        if let limit = configuration.maxConcurrency { entries.append(.init("max_concurrency", "\(limit)")) }
        if let limit = configuration.maxInputTokens { entries.append(.init("max_input_tokens", "\(limit)")) }
        return BackendDescriptor(name: "fixed", configuration: entries)
    }

    /// Requests in service now (not counting those waiting).
    public var requestsInService: Int { busy }
    /// Requests waiting for a free slot.
    public var requestsWaiting: Int { waiting.count }

    public mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>) {
        if let limit = configuration.maxInputTokens, request.inputTokens > limit {
            let rejection = Rejection(
                code: "prompt-too-long",
                message: "prompt of \(request.inputTokens) tokens exceeds max_input_tokens \(limit)")
            context.report(.rejected(request, at: context.now, rejection))
            return
        }
        if let limit = configuration.maxConcurrency, busy >= limit {
            waiting.append(request)
        } else {
            start(request, in: &context)
        }
    }

    public mutating func handle(_ event: Event, in context: inout ServingContext<Event>) {
        switch event {
        case .finish(let slot):
            guard let entry = inService[slot] else { preconditionFailure("slot \(slot) finished twice") }
            inService[slot] = nil
            freeSlots.append(slot)
            busy -= 1
            complete(entry, in: &context)
            if let next = waiting.popFirst() { start(next, in: &context) }
        }
    }

    private mutating func start(_ request: ServingRequest, in context: inout ServingContext<Event>) {
        let entry = InService(request: request, serviceStart: context.now)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            inService[slot] = entry
        } else {
            slot = inService.count
            inService.append(entry)
        }
        busy += 1
        let decodeSteps = Int64(max(request.outputTokens - 1, 0))
        context.schedule(
            .finish(slot: slot), after: configuration.timeToFirstToken + configuration.timePerOutputToken * decodeSteps)
    }

    private func complete(_ entry: InService, in context: inout ServingContext<Event>) {
        let request = entry.request
        let firstToken = request.outputTokens > 0 ? entry.serviceStart + configuration.timeToFirstToken : nil
        context.report(
            RequestOutcome(
                requestID: request.id, disposition: .completed, arrival: request.arrival,
                serviceStart: entry.serviceStart, firstToken: firstToken, finish: context.now,
                inputTokens: request.inputTokens, outputTokens: request.outputTokens, cachedPrefixTokens: 0, prefixBlocks: request.prefixBlockHashes.count,
                origin: request.origin))
        context.reportInterTokenGaps(configuration.timePerOutputToken, count: request.outputTokens - 1)
    }
}
