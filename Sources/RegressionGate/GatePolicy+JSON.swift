import Foundation

/// A thresholds file that cannot be used, with the JSON path of the offending value.
public struct GatePolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the document, e.g. `metrics.ttft_p99_ms.relative_pct`; empty for the whole file.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

extension GatePolicy {
    /// Parses a thresholds file (schema in ``GatePolicy``); unknown keys and bad values are errors.
    public init(json data: Data) throws(GatePolicyError) {
        let top = try Self.object(JSONValue.parse(data), at: "")
        try Self.rejectUnknownKeys(top, allowed: ["default", "missing_metric", "suffixes", "metrics"], at: "")

        var policy = GatePolicy()
        if let value = top["default"] {
            let entry = try Self.object(value, at: "default")
            try Self.rejectUnknownKeys(entry, allowed: ["relative_pct", "absolute"], at: "default")
            policy.defaultTolerance = try Self.tolerance(entry, fallback: .deterministic, at: "default")
        }
        if let value = top["missing_metric"] {
            switch value {
            case .string("fail"): policy.failOnMissingMetric = true
            case .string("report"): policy.failOnMissingMetric = false
            default: throw GatePolicyError(path: "missing_metric", message: "expected \"fail\" or \"report\"")
            }
        }
        if let value = top["suffixes"] {
            for (suffix, raw) in try Self.object(value, at: "suffixes") where !suffix.hasPrefix("$") {
                policy.suffixPolarities[suffix] = try Self.polarity(raw, at: "suffixes.\(suffix)")
            }
        }
        if let value = top["metrics"] {
            for (name, raw) in try Self.object(value, at: "metrics") where !name.hasPrefix("$") {
                let path = "metrics.\(name)"
                let entry = try Self.object(raw, at: path)
                try Self.rejectUnknownKeys(entry, allowed: ["relative_pct", "absolute", "polarity", "unit"], at: path)
                var metric = MetricPolicy()
                if entry["relative_pct"] != nil || entry["absolute"] != nil {
                    metric.tolerance = try Self.tolerance(entry, fallback: policy.defaultTolerance, at: path)
                }
                if let raw = entry["polarity"] { metric.polarity = try Self.polarity(raw, at: "\(path).polarity") }
                if let raw = entry["unit"] {
                    guard case .string(let unit) = raw else {
                        throw GatePolicyError(path: "\(path).unit", message: "expected a string such as \"ms\"")
                    }
                    metric.unit = unit
                }
                policy.metrics[name] = metric
            }
        }
        self = policy
    }

    private static func object(_ value: JSONValue, at path: String) throws(GatePolicyError) -> [String: JSONValue] {
        guard case .object(let object) = value else {
            throw GatePolicyError(path: path, message: "expected a JSON object")
        }
        return object
    }

    private static func rejectUnknownKeys(_ object: [String: JSONValue], allowed: Set<String>, at path: String)
        throws(GatePolicyError)
    {
        let unknown = object.keys.filter { !allowed.contains($0) && !$0.hasPrefix("$") }.sorted()
        guard let first = unknown.first else { return }
        let prefix = path.isEmpty ? "" : "\(path)."
        throw GatePolicyError(
            path: prefix + first,
            message: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
    }

    private static func tolerance(_ entry: [String: JSONValue], fallback: Tolerance, at path: String)
        throws(GatePolicyError) -> Tolerance
    {
        let relative = try entry["relative_pct"].map { v throws(GatePolicyError) in
            try nonNegative(v, at: "\(path).relative_pct")
        }
        let absolute = try entry["absolute"].map { v throws(GatePolicyError) in
            try nonNegative(v, at: "\(path).absolute")
        }
        return Tolerance(relativePercent: relative ?? fallback.relativePercent, absolute: absolute ?? fallback.absolute)
    }

    private static func nonNegative(_ value: JSONValue, at path: String) throws(GatePolicyError) -> Double {
        guard case .number(let number) = value, number.isFinite, number >= 0 else {
            throw GatePolicyError(path: path, message: "expected a non-negative number")
        }
        return number
    }

    private static func polarity(_ value: JSONValue, at path: String) throws(GatePolicyError) -> Polarity {
        guard case .string(let text) = value, let polarity = Polarity(rawValue: text) else {
            throw GatePolicyError(path: path, message: "expected \"lower\", \"higher\" or \"match\"")
        }
        return polarity
    }
}
