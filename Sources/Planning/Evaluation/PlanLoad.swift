import Foundation
import Replay
import DiscreteEvent

/// The load a plan is for: the trace as recorded, sped up, at a re-drawn Poisson rate, or a
/// closed loop that fills every decode slot (decode-only planning, the paper's fixed-batch
/// decode measurements).
public enum PlanLoad: Sendable, Hashable, Codable {
    case recorded
    /// Arrivals divided by the factor (2 = twice as fast).
    case speed(Double)
    /// Poisson arrivals at this many requests per second (lengths kept, the run's seed).
    case rate(Double)
    /// Closed loop with as many requests in flight as the candidate has decode slots
    /// (batch per die × decode dies × decode instances).
    case fillDecodeSlots

    /// `recorded`, `speed 4`, `rate 12.5 req/s`, `closed loop filling the decode slots`.
    public var description: String {
        switch self {
        case .recorded: "the trace as recorded"
        case .speed(let factor): "the trace at \(Self.short(factor))x speed"
        case .rate(let rate): "\(Self.short(rate)) requests/s (Poisson)"
        case .fillDecodeSlots: "a closed loop filling every decode slot"
        }
    }

    /// Four significant digits, without a trailing ".0".
    static func short(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "\(value)" }
        let digits = 3 - Int(Foundation.floor(Foundation.log10(value)))
        let scale = Foundation.pow(10, Double(digits))
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() && rounded < 1e15 ? String(Int64(rounded)) : "\(rounded)"
    }

    /// This load made `factor` times heavier (capacity search scales it).
    public func scaled(by factor: Double) -> PlanLoad {
        if factor == 1 { return self }
        switch self {
        case .recorded: return .speed(factor)
        case .speed(let base): return .speed(base * factor)
        case .rate(let rate): return .rate(rate * factor)
        case .fillDecodeSlots: return .fillDecodeSlots
        }
    }

    func timing(decodeSlots: Int) -> ReplayOptions.Timing {
        switch self {
        case .recorded: .recorded
        case .speed(let factor): .speed(factor)
        case .rate(let rate): .rate(.poisson(ratePerSecond: rate))
        case .fillDecodeSlots: .closedLoop(concurrency: max(1, decodeSlots))
        }
    }
}
