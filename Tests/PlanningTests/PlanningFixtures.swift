import CMBenchTestSupport
import DisaggregatedServing
import Foundation
import Planning
import Serving
import SystemDescription
import TraceFormats

/// The shipped deployment files as planning systems, and traces held in memory.
enum PlanningFixtures {
    static func system(_ name: String = "cloudmatrix-infer") throws -> PlanningSystem {
        let (system, serving) = try CloudMatrixBackend.load(configsDirectory: Fixtures.configs, deployment: name, files: ConfigFiles())
        return PlanningSystem(name: name, base: system, serving: serving)
    }

    /// The first `count` requests of a trace file.
    static func requests(_ path: String, count: Int) throws -> [ServingRequest] {
        let reader = try TraceReader(path: path)
        var requests: [ServingRequest] = []
        while requests.count < count, let request = try reader.next() { requests.append(request) }
        return requests
    }

    static var defaultTrace: String { SharedTraces.packageRoot.appendingPathComponent("traces/default.csv.zst").path }
}
