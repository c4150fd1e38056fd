import Foundation

/// A parsed JSON value, so the thresholds parser can report exact paths and reject unknown keys.
///
/// Decoded with `JSONDecoder` rather than `JSONSerialization` because the latter returns
/// `NSNumber` for both `true` and `1`, which cannot be told apart portably.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `data`, turning decoder errors into one readable sentence.
    static func parse(_ data: Data) throws(GatePolicyError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw GatePolicyError(path: "", message: "invalid JSON: \(detail ?? context.debugDescription)")
        } catch {
            throw GatePolicyError(path: "", message: "invalid JSON: \(error)")
        }
    }
}
