/// Two runs' metrics side by side, with the difference and relative error of each: the
/// sim-to-real table (a model's prediction against a measurement of the same trace).
///
/// Unlike ``GateVerdict`` it judges nothing: no polarity, no tolerance, no pass or fail. It is a
/// pure function of the two metric sets and what each run says it replayed, so it is tested
/// without files. Run A is the reference (typically the measurement), run B the one held
/// against it (typically the model): the relative error is `(B − A) / |A|`.
public struct RunComparison: Sendable, Hashable {
    /// What a run says about itself: enough to tell whether two runs replayed the same requests.
    public struct Run: Sendable, Hashable {
        /// How the user named it (a file path).
        public var source: String
        /// The command that wrote it (`replay`), when recorded.
        public var command: String?
        /// The backend that served it (`cloudmatrix`, `openai`), when recorded.
        public var backend: String?
        /// The trace as given, and the SHA-256 of the bytes read from it, when recorded.
        public var trace: String?
        public var traceSHA256: String?
        /// `total_requests` of the run (requests taken from the trace), when it has one.
        public var totalRequests: Double?

        public init(
            source: String, command: String? = nil, backend: String? = nil, trace: String? = nil,
            traceSHA256: String? = nil, totalRequests: Double? = nil
        ) {
            self.source = source
            self.command = command
            self.backend = backend
            self.trace = trace
            self.traceSHA256 = traceSHA256
            self.totalRequests = totalRequests
        }
    }

    /// One metric: its value in each run (`nil` where that run lacks it; NaN where it has no number).
    public struct Row: Sendable, Hashable {
        public var name: String
        public var a: Double?
        public var b: Double?

        public init(name: String, a: Double?, b: Double?) {
            self.name = name
            self.a = a
            self.b = b
        }

        /// Which runs have the metric.
        public enum Presence: String, Sendable, Hashable, Codable {
            case both
            case onlyA = "only_a"
            case onlyB = "only_b"
        }

        public var presence: Presence {
            switch (a, b) {
            case (.some, .some): .both
            case (.some, nil): .onlyA
            default: .onlyB
            }
        }

        /// `B − A`; `nil` unless both runs have the metric; NaN where either has no number.
        public var difference: Double? {
            guard let a, let b else { return nil }
            return b - a
        }

        /// `(B − A) / |A|` in percent; `nil` when a side lacks the metric, has no finite number,
        /// or A is zero (no relative error from a zero reference; the difference still shows).
        public var relativeErrorPercent: Double? {
            guard let a, let b, a.isFinite, b.isFinite, a != 0 else { return nil }
            return (b - a) / abs(a) * 100
        }
    }

    public var a: Run
    public var b: Run
    /// Every metric of either run, sorted by name.
    public var rows: [Row]

    public init(a: Run, metricsA: [String: Double], b: Run, metricsB: [String: Double]) {
        self.a = a
        self.b = b
        rows = Set(metricsA.keys).union(metricsB.keys).sorted().map { Row(name: $0, a: metricsA[$0], b: metricsB[$0]) }
    }

    /// Metrics in both runs.
    public var common: [Row] { rows.filter { $0.presence == .both } }

    /// Why the two runs may not have replayed the same requests, one clause per difference; empty
    /// when every recorded fact agrees (a fact one run does not record is not a difference).
    ///
    /// The trace's SHA-256 covers the bytes read, so two replays of one file with different
    /// `--max-requests` can share it: the request count is checked too.
    public var traceMismatches: [String] {
        var reasons: [String] = []
        if let digestA = a.traceSHA256, let digestB = b.traceSHA256, digestA != digestB {
            reasons.append("trace sha256 differs (A \(Self.short(digestA)) \(a.trace ?? "?"), B \(Self.short(digestB)) \(b.trace ?? "?"))")
        }
        if let countA = a.totalRequests, let countB = b.totalRequests, countA != countB {
            reasons.append("total_requests differs (A \(NumberText.format(countA)), B \(NumberText.format(countB)))")
        }
        return reasons
    }

    /// The warning for ``traceMismatches``, or `nil` when there is none.
    public var traceWarning: String? {
        let reasons = traceMismatches
        guard !reasons.isEmpty else { return nil }
        return "the two runs did not replay the same trace: " + reasons.joined(separator: "; ")
            + "; their metrics are not measurements of the same requests"
    }

    private static func short(_ digest: String) -> String { digest.count > 12 ? String(digest.prefix(12)) + "…" : digest }

    /// A number as compare prints it (six significant digits, as the gate's summary).
    public static func format(_ value: Double?) -> String { value.map(NumberText.format) ?? "—" }

    /// A signed difference: `+11`, `-0.5`.
    public static func formatSigned(_ value: Double?) -> String { value.map(NumberText.signed) ?? "—" }

    /// A relative error: `+9.17 %`, or `n/a`.
    public static func formatPercent(_ value: Double?) -> String { NumberText.percent(value) }
}
