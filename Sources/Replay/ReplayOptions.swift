import DiscreteEvent

/// How a replay times and selects requests; the defaults replay the trace as recorded.
public struct ReplayOptions: Sendable, Equatable {
    /// When each request reaches the backend.
    public enum Timing: Sendable, Equatable {
        /// At its recorded arrival (minus the window start).
        case recorded
        /// At its recorded arrival divided by `factor` (2 replays twice as fast).
        case speed(Double)
        /// Recorded lengths, arrivals re-drawn from `process` with the run's seed; the first
        /// request arrives one gap after time zero.
        case rate(ArrivalProcess)
        /// Closed loop: `concurrency` requests in flight from time zero; each time one finishes
        /// or is rejected the next request from the source starts at that instant (its recorded
        /// arrival ignored). How fixed-batch experiments are run.
        case closedLoop(concurrency: Int)
        /// Offline: every request arrives at time zero, the whole workload queued at once (its
        /// recorded arrivals ignored); throughput is then output tokens over the makespan, as
        /// `trtllm-bench throughput` and vLLM's offline `benchmark_throughput` report it. The
        /// backend holds the queue, so its memory grows with the workload.
        case offline
    }

    public var timing: Timing
    /// Stop after this many requests have been admitted (after window filtering).
    public var maxRequests: Int?
    /// Requests whose recorded arrival is before this are skipped (and counted); arrivals are
    /// re-based so the window starts at time zero.
    public var windowStart: SimTime
    /// With a value, requests recorded at or after `windowStart + windowDuration` end the
    /// replay (the source is sorted, so nothing later can be in the window). The window must end
    /// within the limit of simulated time (`SimTime.limit`).
    public var windowDuration: SimDuration?
    /// The run's seed; the replayer draws arrivals from `split("replay.arrivals")` of it.
    public var seed: UInt64
    /// Events between calls of the progress closure (cancellation is checked there too).
    public var progressInterval: Int

    public init(
        timing: Timing = .recorded, maxRequests: Int? = nil, windowStart: SimTime = .zero,
        windowDuration: SimDuration? = nil, seed: UInt64 = 0, progressInterval: Int = 4096
    ) {
        self.timing = timing
        self.maxRequests = maxRequests
        self.windowStart = windowStart
        self.windowDuration = windowDuration
        self.seed = seed
        self.progressInterval = progressInterval
    }

    /// Throws a sentence naming the first option out of range, for the command line to show.
    public func validate() throws(ReplayOptionsError) {
        switch timing {
        case .recorded, .offline:
            break
        case .speed(let factor):
            guard factor.isFinite && factor > 0 else { throw ReplayOptionsError("speed must be a positive number, got \(factor)") }
        case .rate(let process):
            if let problem = process.problem { throw ReplayOptionsError(problem) }
        case .closedLoop(let concurrency):
            guard concurrency > 0 else { throw ReplayOptionsError("concurrency must be positive, got \(concurrency)") }
        }
        if let limit = maxRequests, limit < 0 { throw ReplayOptionsError("max requests must not be negative, got \(limit)") }
        if windowStart < .zero { throw ReplayOptionsError("the window start must not be negative, got \(windowStart)") }
        if let duration = windowDuration, duration < .zero {
            throw ReplayOptionsError("the window duration must not be negative, got \(duration)")
        }
        let limit = "the limit of simulated time, \(SimTime.limitDescription)"
        if windowStart > .limit { throw ReplayOptionsError("the window start \(windowStart) exceeds \(limit)") }
        if let duration = windowDuration {
            if duration > .limit { throw ReplayOptionsError("the window duration \(duration) exceeds \(limit)") }
            if windowStart + duration > .limit {
                throw ReplayOptionsError("the window's end, \(windowStart) + \(duration), exceeds \(limit)")
            }
        }
        guard progressInterval > 0 else { throw ReplayOptionsError("the progress interval must be positive, got \(progressInterval)") }
    }
}

/// A replay option out of range; `message` says which and what is accepted.
public struct ReplayOptionsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
