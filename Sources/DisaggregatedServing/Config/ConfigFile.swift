import Foundation

/// Reads one JSON configuration file into its `Decodable` file struct, turning decoding
/// failures into `ConfigError`s that name the JSON path.
enum ConfigFile {
    static func decode<T: Decodable>(_ type: T.Type, at path: String) throws(ConfigError) -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(
                .unreadableFile, file: path, path: "$",
                reason: "cannot read the file (\(error.localizedDescription)); check the path")
        }
        return try decode(type, from: data, file: path)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(ConfigError) -> T {
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
struct FieldValidator {
    var file: String

    func positive(_ n: Sourced<Double>, _ path: String) throws(ConfigError) -> Double {
        guard n.value.isFinite, n.value > 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be a positive number, got \(n.value)")
        }
        return n.value
    }

    func positive(_ n: Sourced<Int>, _ path: String) throws(ConfigError) -> Int {
        guard n.value > 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be a positive integer, got \(n.value)")
        }
        return n.value
    }

    func nonNegative(_ n: Sourced<Double>, _ path: String) throws(ConfigError) -> Double {
        guard n.value.isFinite, n.value >= 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be zero or positive, got \(n.value)")
        }
        return n.value
    }

    func nonNegative(_ n: Sourced<Int>, _ path: String) throws(ConfigError) -> Int {
        guard n.value >= 0 else {
            throw ConfigError(.invalidValue, file: file, path: path + ".value", reason: "must be zero or positive, got \(n.value)")
        }
        return n.value
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
