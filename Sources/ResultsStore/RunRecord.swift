import Digest
import Foundation

/// A finished run to be stored: its provenance and its summary metrics.
///
/// Generic over metric names, so the store holds replays, sweeps and cost estimates alike.
public struct NewRun: Sendable, Hashable {
    /// Unique per run; inserting a key that is already stored returns the existing row, so a
    /// retried `insert` never duplicates a run. A UUID by default; a content hash of
    /// (command, configuration, trace sha256, seed, version) makes identical reruns collapse.
    public var runKey: String
    public var createdAt: Date
    /// The command line or subcommand that produced the run (`replay`, `sweep …`).
    public var command: String
    public var cmbenchVersion: String
    public var tracePath: String?
    public var traceSHA256: String?
    /// The serving backend or system name (`cloudmatrix-infer`, `fixed-latency`).
    public var backend: String
    /// The configuration as a JSON text, stored verbatim.
    public var configurationJSON: String
    public var seed: UInt64?
    /// The git revision cmbench was built from (`-dirty` for a changed tree), or "unknown".
    public var sourceRevision: String?
    /// The Swift compiler that built cmbench.
    public var toolchain: String?
    /// The hardware, model and deployment files the run used, with their digests; `[]` when it
    /// used none (the fixed backend), `nil` when not recorded.
    public var configFiles: [FileDigest]?
    /// Summary metrics by name (`ttft_p99_ms`); NaN is stored as NULL and read back as NaN.
    public var metrics: [String: Double]

    public init(
        runKey: String = UUID().uuidString.lowercased(), createdAt: Date = Date(), command: String,
        cmbenchVersion: String, tracePath: String? = nil, traceSHA256: String? = nil, backend: String,
        configurationJSON: String = "{}", seed: UInt64? = nil, sourceRevision: String? = nil, toolchain: String? = nil,
        configFiles: [FileDigest]? = nil, metrics: [String: Double]
    ) {
        self.runKey = runKey
        self.createdAt = createdAt
        self.command = command
        self.cmbenchVersion = cmbenchVersion
        self.tracePath = tracePath
        self.traceSHA256 = traceSHA256
        self.backend = backend
        self.configurationJSON = configurationJSON
        self.seed = seed
        self.sourceRevision = sourceRevision
        self.toolchain = toolchain
        self.configFiles = configFiles
        self.metrics = metrics
    }
}

/// A run as read back from the store.
public struct StoredRun: Sendable, Hashable, Codable {
    public var id: Int64
    public var runKey: String
    /// ISO-8601 UTC with milliseconds, e.g. `2025-06-01T12:00:00.000Z`, as stored.
    public var createdAt: String
    public var command: String
    public var cmbenchVersion: String
    public var tracePath: String?
    public var traceSHA256: String?
    public var backend: String
    public var configurationJSON: String
    public var seed: UInt64?
    /// `nil` for a run recorded before schema 2 (as are the two below): not recorded.
    public var sourceRevision: String?
    public var toolchain: String?
    /// The configuration files and their digests; `[]` for none, `nil` when not recorded.
    public var configFiles: [FileDigest]?
    public var metrics: [String: Double]

    public init(
        id: Int64, runKey: String, createdAt: String, command: String, cmbenchVersion: String, tracePath: String?,
        traceSHA256: String?, backend: String, configurationJSON: String, seed: UInt64?, metrics: [String: Double],
        sourceRevision: String? = nil, toolchain: String? = nil, configFiles: [FileDigest]? = nil
    ) {
        self.id = id
        self.runKey = runKey
        self.createdAt = createdAt
        self.command = command
        self.cmbenchVersion = cmbenchVersion
        self.tracePath = tracePath
        self.traceSHA256 = traceSHA256
        self.backend = backend
        self.configurationJSON = configurationJSON
        self.seed = seed
        self.sourceRevision = sourceRevision
        self.toolchain = toolchain
        self.configFiles = configFiles
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case id
        case runKey = "run_key"
        case createdAt = "created_at"
        case command
        case cmbenchVersion = "cmbench_version"
        case tracePath = "trace_path"
        case traceSHA256 = "trace_sha256"
        case backend
        case configurationJSON = "configuration_json"
        case seed
        case sourceRevision = "source_revision"
        case toolchain
        case configFiles = "config_files"
        case metrics
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        runKey = try c.decode(String.self, forKey: .runKey)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        command = try c.decode(String.self, forKey: .command)
        cmbenchVersion = try c.decode(String.self, forKey: .cmbenchVersion)
        tracePath = try c.decodeIfPresent(String.self, forKey: .tracePath)
        traceSHA256 = try c.decodeIfPresent(String.self, forKey: .traceSHA256)
        backend = try c.decode(String.self, forKey: .backend)
        configurationJSON = try c.decode(String.self, forKey: .configurationJSON)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        sourceRevision = try c.decodeIfPresent(String.self, forKey: .sourceRevision)
        toolchain = try c.decodeIfPresent(String.self, forKey: .toolchain)
        configFiles = try c.decodeIfPresent([FileDigest].self, forKey: .configFiles)
        metrics = try c.decode([String: Double?].self, forKey: .metrics).mapValues { $0 ?? .nan }
    }

    /// Encodes non-finite metrics as `null`, which JSON can hold and pandas reads as NaN.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(runKey, forKey: .runKey)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(command, forKey: .command)
        try c.encode(cmbenchVersion, forKey: .cmbenchVersion)
        try c.encode(tracePath, forKey: .tracePath)
        try c.encode(traceSHA256, forKey: .traceSHA256)
        try c.encode(backend, forKey: .backend)
        try c.encode(configurationJSON, forKey: .configurationJSON)
        try c.encode(seed, forKey: .seed)
        try c.encode(sourceRevision, forKey: .sourceRevision)
        try c.encode(toolchain, forKey: .toolchain)
        try c.encode(configFiles, forKey: .configFiles)
        try c.encode(metrics.mapValues { $0.isFinite ? $0 : nil }, forKey: .metrics)
    }
}

/// UTC ISO-8601 timestamps with milliseconds: sortable as text, readable in the sqlite3 shell.
enum Timestamp {
    static func string(from date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
