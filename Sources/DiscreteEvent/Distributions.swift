#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Samplers written out here (not taken from the standard library) so that a seed gives the
/// same numbers on every toolchain.
extension SeededGenerator {
    /// Exponential with the given mean, by inversion.
    @inlinable public mutating func nextExponential(mean: Double) -> Double {
        // 1 - u is in (0, 1], so the logarithm is finite.
        -mean * log(1 - nextUnitDouble())
    }

    /// Standard normal, by the Box–Muller transform (one of the pair is used, so a draw
    /// always consumes exactly two numbers).
    @inlinable public mutating func nextStandardNormal() -> Double {
        let u1 = 1 - nextUnitDouble()
        let u2 = nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Log-normal whose logarithm has mean `mu` and standard deviation `sigma`.
    @inlinable public mutating func nextLogNormal(mu: Double, sigma: Double) -> Double {
        exp(mu + sigma * nextStandardNormal())
    }

    /// Gamma(shape, scale), by Marsaglia & Tsang (2000); shape < 1 uses the boost
    /// Gamma(k) = Gamma(k + 1) · U^(1/k).
    public mutating func nextGamma(shape: Double, scale: Double) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs positive shape and scale")
        if shape < 1 {
            let boost = pow(1 - nextUnitDouble(), 1 / shape)
            return nextGamma(shape: shape + 1, scale: scale) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = nextStandardNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - nextUnitDouble()
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v * scale }
        }
    }
}

/// How inter-arrival gaps are drawn when a workload is re-timed or synthesised.
public enum ArrivalProcess: Sendable, Equatable {
    /// Exponential gaps (coefficient of variation 1).
    case poisson(ratePerSecond: Double)
    /// Gamma gaps with the given coefficient of variation: CV > 1 is burstier than Poisson.
    case gamma(ratePerSecond: Double, coefficientOfVariation: Double)

    public var ratePerSecond: Double {
        switch self {
        case .poisson(let r), .gamma(let r, _): r
        }
    }

    /// Why this process cannot draw gaps, or nil when it can: a rate that is not positive, or so
    /// small that the mean gap overflows a `Double`; a gamma coefficient of variation that is not
    /// positive, or so small (or, with the rate, so extreme) that the gamma shape or scale does
    /// not hold in a `Double`, where the sampler would trap or never finish.
    public var problem: String? {
        let rate = ratePerSecond
        guard rate.isFinite && rate > 0 else { return "rate must be a positive number of requests per second, got \(rate)" }
        guard (1 / rate).isFinite else {
            return "rate \(rate) requests/s is too small: the mean gap between requests, 1/rate, does not fit in a Double"
        }
        if case .gamma(_, let cv) = self {
            guard cv.isFinite && cv > 0 else { return "the gamma coefficient of variation must be positive, got \(cv)" }
            let shape = 1 / (cv * cv)
            guard shape.isFinite, (1 / rate) / shape > 0 else {
                return "the gamma coefficient of variation \(cv) is too small for rate \(rate): the gamma shape 1/cv² or its scale does not fit in a Double"
            }
        }
        return nil
    }

    /// The next gap, in nanoseconds (at least 0; `Int64.max` for a gap too long to hold, which
    /// only a rate far below one request a century gives).
    public func nextGap(using generator: inout SeededGenerator) -> Int64 {
        let meanSeconds = 1 / ratePerSecond
        let seconds: Double
        switch self {
        case .poisson:
            seconds = generator.nextExponential(mean: meanSeconds)
        case .gamma(_, let cv):
            // Gamma with shape k has CV 1/sqrt(k); scale keeps the mean.
            let shape = 1 / (cv * cv)
            seconds = generator.nextGamma(shape: shape, scale: meanSeconds / shape)
        }
        return SimDuration(seconds: seconds).nanoseconds
    }
}
