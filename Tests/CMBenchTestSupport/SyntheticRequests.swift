import DiscreteEvent
import Serving

/// Deterministic synthetic workloads for tests: arrivals, lengths and origins from a seed.
public enum SyntheticRequests {
    /// `count` requests with exponential gaps of mean `meanGap`, input 1–4096 tokens and
    /// output 1–512 tokens (uniform), origins `synthetic:<line>`.
    public static func make(count: Int, seed: UInt64 = 1, meanGap: SimDuration = .milliseconds(186)) -> [ServingRequest] {
        var generator = SeededGenerator(seed: seed)
        var clock = SimTime.zero
        return (0..<count).map { index in
            clock = clock + SimDuration(nanoseconds: Int64(generator.nextExponential(mean: Double(meanGap.nanoseconds))))
            return ServingRequest(
                id: index, arrival: clock, inputTokens: 1 + Int(generator.nextInt(below: 4096)),
                outputTokens: 1 + Int(generator.nextInt(below: 512)),
                origin: InputLocation(file: "synthetic", line: index + 1))
        }
    }

    /// Requests with the given recorded arrivals (nanoseconds) and fixed lengths.
    public static func at(
        _ arrivals: [Int64], inputTokens: Int = 100, outputTokens: Int = 10
    ) -> [ServingRequest] {
        arrivals.enumerated().map { index, nanoseconds in
            ServingRequest(
                id: index, arrival: SimTime(nanoseconds: nanoseconds), inputTokens: inputTokens,
                outputTokens: outputTokens, origin: InputLocation(file: "test", line: index + 1))
        }
    }
}
