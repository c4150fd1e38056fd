import Digest
import Foundation

/// What produced an output, recorded in every report, JSON file, CSV companion and store row, so
/// any number can be traced back: cmbench's version, the source revision and toolchain it was
/// built with, the trace and its SHA-256, the hardware, model and deployment files and theirs,
/// the configuration and the seed.
struct Provenance: Codable, Sendable, Equatable {
    var cmbenchVersion = CMBenchVersion.string
    /// The git commit cmbench was built from, `-dirty` when its tree had changes; "unknown" for
    /// a build that did not run ci/stamp.sh (see ``BuildStamp``).
    var sourceRevision = BuildStamp.sourceRevision
    /// The Swift compiler that built cmbench (`swift --version`).
    var toolchain = BuildStamp.toolchain
    var command: String
    var trace: String?
    /// SHA-256 of the trace's bytes as read (compressed or not), for every kind of input.
    var traceSHA256: String?
    /// The hardware, model and deployment files the run used, each with the SHA-256 of the
    /// bytes parsed; empty for a backend that reads none (`fixed`).
    var configFiles: [FileDigest] = []
    var configuration: [String: String]
    /// The seed of the run; nil for a command without randomness (explain).
    var seed: UInt64?

    enum CodingKeys: String, CodingKey {
        case cmbenchVersion = "cmbench_version"
        case sourceRevision = "source_revision"
        case toolchain
        case command, trace
        case traceSHA256 = "trace_sha256"
        case configFiles = "config_files"
        case configuration, seed
    }

    /// Human-readable lines for the foot of a text report.
    var lines: [String] {
        var lines = ["cmbench \(cmbenchVersion) \(command)", Self.buildLine(sourceRevision: sourceRevision, toolchain: toolchain)]
        if let trace { lines.append("trace \(trace) sha256 \(traceSHA256 ?? "n/a")") }
        lines.append(contentsOf: Self.configFileLines(configFiles))
        let settings = configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)" }
        if !settings.isEmpty { lines.append("configuration " + settings.joined(separator: " ")) }
        if let seed { lines.append("seed \(seed)") }
        return lines
    }

    /// `built from REVISION with TOOLCHAIN` (ci/render_docs.py normalises this line in the
    /// generated docs: a committed file cannot hold its own commit).
    static func buildLine(sourceRevision: String, toolchain: String) -> String {
        "built from \(sourceRevision) with \(toolchain)"
    }

    /// One `config ROLE PATH sha256 DIGEST` line per file, or one saying there is none.
    static func configFileLines(_ files: [FileDigest]) -> [String] {
        guard !files.isEmpty else { return ["config files none (the backend reads no configuration file)"] }
        return files.map { "config \($0.role) \($0.path) sha256 \($0.sha256)" }
    }

    /// `files` without repeats (the same file with the same digest), in first-seen order: for
    /// outputs of several backends (sweep points, bench replays), each of which read its own.
    static func union(_ lists: [[FileDigest]]) -> [FileDigest] {
        var seen = Set<FileDigest>()
        return lists.joined().filter { seen.insert($0).inserted }
    }
}

/// Reads back what a result file records of its provenance, for the gate.
enum RecordedProvenance {
    private struct Document: Decodable {
        struct Recorded: Decodable {
            var configFiles: [FileDigest]?
            enum CodingKeys: String, CodingKey { case configFiles = "config_files" }
        }
        var provenance: Recorded?
    }

    /// `provenance.config_files` of a JSON result, or `nil` when it has none (an output of an
    /// older cmbench, a hand-written `{"metrics": …}`) or it is not in the shape cmbench writes:
    /// the gate then has nothing to compare, which is not an error.
    static func configFiles(inJSON data: Data) -> [FileDigest]? {
        (try? JSONDecoder().decode(Document.self, from: data))?.provenance?.configFiles
    }
}
