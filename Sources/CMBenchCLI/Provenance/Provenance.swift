import Foundation

/// What produced an output, recorded in every report, JSON file and store row, so any number
/// can be traced back: cmbench version, the trace and its SHA-256, the configuration and the
/// seed.
struct Provenance: Codable, Sendable, Equatable {
    var cmbenchVersion = CMBenchVersion.string
    var command: String
    var trace: String?
    /// SHA-256 of the trace's bytes as read (compressed or not), for every kind of input.
    var traceSHA256: String?
    var configuration: [String: String]
    var seed: UInt64

    enum CodingKeys: String, CodingKey {
        case cmbenchVersion = "cmbench_version"
        case command, trace
        case traceSHA256 = "trace_sha256"
        case configuration, seed
    }

    /// Human-readable lines for the foot of a text report.
    var lines: [String] {
        var lines = ["cmbench \(cmbenchVersion) \(command)"]
        if let trace { lines.append("trace \(trace) sha256 \(traceSHA256 ?? "n/a")") }
        let settings = configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)" }
        if !settings.isEmpty { lines.append("configuration " + settings.joined(separator: " ")) }
        lines.append("seed \(seed)")
        return lines
    }
}
