import CostModel
import DiscreteEvent
import SystemDescription
import Testing

@Suite struct MTPProgressTests {
    let mtp = MTPSettings(draftTokens: 1, acceptanceRate: 0.7)

    @Test func expectedStepsAreTheCeilingOfTokensOverTokensPerStep() {
        #expect(MTPProgress.expectedSteps(tokens: 255, mtp: mtp) == 150)
        #expect(MTPProgress.expectedSteps(tokens: 256, mtp: mtp) == 151)
        #expect(MTPProgress.expectedSteps(tokens: 1, mtp: mtp) == 1)
        #expect(MTPProgress.expectedSteps(tokens: 0, mtp: mtp) == 0)
        #expect(MTPProgress.expectedSteps(tokens: 10, mtp: .off) == 10)
    }

    @Test(arguments: [1, 7, 40, 255, 1023])
    func sampledStepsStayInBoundsAndAverageTheExpectation(tokens: Int) {
        var g = SeededGenerator(seed: 11)
        let draws = (0..<4000).map { _ in MTPProgress.sampledSteps(tokens: tokens, mtp: mtp, generator: &g) }
        #expect(draws.allSatisfy { $0 >= (tokens + 1) / 2 && $0 <= tokens })
        let mean = Double(draws.reduce(0, +)) / Double(draws.count)
        // E[steps] ≈ tokens / 1.7 plus under one step of overshoot.
        #expect(abs(mean - Double(tokens) / mtp.tokensPerStep) < 1, "mean \(mean)")
        if tokens > 1 { #expect(Set(draws).count > 1) }
    }

    @Test func twoDraftTokensAreSupported() {
        let two = MTPSettings(draftTokens: 2, acceptanceRate: 0.6)
        var g = SeededGenerator(seed: 5)
        let draws = (0..<2000).map { _ in MTPProgress.sampledSteps(tokens: 500, mtp: two, generator: &g) }
        let mean = Double(draws.reduce(0, +)) / Double(draws.count)
        #expect(abs(mean - 500 / two.tokensPerStep) < 1.5)
    }
}
