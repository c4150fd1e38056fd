import Serving

/// Rejected requests counted by rejection code, with the first few examples of each.
///
/// Codes are listed by count (highest first), then by code, so the order never depends on
/// hashing.
public struct RejectionTally: Sendable {
    /// Examples kept per code.
    public static let examplesPerCode = 3

    private var indexByCode: [String: Int] = [:]
    private var entries: [RejectionSummary] = []

    public init() {}

    public mutating func add(_ rejection: Rejection, of outcome: RequestOutcome) {
        let index: Int
        if let known = indexByCode[rejection.code] {
            index = known
        } else {
            index = entries.count
            indexByCode[rejection.code] = index
            entries.append(RejectionSummary(code: rejection.code, count: 0, examples: []))
        }
        entries[index].count += 1
        if entries[index].examples.count < Self.examplesPerCode {
            entries[index].examples.append(
                .init(requestID: outcome.requestID, origin: outcome.origin.description, message: rejection.message))
        }
    }

    /// By count, highest first, then by code.
    public var summaries: [RejectionSummary] {
        entries.sorted { ($0.count, $1.code) > ($1.count, $0.code) }
    }
}

/// How many requests were rejected for one reason, and the first few of them.
public struct RejectionSummary: Sendable, Hashable, Codable {
    public var code: String
    public var count: Int
    public var examples: [Example]

    public struct Example: Sendable, Hashable, Codable {
        public var requestID: Int
        /// The trace file and line, `file:line`.
        public var origin: String
        public var message: String

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id"
            case origin, message
        }
    }
}
