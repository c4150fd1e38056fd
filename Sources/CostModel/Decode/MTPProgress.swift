import DiscreteEvent
import SystemDescription

/// How many decode steps a request needs to produce its tokens under MTP.
///
/// With k draft tokens accepted in sequence with probability a each, one step emits
/// 1 + (accepted drafts) tokens: j + 1 with probability aʲ(1 − a) for j < k, k + 1 with
/// probability aᵏ; the mean is `MTPSettings.tokensPerStep` (1 + a with one draft).
///
/// It lives in the cost model because both serving backends (the disaggregated decode instance
/// and the aggregated engine) pace their requests with it.
public enum MTPProgress {
    /// Steps to produce `tokens` tokens at the expected rate: ⌈tokens / tokensPerStep⌉.
    public static func expectedSteps(tokens: Int, mtp: MTPSettings) -> Int {
        guard tokens > 0 else { return 0 }
        // The small slack keeps an exact quotient (255 / 1.7 = 150) from rounding up to 151.
        return max(1, Int((Double(tokens) / mtp.tokensPerStep - 1e-9).rounded(.up)))
    }

    /// Steps to produce `tokens` tokens with acceptances drawn from `generator`.
    ///
    /// Exact in distribution up to the normal approximation of large sums: it draws the tokens
    /// of n = ⌈remaining / (k + 1)⌉ steps at once (no completion can happen before step n,
    /// since a step emits at most k + 1 tokens); if they reach the remaining count the request
    /// completes at that n-th step, otherwise it repeats with what is left. Each round removes
    /// at least 1/(k + 1) of the remainder, so a request costs O(log tokens) draws, never one
    /// per token. Sums of up to 16 steps are drawn step by step; longer ones from the normal
    /// distribution with the per-step mean and variance, rounded and clamped to [n, n(k + 1)].
    public static func sampledSteps(tokens: Int, mtp: MTPSettings, generator: inout SeededGenerator) -> Int {
        guard tokens > 0 else { return 0 }
        let k = mtp.draftTokens
        guard k > 0 else { return tokens }
        let a = mtp.acceptanceRate
        let mean = mtp.tokensPerStep
        // Variance of the per-step token count.
        var secondMoment = 0.0, p = 1.0
        for j in 0...k {
            let probability = j < k ? p * (1 - a) : p
            secondMoment += probability * Double((j + 1) * (j + 1))
            p *= a
        }
        let variance = max(secondMoment - mean * mean, 0)
        var remaining = tokens
        var steps = 0
        while remaining > 0 {
            let n = (remaining + k) / (k + 1)
            let produced: Int
            if n <= 16 {
                var sum = 0
                for _ in 0..<n { sum += 1 + acceptedDrafts(k: k, acceptance: a, generator: &generator) }
                produced = sum
            } else {
                let draw = Double(n) * mean + (Double(n) * variance).squareRoot() * generator.nextStandardNormal()
                produced = min(max(Int(draw.rounded()), n), n * (k + 1))
            }
            steps += n
            remaining -= produced
        }
        return steps
    }

    public static func acceptedDrafts(k: Int, acceptance a: Double, generator: inout SeededGenerator) -> Int {
        var accepted = 0
        while accepted < k, generator.nextUnitDouble() < a { accepted += 1 }
        return accepted
    }
}
