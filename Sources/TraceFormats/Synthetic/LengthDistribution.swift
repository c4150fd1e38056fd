import Serving
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import DiscreteEvent

/// A distribution of token counts for synthetic requests, always drawn in `1...max`.
public enum LengthDistribution: Sendable, Equatable, CustomStringConvertible {
    /// Always `n`.
    case fixed(Int)
    /// Uniform over the integers `low...high`.
    case uniform(low: Int, high: Int)
    /// Log-normal with the given median (`e^mu`) and log-space standard deviation, rounded and
    /// clamped to `1...max`.
    case lognormal(median: Double, sigma: Double, max: Int)

    /// Default upper clamp for log-normal lengths (a 128 k-token context window).
    public static let defaultMax = 131_072

    /// A log-normal given its mean instead of its median: median = mean · e^(−σ²/2).
    public static func lognormal(mean: Double, sigma: Double, max: Int = defaultMax) -> LengthDistribution {
        .lognormal(median: mean * exp(-sigma * sigma / 2), sigma: sigma, max: max)
    }

    /// One draw.
    public func sample(using generator: inout SeededGenerator) -> Int {
        switch self {
        case .fixed(let n):
            return n
        case .uniform(let low, let high):
            return low + Int(generator.nextInt(below: UInt64(high - low + 1)))
        case .lognormal(let median, let sigma, let max):
            let value = generator.nextLogNormal(mu: log(median), sigma: sigma).rounded()
            guard value.isFinite else { return max }
            return Swift.min(max, Swift.max(1, value >= Double(max) ? max : Int(value)))
        }
    }

    /// The spec string form, accepted back by `init(spec:)`.
    public var description: String {
        switch self {
        case .fixed(let n): "fixed:\(n)"
        case .uniform(let low, let high): "uniform:\(low):\(high)"
        case .lognormal(let median, let sigma, let max): "lognormal:median=\(median),sigma=\(sigma),max=\(max)"
        }
    }

    /// Parses `fixed:4096`, `uniform:100:2000`, `lognormal:median=1000,sigma=1.0[,max=32768]` or
    /// `lognormal:mean=1500,sigma=0.8`.
    public init(spec: String) throws(WorkloadSpecError) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first ?? ""
        let rest = parts.count > 1 ? parts[1] : ""
        let usage = "expected fixed:N, uniform:LOW:HIGH or lognormal:median=M,sigma=S[,max=N] (or mean=M)"
        switch kind {
        case "fixed":
            let n = try WorkloadSpecError.positiveInt(rest, name: "fixed length", spec: spec)
            self = .fixed(n)
        case "uniform":
            let bounds = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count == 2 else { throw WorkloadSpecError(spec: spec, "uniform needs two bounds; \(usage)") }
            let low = try WorkloadSpecError.positiveInt(bounds[0], name: "uniform low bound", spec: spec)
            let high = try WorkloadSpecError.positiveInt(bounds[1], name: "uniform high bound", spec: spec)
            guard low <= high else { throw WorkloadSpecError(spec: spec, "the low bound \(low) exceeds the high bound \(high)") }
            self = .uniform(low: low, high: high)
        case "lognormal":
            let values = try WorkloadSpecError.keyValues(rest, allowed: ["median", "mean", "sigma", "max"], spec: spec)
            guard let sigma = values["sigma"] else { throw WorkloadSpecError(spec: spec, "lognormal needs sigma=S") }
            guard sigma >= 0, sigma.isFinite else { throw WorkloadSpecError(spec: spec, "sigma must be a finite number ≥ 0") }
            let maxValue = values["max"] ?? Double(Self.defaultMax)
            guard maxValue >= 1, maxValue <= Double(ServingRequest.maxTokens), maxValue == maxValue.rounded() else {
                throw WorkloadSpecError(spec: spec, "max must be a whole number from 1 to \(ServingRequest.maxTokens) (2^32)")
            }
            switch (values["median"], values["mean"]) {
            case (let median?, nil):
                guard median > 0, median.isFinite else { throw WorkloadSpecError(spec: spec, "median must be positive") }
                self = .lognormal(median: median, sigma: sigma, max: Int(maxValue))
            case (nil, let mean?):
                guard mean > 0, mean.isFinite else { throw WorkloadSpecError(spec: spec, "mean must be positive") }
                self = .lognormal(mean: mean, sigma: sigma, max: Int(maxValue))
            default:
                throw WorkloadSpecError(spec: spec, "lognormal needs exactly one of median=M or mean=M")
            }
        default:
            throw WorkloadSpecError(spec: spec, "unknown distribution '\(kind)'; \(usage)")
        }
    }
}

/// A malformed workload spec string (a usage error: the command line maps it to exit code 64).
public struct WorkloadSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec as given.
    public var spec: String
    public var message: String

    public init(spec: String, _ message: String) {
        self.spec = spec
        self.message = message
    }

    public var description: String { "invalid spec '\(spec)': \(message)" }

    static func positiveInt(_ text: String, name: String, spec: String) throws(WorkloadSpecError) -> Int {
        guard let value = Int(text), value >= 1 else {
            throw WorkloadSpecError(spec: spec, "\(name) '\(text)' is not a whole number ≥ 1")
        }
        // A trace that cmbench could not read back would be no use (`ServingRequest.maxTokens`).
        guard value <= ServingRequest.maxTokens else {
            throw WorkloadSpecError(spec: spec, "\(name) \(value) exceeds cmbench's limit of \(ServingRequest.maxTokens) (2^32) tokens per request")
        }
        return value
    }

    /// Parses `k=v,k=v` with numeric values and known keys.
    static func keyValues(_ text: String, allowed: Set<String>, spec: String) throws(WorkloadSpecError) -> [String: Double] {
        var values: [String: Double] = [:]
        for pair in text.split(separator: ",") {
            let sides = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard sides.count == 2 else { throw WorkloadSpecError(spec: spec, "'\(pair)' is not key=value") }
            guard allowed.contains(sides[0]) else {
                throw WorkloadSpecError(spec: spec, "unknown key '\(sides[0])'; known: \(allowed.sorted().joined(separator: ", "))")
            }
            guard let value = Double(sides[1]), value.isFinite else {
                throw WorkloadSpecError(spec: spec, "'\(sides[1])' is not a number (key \(sides[0]))")
            }
            guard values[sides[0]] == nil else { throw WorkloadSpecError(spec: spec, "key '\(sides[0])' given twice") }
            values[sides[0]] = value
        }
        return values
    }
}
