import DiscreteEvent
import Serving

/// Pulls requests from a source one at a time, applies the window and the request limit, and
/// re-times each according to `ReplayOptions.Timing`.
///
/// Holds nothing but counters and the arrival generator, so memory does not grow with the
/// trace. In closed loop the arrival it returns is a placeholder the replayer overwrites with
/// the admission instant. Public for drivers other than the `Replayer` (the live `openai`
/// backend sends requests on the wall clock with the same selection and re-timing).
public struct ArrivalFeed {
    @usableFromInline let timing: ReplayOptions.Timing
    @usableFromInline let windowStart: SimTime
    @usableFromInline let windowEnd: SimTime?
    @usableFromInline let maxRequests: Int?
    @usableFromInline var generator: SeededGenerator
    /// The previous re-timed arrival (rate mode draws gaps from it).
    @usableFromInline var previousArrival: SimTime = .zero
    /// The previous recorded arrival, to check the source's ordering contract.
    @usableFromInline var previousRecorded: SimTime = SimTime(nanoseconds: .min)
    @usableFromInline var accepted = 0
    public var skippedBeforeWindow = 0
    /// Why the feed stopped before the source ran dry, if it did.
    public var cutOff: ReplayReport.Ending?

    public init(options: ReplayOptions) {
        timing = options.timing
        windowStart = options.windowStart
        windowEnd = options.windowDuration.map { options.windowStart + $0 }
        maxRequests = options.maxRequests
        generator = SeededGenerator(seed: options.seed).split("replay.arrivals")
    }

    /// The next request to admit, re-timed; nil when the source, the window or the limit is done.
    @inlinable public mutating func next<Source: RequestSource>(from source: inout Source) throws(Source.Failure) -> ServingRequest? {
        guard cutOff == nil else { return nil }
        if let limit = maxRequests, accepted >= limit {
            cutOff = .maxRequestsReached
            return nil
        }
        while var request = try source.next() {
            precondition(
                request.arrival >= previousRecorded,
                "RequestSource out of order: request \(request.id) (\(request.origin)) arrives at \(request.arrival), "
                    + "before the previous request's \(previousRecorded)")
            previousRecorded = request.arrival
            if request.arrival < windowStart {
                skippedBeforeWindow += 1
                continue
            }
            if let end = windowEnd, request.arrival >= end {
                cutOff = .windowEnded
                return nil
            }
            accepted += 1
            request.arrival = retimed(recorded: request.arrival)
            return request
        }
        return nil
    }

    @inlinable mutating func retimed(recorded: SimTime) -> SimTime {
        let sinceWindowStart = recorded - windowStart
        switch timing {
        case .recorded:
            return SimTime(nanoseconds: sinceWindowStart.nanoseconds)
        case .speed(let factor):
            // Monotone in the recorded time, so the source's order survives rounding.
            // Saturates: an arrival scaled past the limit is caught by the replayer.
            let scaled = SimDuration(roundingNanoseconds: Double(sinceWindowStart.nanoseconds) / factor)
            return SimTime(nanoseconds: scaled.nanoseconds)
        case .rate(let process):
            previousArrival = previousArrival + SimDuration(nanoseconds: process.nextGap(using: &generator))  // saturates
            return previousArrival
        case .closedLoop, .offline:
            return .zero
        }
    }
}
