import Foundation

/// One changed value of a deployment file, with the reason it was chosen.
///
/// `cmbench plan` describes the deployment it chose as edits to the file it started from, so the
/// file it writes keeps every citation it did not change and says where each changed value came
/// from.
public struct DeploymentEdit: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case text(String)
    }

    /// Keys from the top of the file, e.g. `["decode", "npus"]`, `["decode", "microbatching", "policy"]`,
    /// `["precision"]`, `["servingSystem", "ems", "capacityGB"]`.
    public var path: [String]
    public var value: Value
    /// Why this value: written as the `source` of a `{value, source}` field; for a plain field
    /// (`precision`, `microbatching.enabled` and `.policy`, `name`) into the sibling source field
    /// the file uses: `source` beside `enabled`, `<key>Source` beside any other key
    /// (`policySource`, `expertBalanceSource`, and a top-level `precisionSource`, added when absent).
    public var source: String

    public init(path: [String], value: Value, source: String) {
        self.path = path
        self.value = value
        self.source = source
    }
}

/// Writes a deployment file as a changed copy of another, keeping what was not changed.
///
/// Pure data transformation: bytes in, bytes out; the caller reads and writes the files. The
/// output keeps every field, citation and number of the base as written, and the order of its
/// keys; it is laid out as `configs/deployments/cloudmatrix-infer.json` is (see
/// ``OrderedJSON/prettyPrinted()``), so the same inputs always give the same bytes, and loads
/// with the usual loaders (`SystemConfiguration.load`, `ServingSystemParameters.load`).
public enum DeploymentRewriter {
    /// Fields an edit may add when the base file lacks them (every other edit must name a field
    /// the base has, so a typo cannot write a field nothing reads): the EMS pool's capacity,
    /// which otherwise defaults to its share of its nodes' DRAM.
    public static let optionalFields: [[String]] = [["servingSystem", "ems", "capacityGB"]]

    /// The base file's bytes with `edits` applied (in order; a later edit of the same path wins),
    /// `name` and `description` replaced.
    ///
    /// - Throws: `ConfigError` naming `file` and the JSON path: `malformedJSON` for a base that
    ///   is not JSON, `unknownName` for an edit whose path the base does not have (except
    ///   ``optionalFields``), `wrongType` for an edit of an object, an array or a value of another
    ///   type (a number for a string), `invalidValue` for a non-finite number or an empty source.
    public static func rewrite(_ base: Data, file: String, name: String, description: String, edits: [DeploymentEdit])
        throws(ConfigError) -> Data
    {
        var document = try OrderedJSON.parse(base, file: file)
        guard document.members != nil else {
            throw ConfigError(.wrongType, file: file, path: "$", reason: "a deployment file is a JSON object")
        }
        document.set("name", .string(name))
        document.set("description", .string(description), after: "name")
        for edit in edits {
            try apply(edit, to: &document, file: file)
        }
        return Data(document.prettyPrinted().utf8)
    }

    private static func apply(_ edit: DeploymentEdit, to document: inout OrderedJSON, file: String) throws(ConfigError) {
        let jsonPath = "$" + edit.path.map { "." + $0 }.joined()
        func fail(_ code: ConfigError.Code, _ reason: String) -> ConfigError {
            ConfigError(code, file: file, path: jsonPath, reason: reason)
        }
        guard !edit.path.isEmpty else { throw fail(.unknownName, "an edit needs a path") }
        guard !edit.source.isEmpty else { throw fail(.invalidValue, "say why this value (an empty source)") }
        let value: OrderedJSON
        switch edit.value {
        case .integer(let n): value = .integer(n)
        case .number(let x):
            guard let number = OrderedJSON.number(x) else { throw fail(.invalidValue, "JSON cannot hold \(x)") }
            value = number
        case .bool(let b): value = .bool(b)
        case .text(let s): value = .string(s)
        }

        /// Walks `path` down from `node` and hands the leaf (nil when absent), its key and its
        /// object to `body`, writing the changed objects back on the way up.
        func descend(
            _ node: inout OrderedJSON, at path: ArraySlice<String>, optional: Bool,
            _ body: (OrderedJSON?, String, inout OrderedJSON) throws(ConfigError) -> Void
        ) throws(ConfigError) {
            let key = path.first!
            guard node.members != nil else {
                throw fail(.unknownName, "no such field in the base deployment: \(kind(node)) has no fields")
            }
            if path.count == 1 {
                guard node[key] != nil || optional else { throw fail(.unknownName, "no such field in the base deployment") }
                try body(node[key], key, &node)
                return
            }
            guard var child = node[key] else { throw fail(.unknownName, "no such field in the base deployment") }
            try descend(&child, at: path.dropFirst(), optional: optional, body)
            node.set(key, child)
        }

        try descend(&document, at: edit.path[...], optional: optionalFields.contains(edit.path)) { (leaf, key, parent) throws(ConfigError) in
            switch leaf {
            case .none:
                // Only an optional field reaches here: added as a sourced value at its object's end.
                parent.set(key, .object([.init("value", value), .init("source", .string(edit.source))]))
            case .some(let current) where current["value"] != nil && current["source"] != nil:
                let old = current["value"]!
                guard sameKind(old, value) else {
                    throw fail(.wrongType, "the base holds \(kind(old)) here, the edit \(kind(value))")
                }
                var sourced = current
                sourced.set("value", value)
                sourced.set("source", .string(edit.source))
                parent.set(key, sourced)
            case .some(let current) where current.members == nil:
                guard sameKind(current, value) else {
                    throw fail(.wrongType, "the base holds \(kind(current)) here, the edit \(kind(value))")
                }
                parent.set(key, value)
                parent.set(key == "enabled" ? "source" : key + "Source", .string(edit.source), after: key)
            case .some(let current):
                throw fail(.wrongType, "is \(kind(current)), not a value; edit one of its fields")
            }
        }
    }

    private static func sameKind(_ a: OrderedJSON, _ b: OrderedJSON) -> Bool { kind(a) == kind(b) }

    private static func kind(_ value: OrderedJSON) -> String {
        switch value {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "text"
        case .number: return "a number"
        case .bool: return "true or false"
        case .null: return "null"
        }
    }
}
