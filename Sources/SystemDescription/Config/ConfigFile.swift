import Foundation

/// Reads one JSON configuration file into its `Decodable` file struct, turning decoding
/// failures into `ConfigError`s that name the JSON path.
package enum ConfigFile {
    /// The bytes of the file at `path`; the path-taking loaders read with this and hand the bytes
    /// to their `Data`-taking twins, so both go through one decoder and one validator.
    static func read(_ path: String) throws(ConfigError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(.missingFile, file: path, path: "$", reason: "no such file; check the name and the configs folder")
            }
            throw ConfigError(
                .unreadableFile, file: path, path: "$",
                reason: "cannot read the file (\(error.localizedDescription)); check the path")
        }
    }

    package static func decode<T: Decodable>(_ type: T.Type, at path: String) throws(ConfigError) -> T {
        try decode(type, from: read(path), file: path)
    }

    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(ConfigError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw translate(error, file: file)
        } catch {
            throw ConfigError(.malformedJSON, file: file, path: "$", reason: "\(error)")
        }
    }

    /// `$.a.b[2].c` from a coding path.
    static func jsonPath(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
        var path = "$"
        for k in codingPath + (key.map { [$0] } ?? []) {
            if let i = k.intValue { path += "[\(i)]" } else { path += ".\(k.stringValue)" }
        }
        return path
    }

    private static func translate(_ error: DecodingError, file: String) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigError(
                .missingField, file: file, path: jsonPath(context.codingPath, appending: key),
                reason: "required field is missing; add it (numbers are written {\"value\": …, \"source\": \"…\"})")
        case .typeMismatch(let type, let context):
            return ConfigError(
                .wrongType, file: file, path: jsonPath(context.codingPath),
                reason: "expected \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return ConfigError(
                .missingField, file: file, path: jsonPath(context.codingPath),
                reason: "expected \(type), found null")
        case .dataCorrupted(let context):
            return ConfigError(
                .malformedJSON, file: file, path: jsonPath(context.codingPath),
                reason: "not valid JSON: \(context.debugDescription) \(context.underlyingError.map { "\($0)" } ?? "")")
        @unknown default:
            return ConfigError(.malformedJSON, file: file, path: "$", reason: "\(error)")
        }
    }
}

/// Checks on decoded numbers that produce path-naming errors.
///
/// Integers are also bounded above (``integerLimit`` unless a field says otherwise): the cost
/// and memory models multiply counts together, and a hand-edited 466666666666666352 would
/// otherwise overflow 64 bits and trap instead of being refused.
package struct FieldValidator {
    var file: String

    /// The largest count or size a configuration integer may hold unless its field sets its own
    /// bound: far above any real system (the largest in configs/ is 129,280), and small enough
    /// that a product of three such numbers stays within 64 bits.
    package static let integerLimit = 1 << 20

    func positive(_ n: Sourced<Double>, _ path: String) throws(ConfigError) -> Double {
        guard n.value.isFinite, n.value > 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be a positive number, got \(n.value)")
        }
        return n.value
    }

    func positive(_ n: Sourced<Int>, _ path: String, atMost limit: Int = integerLimit) throws(ConfigError) -> Int {
        guard n.value > 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be a positive integer, got \(n.value)")
        }
        return try bounded(n.value, path, limit)
    }

    func nonNegative(_ n: Sourced<Double>, _ path: String) throws(ConfigError) -> Double {
        guard n.value.isFinite, n.value >= 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be zero or positive, got \(n.value)")
        }
        return n.value
    }

    func nonNegative(_ n: Sourced<Int>, _ path: String, atMost limit: Int = integerLimit) throws(ConfigError) -> Int {
        guard n.value >= 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be zero or positive, got \(n.value)")
        }
        return try bounded(n.value, path, limit)
    }

    private func bounded(_ value: Int, _ path: String, _ limit: Int) throws(ConfigError) -> Int {
        guard value <= limit else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be at most \(limit), got \(value)")
        }
        return value
    }

    func fraction(_ n: Sourced<Double>, _ path: String) throws(ConfigError) -> Double {
        guard n.value.isFinite, n.value > 0, n.value <= 1 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be in (0, 1], got \(n.value)")
        }
        return n.value
    }

    func fail(_ path: String, _ reason: String, code: ConfigError.Code = .invalidValue) -> ConfigError {
        ConfigError(code, file: file, path: path, reason: reason)
    }
}
