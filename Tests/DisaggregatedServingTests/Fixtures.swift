import Foundation
import CMBenchTestSupport
@testable import DisaggregatedServing

/// The checked-in configuration files and edited copies of them for validation tests.
enum Fixtures {
    static let configs = SharedTraces.packageRoot.appendingPathComponent("configs").path
    static var hardwarePath: String { configs + "/hardware/ascend-910c.json" }
    static var modelPath: String { configs + "/models/deepseek-r1.json" }
    static var deploymentPath: String { configs + "/deployments/cloudmatrix-infer.json" }
    static var referencePath: String {
        SharedTraces.packageRoot.appendingPathComponent("results/reference/cloudmatrix-paper.json").path
    }

    static func system() throws -> SystemConfiguration {
        try SystemConfiguration.load(configsDirectory: configs, deployment: "cloudmatrix-infer")
    }

    /// Writes a copy of `path` with `edit` applied to its JSON object into `dir`, returns the copy's path.
    static func edited(_ path: String, in dir: TemporaryDirectory, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&json)
        let out = dir.path(URL(fileURLWithPath: path).lastPathComponent)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// Sets `value` at a dotted key path of nested objects.
    static func set(_ json: inout [String: Any], _ keyPath: [String], _ value: Any?) {
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
