import Foundation

/// Writes metrics in the JSON that github-action-benchmark reads with its custom tools.
///
/// The action (benchmark-action/github-action-benchmark) takes `tool: customSmallerIsBetter`
/// or `tool: customBiggerIsBetter` and an `output-file-path` holding an array of
/// `{"name", "unit", "value"}` objects (optional `"range"`, `"extra"`). One file has one tool,
/// so cmbench writes two files, one per polarity, and the workflow runs the action twice:
///
/// ```yaml
/// - uses: benchmark-action/github-action-benchmark@v1
///   with: { tool: customSmallerIsBetter, output-file-path: gate/smaller-is-better.json }
/// - uses: benchmark-action/github-action-benchmark@v1
///   with: { tool: customBiggerIsBetter, output-file-path: gate/bigger-is-better.json }
/// ```
///
/// Metrics whose polarity is `match` fit neither tool and are left out, as are non-finite
/// values (JSON cannot hold them).
public enum GitHubActionBenchmark {
    public enum Tool: String, Sendable, CaseIterable {
        case customSmallerIsBetter
        case customBiggerIsBetter

        /// The polarity whose metrics this tool charts.
        public var polarity: Polarity { self == .customSmallerIsBetter ? .lowerIsBetter : .higherIsBetter }
    }

    /// One benchmark entry as the action reads it.
    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var unit: String
        public var value: Double
        /// Free text the action shows in its chart tooltip (e.g. the trace and seed).
        public var extra: String?

        public init(name: String, unit: String, value: Double, extra: String? = nil) {
            self.name = name
            self.unit = unit
            self.value = value
            self.extra = extra
        }
    }

    /// The entries for one tool, sorted by name; `namePrefix` groups charts (`"replay/azure-conv/"`).
    public static func entries(
        _ metrics: [String: Double], policy: GatePolicy, tool: Tool, namePrefix: String = "", extra: String? = nil
    ) -> [Entry] {
        metrics.keys.sorted().compactMap { name in
            guard let value = metrics[name], value.isFinite, policy.polarity(for: name) == tool.polarity else {
                return nil
            }
            return Entry(name: namePrefix + name, unit: policy.unit(for: name), value: value, extra: extra)
        }
    }

    /// The file's text: a pretty-printed JSON array with sorted keys, byte-stable for equal input.
    public static func json(_ entries: [Entry]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and finite doubles cannot fail.
        let data = try! encoder.encode(entries)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
