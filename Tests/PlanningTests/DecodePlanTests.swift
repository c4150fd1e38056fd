import DiscreteEvent
import Serving
import ServingMetrics
import Testing

@testable import Planning

/// Decode alone, the paper's decode workload (4,096-token prompts, 256 output tokens, a closed
/// loop filling every decode slot, 160 NPUs, MTP), TPOT ≤ 50 ms: the batch the planner picks.
/// README "Planning a deployment" sets the result beside the paper's choice (96 per NPU) as a
/// comparison; nothing here is fitted to it.
@Suite struct DecodePlanTests {
    @Test func decodeAlonePicksTheBatchAtTheTPOTKnee() throws {
        let system = try PlanningFixtures.system()
        let requests = (0..<30_720).map { i in
            ServingRequest(id: i, arrival: .zero, inputTokens: 4096, outputTokens: 256, origin: InputLocation(file: "decode", line: i + 1))
        }
        var space = SearchSpace.defaults(for: system)
        try space.narrow("decode_npus=160")
        try space.narrow("decode_batch_per_die=16..80/8")
        try space.narrow("mtp=on")
        space.prefillInstances = [1]
        space.prefillNPUs = [16]
        let evaluator = PlanEvaluator(
            requests: requests, objectives: try ServiceLevelObjectives(parsing: "tpot=50ms"), attainmentTarget: 0.99, phase: .decode)
        let planner = Planner(
            systems: [system], spaces: [space], load: .fillDecodeSlots, attainmentTarget: 0.99, countsPrefill: false, jobs: 2,
            findsCapacity: false)
        let plan = planner.run(
            validity: { DeploymentLayout.problem($1, on: system, phase: .decode) },
            evaluate: { evaluator.evaluate($1, of: system, at: $2, stopsWhenMissed: $3)?.evaluation })
        let chosen = try #require(plan.systems[0].chosen)
        let evaluated = plan.explored.sorted { $0.candidate.decodeBatchPerDie < $1.candidate.decodeBatchPerDie }
        #expect(evaluated.count == 9)
        // Per-user speed falls as the batch grows (each step serves more requests).
        let speeds = evaluated.map(\.tokensPerSecondPerUser)
        #expect(speeds == speeds.sorted(by: >), "\(speeds)")
        // The chosen batch meets TPOT; the next larger one does not: the knee.
        #expect(chosen.meetsTarget)
        #expect((chosen.summary.tpot?.p99 ?? .infinity) <= 50)
        let next = try #require(evaluated.first { $0.candidate.decodeBatchPerDie > chosen.candidate.decodeBatchPerDie })
        #expect(!next.meetsTarget)
        print(
            "decode plan: batch \(chosen.candidate.decodeBatchPerDie * 2) per NPU, \(Int(chosen.outputTokensPerSecondPerAccelerator.rounded())) output tok/s per NPU, TPOT p99 \(chosen.summary.tpot!.p99) ms")
    }
}
