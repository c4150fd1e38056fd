import DiscreteEvent
import Serving
import Testing
import TraceFormats

@Suite("synthetic workloads")
struct SyntheticWorkloadTests {
    func generate(_ configuration: SyntheticWorkload.Configuration) -> [ServingRequest] {
        var workload = SyntheticWorkload(configuration)
        var requests: [ServingRequest] = []
        while let request = workload.next() { requests.append(request) }
        return requests
    }

    func configuration(seed: UInt64, count: Int = 2000, arrival: ArrivalProcess = .poisson(ratePerSecond: 10))
        -> SyntheticWorkload.Configuration
    {
        .init(
            count: count, arrival: arrival, input: .lognormal(median: 1000, sigma: 1.0, max: 32_768),
            output: .uniform(low: 10, high: 200), sharedPrefix: SharedPrefixSpec(groups: 4, blocks: 3, skew: 1.0, blockTokens: 256),
            sessions: 50, seed: seed)
    }

    @Test("same seed gives the same requests; a different seed does not")
    func determinism() {
        let a = generate(configuration(seed: 7))
        #expect(a == generate(configuration(seed: 7)))
        #expect(a != generate(configuration(seed: 8)))
        #expect(a.count == 2000)
        #expect(a.map(\.id) == Array(0..<2000))
        #expect(a.first?.arrival == .zero)
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.arrival <= $1.arrival })
    }

    @Test("changing the output distribution does not shift arrivals or inputs")
    func independentStreams() {
        var other = configuration(seed: 7)
        other.output = .fixed(5)
        let a = generate(configuration(seed: 7))
        let b = generate(other)
        #expect(a.map(\.arrival) == b.map(\.arrival))
        #expect(a.map(\.inputTokens) == b.map(\.inputTokens))
    }

    @Test("mean rate and length distributions are about right", arguments: [
        ArrivalProcess.poisson(ratePerSecond: 10), .gamma(ratePerSecond: 10, coefficientOfVariation: 3),
    ])
    func statistics(arrival: ArrivalProcess) throws {
        let requests = generate(configuration(seed: 11, count: 20_000, arrival: arrival))
        var statistics = TraceStatistics()
        for request in requests { statistics.add(request) }
        let summary = statistics.summary
        // 20 000 gaps: the mean gap's standard error is CV/√n ≈ 0.7 % (Poisson) or 2 % (CV 3).
        #expect(abs(try #require(summary.meanRatePerSecond) - 10) < 1)
        // Log-normal median 1000: the sample median is within a few percent.
        #expect((900...1100).contains(try #require(summary.inputTokens?.p50)))
        let output = try #require(summary.outputTokens)
        #expect(abs(output.mean - 105) < 3)
        #expect(output.max <= 200)
        #expect(requests.allSatisfy { (10...200).contains($0.outputTokens) && (1...32_768).contains($0.inputTokens) })
        #expect(Set(requests.compactMap(\.sessionID)).count == 50)
        // Prefix: ⌈input / 256⌉ blocks, the first min(3, n) from one of the 4 groups.
        for request in requests.prefix(100) {
            #expect(request.prefixBlockHashes.count == (request.inputTokens + 255) / 256)
            #expect(request.prefixBlockTokens == 256)
            #expect(request.prefixBlockHashes.first.map { $0 < 12 && $0 % 3 == 0 } == true)
        }
        #expect(try #require(summary.prefixReuseRatio) > 0)
    }

    @Test("skew 1 makes group 0 the most used, about 48 % for 4 groups")
    func skew() {
        let requests = generate(configuration(seed: 3, count: 10_000))
        let group0 = requests.filter { $0.prefixBlockHashes.first == 0 }.count
        // Zipf(1) over 4: 1 / (1 + 1/2 + 1/3 + 1/4) = 0.48.
        #expect(abs(Double(group0) / 10_000 - 0.48) < 0.03)
    }

    @Test("distribution specs parse", arguments: [
        ("fixed:4096", LengthDistribution.fixed(4096)),
        ("uniform:100:2000", .uniform(low: 100, high: 2000)),
        ("lognormal:median=1000,sigma=1.0,max=32768", .lognormal(median: 1000, sigma: 1, max: 32_768)),
        ("lognormal:sigma=0.5,median=10", .lognormal(median: 10, sigma: 0.5, max: LengthDistribution.defaultMax)),
    ])
    func parse(spec: String, expected: LengthDistribution) throws {
        #expect(try LengthDistribution(spec: spec) == expected)
        #expect(try LengthDistribution(spec: expected.description) == expected)
    }

    @Test("mean= gives a log-normal with that mean")
    func meanSpec() throws {
        let distribution = try LengthDistribution(spec: "lognormal:mean=2000,sigma=0.8,max=1000000")
        var generator = SeededGenerator(seed: 1)
        let mean = (0..<50_000).reduce(0.0) { sum, _ in sum + Double(distribution.sample(using: &generator)) } / 50_000
        #expect(abs(mean - 2000) < 60)
    }

    @Test("bad distribution specs say what is wrong", arguments: [
        "fixed:0", "fixed:abc", "uniform:5", "uniform:9:3", "lognormal:median=100", "lognormal:sigma=1",
        "lognormal:median=1,mean=2,sigma=1", "lognormal:median=1,sigma=1,bogus=3", "normal:3", "",
    ])
    func badSpecs(spec: String) {
        let error = #expect(throws: WorkloadSpecError.self) { try LengthDistribution(spec: spec) }
        #expect(error?.description.hasPrefix("invalid spec '\(spec)': ") == true)
    }

    @Test("shared-prefix specs parse, with defaults and errors")
    func prefixSpec() throws {
        #expect(try SharedPrefixSpec(spec: "groups=8,blocks=4") == SharedPrefixSpec(groups: 8, blocks: 4))
        #expect(
            try SharedPrefixSpec(spec: "groups=2,blocks=1,skew=0,block=16")
                == SharedPrefixSpec(groups: 2, blocks: 1, skew: 0, blockTokens: 16))
        for bad in ["groups=8", "groups=0,blocks=1", "groups=2,blocks=1.5", "groups=2,blocks=1,skew=-1", "x"] {
            #expect(throws: WorkloadSpecError.self) { try SharedPrefixSpec(spec: bad) }
        }
    }
}
