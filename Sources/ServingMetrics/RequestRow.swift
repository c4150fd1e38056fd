import Serving

/// One request's line in `--requests-csv`: identity, latencies in milliseconds, tokens, status.
///
/// Latencies a request does not have (a rejected one, TPOT of a one-token answer) are empty
/// fields. `origin` is the trace `file:line` it was read from.
public struct RequestRow: Sendable, Hashable {
    public var id: Int
    public var arrivalSeconds: Double
    public var ttftMilliseconds: Double?
    public var tpotMilliseconds: Double?
    public var e2eMilliseconds: Double?
    public var queueingMilliseconds: Double?
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedPrefixTokens: Int
    /// `completed` or `rejected`.
    public var status: String
    /// The rejection code and message, empty when completed.
    public var reason: String
    public var origin: String

    public static let header = [
        "id", "arrival_s", "ttft_ms", "tpot_ms", "e2e_ms", "queueing_ms", "input_tokens", "output_tokens",
        "cached_prefix_tokens", "status", "reason", "origin",
    ]

    public init(_ outcome: RequestOutcome) {
        let latencies = RequestLatencies(outcome)
        id = outcome.requestID
        arrivalSeconds = outcome.arrival.seconds
        ttftMilliseconds = latencies.ttftNanoseconds.map { $0 / 1e6 }
        tpotMilliseconds = latencies.tpotNanoseconds.map { $0 / 1e6 }
        e2eMilliseconds = latencies.e2eNanoseconds.map { $0 / 1e6 }
        queueingMilliseconds = latencies.queueingNanoseconds.map { $0 / 1e6 }
        inputTokens = outcome.inputTokens
        outputTokens = outcome.outputTokens
        cachedPrefixTokens = outcome.cachedPrefixTokens
        if let rejection = outcome.rejection {
            status = "rejected"
            reason = "\(rejection.code): \(rejection.message)"
        } else {
            status = "completed"
            reason = ""
        }
        origin = outcome.origin.description
    }

    /// The fields in `header` order, as text.
    public var fields: [String] {
        func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        return [
            "\(id)", "\(arrivalSeconds)", text(ttftMilliseconds), text(tpotMilliseconds), text(e2eMilliseconds),
            text(queueingMilliseconds), "\(inputTokens)", "\(outputTokens)", "\(cachedPrefixTokens)", status, reason,
            origin,
        ]
    }

    /// The row as one CSV line (RFC 4180 quoting, no line terminator).
    public var csvLine: String { Self.csvLine(fields) }

    /// `fields` joined by commas, each quoted when it holds a comma, quote or line break.
    public static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
            var quoted = "\""
            for character in field {
                if character == "\"" { quoted.append("\"") }
                quoted.append(character)
            }
            return quoted + "\""
        }.joined(separator: ",")
    }
}
