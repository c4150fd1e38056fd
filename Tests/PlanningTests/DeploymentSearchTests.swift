import CMBenchTestSupport
import DiscreteEvent
import ServingMetrics
import SystemDescription
import Testing

@testable import Planning

/// The pruned search against the exhaustive one, and the properties the pruning relies on.
@Suite struct DeploymentSearchTests {
    /// A stand-in evaluation: meets the target or not, nothing else.
    static func verdict(_ candidate: CandidateDeployment, meets: Bool) -> CandidateEvaluation {
        let summary = MetricsAccumulator().summary()
        let breakdown = RunBreakdown(
            failedRequests: meets ? 0 : 1, rejectedRequests: 0, ttftFailures: 0, tpotFailures: 0, meanDecodeRoomWaitSeconds: 0,
            meanPrefillSeconds: 0, meanKVTransferSeconds: 0, prefillBusySeconds: 0, emsLoadSeconds: 0, peakKVReservedFraction: 0)
        return CandidateEvaluation(
            candidate: candidate, load: .recorded, attainment: meets ? 1 : 0, attainmentTTFT: nil, attainmentTPOT: nil,
            meetsTarget: meets, bottleneck: meets ? .none : .prefillCompute, breakdown: breakdown, summary: summary)
    }

    /// Random monotone staircases (each group needs at least some prefill instances and decode
    /// NPUs, with a random trade between them) over random spaces with random invalid
    /// corners: the pruned search always returns the exhaustive search's optimum, with fewer
    /// replays.
    @Test func prunedSearchFindsTheExhaustiveOptimumOnMonotoneSpaces() {
        var generator = SeededGenerator(seed: 16)
        var saved = 0
        for trial in 0..<300 {
            let space = SearchSpace(
                prefillInstances: Array(1...(1 + Int(generator.nextInt(below: 8)))),
                prefillNPUs: [8, 16, 32].filter { _ in generator.nextInt(below: 3) > 0 } + [16],
                decodeInstances: [1], decodeNPUs: Array([8, 16, 24, 32, 48, 64, 96, 128].prefix(1 + Int(generator.nextInt(below: 8)))),
                decodeBatchPerDie: [8, 16, 32].filter { _ in generator.nextInt(below: 2) > 0 } + [48],
                microbatching: [.whenFaster], mtp: generator.nextInt(below: 2) == 0 ? [true] : [true, false], precisions: ["int8-w8a8"])
            // Per (batch, mtp, prefill NPUs): meets when p·a + d·b ≥ c and p ≥ pMin and d ≥ dMin.
            let seed = generator.next()
            let meets: @Sendable (CandidateDeployment) -> Bool = { c in
                var g = SeededGenerator(seed: seed &+ UInt64(c.decodeBatchPerDie * 131 + (c.mtp ? 7 : 0) + c.prefillNPUs * 17))
                let a = 1 + Double(g.nextInt(below: 10)), b = 0.1 + Double(g.nextInt(below: 10)) / 10
                let need = Double(g.nextInt(below: 120))
                let pMin = 1 + Int(g.nextInt(below: 4)), dMin = 8 * (1 + Int(g.nextInt(below: 6)))
                return c.prefillInstances >= pMin && c.decodeNPUs >= dMin
                    && Double(c.prefillInstances) * a + Double(c.decodeNPUs) * b >= need
            }
            let invalidBelow = [0, 8, 16][Int(generator.nextInt(below: 3))]
            let validity: @Sendable (CandidateDeployment) -> String? = { $0.decodeNPUs <= invalidBelow ? "too small" : nil }
            let price = [1.0, 2.5][Int(generator.nextInt(below: 2))]
            let search = DeploymentSearch(space: space, costPerAccelerator: price)
            let evaluate: @Sendable (CandidateDeployment) -> CandidateEvaluation? = { Self.verdict($0, meets: meets($0)) }
            let pruned = search.run(validity: validity, evaluate: evaluate)
            let exhaustive = search.run(exhaustive: true, validity: validity, evaluate: evaluate)
            #expect(pruned.best?.candidate == exhaustive.best?.candidate, "trial \(trial)")
            #expect(pruned.evaluations.count <= exhaustive.evaluations.count)
            #expect(pruned.evaluations.count + pruned.pruned + pruned.invalid.reduce(0) { $0 + $1.count } == space.size)
            saved += exhaustive.evaluations.count - pruned.evaluations.count
        }
        #expect(saved > 0)
    }

    /// The rounds do not depend on the number of threads: the same candidates, in the same
    /// order, and the same plan.
    @Test func theSearchDoesNotDependOnTheNumberOfThreads() {
        let space = SearchSpace(
            prefillInstances: Array(1...6), prefillNPUs: [16], decodeInstances: [1], decodeNPUs: [16, 32, 64, 128],
            decodeBatchPerDie: [16, 32, 48], microbatching: [.whenFaster], mtp: [true, false], precisions: ["int8-w8a8"])
        let evaluate: @Sendable (CandidateDeployment) -> CandidateEvaluation? = { c in
            Self.verdict(c, meets: c.prefillInstances * 10 + c.decodeNPUs / (c.mtp ? 2 : 1) >= 60 + c.decodeBatchPerDie / 4)
        }
        let search = DeploymentSearch(space: space)
        let outcomes = [1, 2, 5].map { search.run(jobs: $0, validity: { _ in nil }, evaluate: evaluate) }
        for outcome in outcomes.dropFirst() {
            #expect(outcome.evaluations.map(\.candidate) == outcomes[0].evaluations.map(\.candidate))
            #expect(outcome.best?.candidate == outcomes[0].best?.candidate)
        }
    }

    /// A stop returns at once with the best so far and says so.
    @Test func aStoppedSearchSaysSo() {
        let space = SearchSpace(
            prefillInstances: Array(1...6), prefillNPUs: [16], decodeInstances: [1], decodeNPUs: [16, 32, 64],
            decodeBatchPerDie: [16, 32], microbatching: [.whenFaster], mtp: [true], precisions: ["int8-w8a8"])
        let outcome = DeploymentSearch(space: space).run(
            validity: { _ in nil }, evaluate: { _ in nil })
        #expect(outcome.stopped)
        #expect(outcome.best == nil)
    }
}

/// The same properties on real replays: small spaces over real traces and several SLOs,
/// where the exhaustive search is affordable.
@Suite struct RealReplaySearchTests {
    static let space = SearchSpace(
        prefillInstances: Array(1...4), prefillNPUs: [16], decodeInstances: [1], decodeNPUs: [16, 24, 32, 48],
        decodeBatchPerDie: [16, 48], microbatching: [.whenFaster], mtp: [true], precisions: ["int8-w8a8"])


    @Test(arguments: [("ttft=2s,tpot=50ms", 8.0), ("ttft=1s,tpot=40ms", 4.0), ("ttft=4s,tpot=70ms", 16.0)])
    func prunedEqualsExhaustiveOnTheShippedTrace(slo: String, speed: Double) throws {
        try Self.compare(PlanningFixtures.requests(PlanningFixtures.defaultTrace, count: 1500), slo: slo, load: .speed(speed))
    }

    @Test(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)), arguments: [("ttft=2s,tpot=50ms", 20.0)])
    func prunedEqualsExhaustiveOnAzure(slo: String, speed: Double) throws {
        try Self.compare(PlanningFixtures.requests(SharedTraces.azureConversation, count: 1500), slo: slo, load: .speed(speed))
    }

    @Test(.enabled(if: SharedTraces.available, Comment(rawValue: SharedTraces.missingMessage)), arguments: [("ttft=4s,tpot=60ms", 2.0)])
    func prunedEqualsExhaustiveOnMooncake(slo: String, speed: Double) throws {
        try Self.compare(PlanningFixtures.requests(SharedTraces.mooncakeConversation, count: 600), slo: slo, load: .speed(speed))
    }

    static func compare(_ requests: [ServingRequest], slo: String, load: PlanLoad) throws {
        let system = try PlanningFixtures.system()
        let evaluator = PlanEvaluator(
            requests: requests, objectives: try ServiceLevelObjectives(parsing: slo), attainmentTarget: 0.95)
        let search = DeploymentSearch(space: space)
        let validity: @Sendable (CandidateDeployment) -> String? = { DeploymentLayout.problem($0, on: system) }
        let evaluate: @Sendable (CandidateDeployment) -> CandidateEvaluation? = { evaluator.evaluate($0, of: system, at: load)?.evaluation }
        let exhaustive = search.run(jobs: 2, exhaustive: true, validity: validity, evaluate: evaluate)
        let pruned = search.run(jobs: 2, validity: validity, evaluate: evaluate)
        #expect(pruned.best?.candidate == exhaustive.best?.candidate, "\(slo) at \(load.description)")
        #expect(pruned.evaluations.count < exhaustive.evaluations.count)

        // What the pruning relies on, checked on every pair of the grid: with the other knobs
        // fixed, a deployment with at least as many prefill instances and decode NPUs as one
        // that meets the SLOs meets them too.
        let results = exhaustive.evaluations
        for a in results where a.meetsTarget {
            for b in results
            where b.candidate.decodeBatchPerDie == a.candidate.decodeBatchPerDie
                && b.candidate.prefillInstances >= a.candidate.prefillInstances && b.candidate.decodeNPUs >= a.candidate.decodeNPUs
            {
                #expect(b.meetsTarget, "\(slo): \(a.candidate.shape) meets (\(a.attainment)) but \(b.candidate.shape) does not (\(b.attainment)), batch \(a.candidate.decodeBatchPerDie)")
            }
        }
        // Each pruned evaluation is the exhaustive one's (same candidate, same replay).
        for e in pruned.evaluations {
            let same = results.first { $0.candidate == e.candidate }
            #expect(same == e)
        }
    }
}

import Serving

/// A replay stopped once the candidate cannot meet the target tells the truth: the full replay
/// of the same candidate misses too, with an attainment no higher than the stopped one's bound.
@Suite struct EarlyStopTests {
    @Test func aStoppedReplayMissesAndBoundsTheFullOnesAttainment() throws {
        let system = try PlanningFixtures.system()
        let requests = try PlanningFixtures.requests(PlanningFixtures.defaultTrace, count: 1500)
        let evaluator = PlanEvaluator(
            requests: requests, objectives: try ServiceLevelObjectives(parsing: "ttft=1s,tpot=40ms"), attainmentTarget: 0.95)
        var stoppedSome = false
        for (prefill, decode) in [(1, 16), (2, 16), (1, 32), (4, 48)] {
            var candidate = CandidateDeployment.shipped(by: system)
            (candidate.prefillInstances, candidate.decodeNPUs, candidate.decodeBatchPerDie) = (prefill, decode, 16)
            let early = try #require(evaluator.evaluate(candidate, of: system, at: .speed(8))?.evaluation)
            let full = try #require(evaluator.evaluate(candidate, of: system, at: .speed(8), stopsWhenMissed: false)?.evaluation)
            #expect(full.complete)
            #expect(early.meetsTarget == full.meetsTarget)
            if !early.complete {
                stoppedSome = true
                #expect(!full.meetsTarget)
                #expect(full.attainment <= early.attainment)
                #expect(early.summary.totalRequests < full.summary.totalRequests)
            } else {
                #expect(early == full)
            }
        }
        #expect(stoppedSome)
    }
}
