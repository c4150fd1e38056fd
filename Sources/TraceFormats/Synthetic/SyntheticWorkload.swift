import DiscreteEvent
import Serving

/// A seeded, reproducible stream of synthetic requests for `cmbench synth`.
///
/// Arrivals, input lengths, output lengths, prefix groups and sessions each draw from their own
/// stream split off the seed (`SeededGenerator.split`), so changing one component (say, the
/// output distribution) does not shift the others. The first request arrives at time 0. Same
/// configuration and seed → the same requests, on every run and toolchain. At a rate so low that
/// arrivals pass `SimTime.limit`, arrivals beyond it are returned (saturating, never trapping);
/// a caller that writes or replays them checks.
///
/// ```swift
/// var workload = SyntheticWorkload(.init(count: 1000, arrival: .poisson(ratePerSecond: 5),
///     input: try LengthDistribution(spec: "lognormal:median=1000,sigma=1.0"), output: .fixed(200), seed: 42))
/// while let request = workload.next() { … }
/// ```
public struct SyntheticWorkload: RequestSource, Sendable {
    public typealias Failure = Never

    /// What to generate.
    public struct Configuration: Sendable, Equatable {
        public var count: Int
        public var arrival: ArrivalProcess
        public var input: LengthDistribution
        public var output: LengthDistribution
        /// Shared system-prompt prefixes (nil: no prefix hashes).
        public var sharedPrefix: SharedPrefixSpec?
        /// Number of sessions requests are spread over uniformly (nil: no session ids).
        public var sessions: Int?
        public var seed: UInt64

        public init(
            count: Int, arrival: ArrivalProcess, input: LengthDistribution, output: LengthDistribution,
            sharedPrefix: SharedPrefixSpec? = nil, sessions: Int? = nil, seed: UInt64
        ) {
            precondition(count >= 0, "count must be ≥ 0")
            precondition(sessions.map { $0 >= 1 } ?? true, "sessions must be ≥ 1")
            self.count = count
            self.arrival = arrival
            self.input = input
            self.output = output
            self.sharedPrefix = sharedPrefix
            self.sessions = sessions
            self.seed = seed
        }
    }

    /// The name requests carry as their origin file.
    public static let originName = "<synthetic>"

    public let configuration: Configuration
    private var produced = 0
    private var clock = SimTime.zero
    private var arrivalStream: SeededGenerator
    private var inputStream: SeededGenerator
    private var outputStream: SeededGenerator
    private var prefixStream: SeededGenerator
    private var sessionStream: SeededGenerator
    private let groupWeights: [Double]
    private var nextUniqueBlock: UInt64

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        let root = SeededGenerator(seed: configuration.seed)
        arrivalStream = root.split("arrival")
        inputStream = root.split("input")
        outputStream = root.split("output")
        prefixStream = root.split("prefix")
        sessionStream = root.split("session")
        groupWeights = configuration.sharedPrefix?.cumulativeWeights() ?? []
        nextUniqueBlock = configuration.sharedPrefix.map { UInt64($0.groups * $0.blocks) } ?? 0
    }

    public mutating func next() -> ServingRequest? {
        guard produced < configuration.count else { return nil }
        // Saturates: a rate so low that arrivals pass the limit of simulated time gives arrivals
        // beyond `SimTime.limit`, for the caller to refuse.
        if produced > 0 { clock = clock + SimDuration(nanoseconds: configuration.arrival.nextGap(using: &arrivalStream)) }
        let input = configuration.input.sample(using: &inputStream)
        let output = configuration.output.sample(using: &outputStream)
        var hashes: [UInt64] = []
        var blockTokens = 512
        if let prefix = configuration.sharedPrefix {
            blockTokens = prefix.blockTokens
            let total = (input + prefix.blockTokens - 1) / prefix.blockTokens
            let group = pickGroup()
            hashes.reserveCapacity(total)
            let shared = min(total, prefix.blocks)
            for block in 0..<shared { hashes.append(UInt64(group * prefix.blocks + block)) }
            for _ in shared..<total {
                hashes.append(nextUniqueBlock)
                nextUniqueBlock += 1
            }
        }
        let session = configuration.sessions.map { sessionStream.nextInt(below: UInt64($0)) }
        let request = ServingRequest(
            id: produced, arrival: clock, inputTokens: input, outputTokens: output,
            prefixBlockHashes: hashes, prefixBlockTokens: blockTokens, sessionID: session,
            origin: InputLocation(file: Self.originName, line: produced + 1))
        produced += 1
        return request
    }

    /// A group index drawn with the Zipf weights (binary search over the cumulative weights).
    private mutating func pickGroup() -> Int {
        let u = prefixStream.nextUnitDouble()
        var low = 0
        var high = groupWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if groupWeights[middle] > u { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
