import DiscreteEvent
import Replay

/// How the command line words the limit of simulated time (`SimTime.limit`).
enum TimeLimitText {
    /// `4611686018527387904 ns (about 146 years)`, or `more than 292 years` for a time that did
    /// not fit in 64 bits (saturated).
    static func years(_ time: SimTime) -> String {
        let years = Int((time.seconds / (365.25 * 86_400)).rounded())
        return time.nanoseconds == .max ? "more than \(years) years" : "\(time.nanoseconds) ns (about \(years) years)"
    }

    /// "the limit of simulated time, 2^62 ns (about 146 years)".
    static var limit: String { "the limit of simulated time, \(SimTime.limitDescription)" }

    /// The error for a replay that stopped at the limit, naming the row and the option to blame.
    static func error(_ overrun: TimeLimitOverrun, timing: ReplayOptions.Timing) -> CLIError {
        let row = overrun.origin.map { "\($0): " } ?? ""
        let when = years(overrun.time)
        switch (overrun.cause, timing) {
        case (.arrival, .speed(let factor)):
            return .usage(
                "\(row)--speed \(factor) puts this request's arrival \(when) after the start, beyond \(limit)",
                hint: "raise --speed, or replay a window with --start and --duration")
        case (.arrival, .rate(let process)):
            return .usage(
                "\(row)--rate \(process.ratePerSecond): this request's re-drawn arrival is \(when) after the start, beyond \(limit)",
                hint: "raise --rate, or lower --max-requests")
        case (.arrival, _):
            return CLIError(.badData, "\(row)arrival \(when) after the start is beyond \(limit)")
        case (.serving, _):
            let whose = overrun.origin == nil ? "serving the requests" : "serving this request"
            return CLIError(
                .badData,
                "\(row)\(whose) would take simulated time to \(when), beyond \(limit)",
                hint: "check the backend's time settings (e.g. --backend-option tpot=…) against the trace's token counts")
        }
    }
}
