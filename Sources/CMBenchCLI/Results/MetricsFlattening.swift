import Foundation

/// Turns a result document (`replay --json`, `reproduce --json`, or a flat
/// `{"metrics": {NAME: VALUE}}`) into named numbers for the store and the gate.
///
/// One rule for every document, so a run stored in SQLite and the same run saved as JSON give
/// the same metric names: nested keys join with `.` (`ttft_ms.p99`); in an array of objects that
/// carry an `id`, the id names the element (`points.R1.model`); provenance and descriptive
/// sections are left out, since they are not measurements.
enum MetricsFlattening {
    /// Sections that describe a run rather than measure it.
    static let excludedKeys: Set<String> = ["provenance", "backend", "schema", "rejections", "slo_limits_ms"]

    static func metrics(fromJSON data: Data, source: String) throws(CLIError) -> [String: Double] {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw CLIError(.badData, "\(source): not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw CLIError(.badData, "\(source): expected a JSON object") }
        if let flat = root["metrics"] as? [String: Any], root.count == 1 || root["schema"] as? String == "cmbench.metrics/1" {
            // Every value here is a metric: one that is not a number is an error, never dropped.
            var result: [String: Double] = [:]
            for (name, value) in flat {
                guard let number = number(value) else {
                    throw CLIError(.badData, "\(source): metrics.\(name): expected a number, null or \"nan\", got \(value)")
                }
                result[name] = number
            }
            return result
        }
        var result: [String: Double] = [:]
        flatten(root, prefix: "", into: &result)
        return result
    }

    static func metrics(of value: some Encodable) throws -> [String: Double] {
        let data = try JSONEncoder().encode(value)
        return try metrics(fromJSON: data, source: "result")
    }

    private static func flatten(_ value: Any, prefix: String, into result: inout [String: Double]) {
        switch value {
        case let dictionary as [String: Any]:
            for (key, child) in dictionary where !(prefix.isEmpty && excludedKeys.contains(key)) {
                flatten(child, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &result)
            }
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                let name = (element as? [String: Any])?["id"] as? String ?? String(index)
                flatten(element, prefix: prefix + "." + name, into: &result)
            }
        default:
            // Other strings describe rather than measure (names, roles, units).
            if let number = number(value) { result[prefix] = number }
        }
    }

    /// A metric's value: a JSON number (a boolean flag becomes 0 or 1: a change still shows),
    /// or one without a number, kept as NaN so the gate lists it rather than dropping it: `null`
    /// (how replay writes an undefined metric) and the strings cmbench writes for non-finite
    /// values (`nan`, `inf`, `-inf`; also `NaN`, `Infinity`). `nil` for anything else.
    private static func number(_ value: Any) -> Double? {
        switch value {
        case let number as NSNumber: return number.doubleValue
        case is NSNull: return .nan
        case let text as String:
            switch text.lowercased() {
            case "nan", "-nan", "+nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: return nil
            }
        default: return nil
        }
    }
}
