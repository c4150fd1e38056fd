import Foundation
import SystemDescription

/// The checked-in configuration files and edited copies of them for validation tests.
public enum Fixtures {
    public static let configs = SharedTraces.packageRoot.appendingPathComponent("configs").path
    public static var hardwarePath: String { configs + "/hardware/ascend-910c.json" }
    public static var modelPath: String { configs + "/models/deepseek-r1.json" }
    public static var deploymentPath: String { configs + "/deployments/cloudmatrix-infer.json" }
    public static var referencePath: String {
        SharedTraces.packageRoot.appendingPathComponent("results/reference/cloudmatrix-paper.json").path
    }

    public static func system() throws -> SystemConfiguration {
        try SystemConfiguration.load(configsDirectory: configs, deployment: "cloudmatrix-infer")
    }

    /// Writes a copy of `path` with `edit` applied to its JSON object into `dir`, returns the copy's path.
    public static func edited(_ path: String, in dir: TemporaryDirectory, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&json)
        let out = dir.path(URL(fileURLWithPath: path).lastPathComponent)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// Sets `value` at a dotted key path of nested objects.
    public static func set(_ json: inout [String: Any], _ keyPath: [String], _ value: Any?) {
        guard let first = keyPath.first else { return }
        if keyPath.count == 1 {
            json[first] = value
            return
        }
        var child = json[first] as? [String: Any] ?? [:]
        set(&child, Array(keyPath.dropFirst()), value)
        json[first] = child
    }
}
