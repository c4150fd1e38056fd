import CSQLite
import Digest
import Foundation

/// The SQLite results store: one row per run with its provenance and metrics.
///
/// One `final class` owns one connection; it is not `Sendable`, so each thread or process
/// opens its own. Durability and concurrency choices, and why:
/// - **WAL** journal: readers never block the writer, and a crash leaves the file consistent.
/// - **`synchronous=NORMAL`**: in WAL mode this stays consistent, but a power loss may drop
///   the last few committed runs. Acceptable for a results store; the run can be replayed.
/// - **`busy_timeout` 10 s** and **`BEGIN IMMEDIATE`**: concurrent cmbench processes queue for
///   the write lock instead of failing with `SQLITE_BUSY`.
/// - **One transaction per run**: a process killed midway leaves no partial run.
/// - **`application_id`** marks cmbench stores; **`user_version`** records the schema version.
///
/// To hand the file to someone as one file, call ``checkpoint()`` first (empties the `-wal` file).
///
/// ```swift
/// let store = try ResultsStore(path: "results/cmbench.sqlite")
/// let id = try store.insert(NewRun(command: "replay", cmbenchVersion: CMBenchVersion.string,
///                                  backend: "cloudmatrix-infer", metrics: ["ttft_p99_ms": 812.5]))
/// let latest = try store.list(limit: 10)
/// ```
public final class ResultsStore {
    /// The path given at open (`:memory:` for ``inMemory()``).
    public let path: String
    let connection: SQLiteConnection
    /// The schema version the tables follow; 0 for an empty database opened for reading, which
    /// has no tables and reads as a store with no runs.
    let schemaVersion: Int
    /// Prepared statements by SQL text, reused across calls (GRDB's `cachedStatement`).
    private var statements: [String: SQLiteStatement] = [:]

    /// How long a writer waits for another process's write lock before failing.
    public static let busyTimeoutMilliseconds: Int32 = 10_000

    /// Opens the store at `path` for recording, creating the file (and its parent directories)
    /// on first use and migrating an older schema.
    ///
    /// - Throws: ``StoreError`` of kind `invalidPath` for a name that is not a file path (empty,
    ///   `:memory:`, an SQLite URI, a directory, a device), `badPath` for an unwritable location,
    ///   `notAResultsStore` for a foreign file, `schemaTooNew` for a store from a newer cmbench.
    public convenience init(path: String) throws(StoreError) {
        let storePath = try StorePath(path)
        try Self.createParent(of: storePath)
        try self.init(connection: SQLiteConnection(path: path, fileName: storePath.fileName), path: path)
    }

    /// Checks that `path` can name a store (see ``StoreError/Kind/invalidPath``) without
    /// opening it, so a command can refuse a bad `--store` before doing its work.
    public static func validatePath(_ path: String) throws(StoreError) {
        _ = try StorePath(path)
    }

    /// Opens an existing store for reading only (`runs list|show|export`, `gate` with run ids):
    /// `SQLITE_OPEN_READONLY`, no migration, no journal-mode switch, so a store this user may
    /// only read (another user's, a read-only mount) can still be listed.
    ///
    /// A WAL store needs its `-shm` index to be read. When the index is absent (every writer
    /// has closed, which removes it) and this user cannot create it, because the folder is not
    /// writable, the file is opened `immutable`: no index and no locks. That is exact here,
    /// because with no index there is no `-wal` content either (checked; a leftover log is
    /// refused with what to do), and it is the only way SQLite reads such a file; the cost is
    /// that a writer starting during the read is not seen. Converting stores out of WAL on close
    /// was the alternative, rejected because concurrent writers rely on WAL.
    ///
    /// A store with an older schema than this cmbench's is read as it is (nothing is migrated
    /// while reading): what a later schema added reads as not recorded (`nil`). An empty
    /// database file reads as a store with no runs.
    public convenience init(readingAt path: String) throws(StoreError) {
        try self.init(readingAt: path, migrations: Schema.migrations, oldestReadable: Schema.oldestReadableVersion)
    }

    /// - Parameter oldestReadable: the oldest schema version read without upgrading; an older
    ///   one is refused with what to do (by default only the latest is read).
    convenience init(readingAt path: String, migrations: [String], oldestReadable: Int? = nil) throws(StoreError) {
        let storePath = try StorePath(path)
        guard storePath.exists else {
            throw StoreError(kind: .missing, message: "no results store here yet", path: path)
        }
        let fileManager = FileManager.default
        var mode = SQLiteConnection.OpenMode.readOnly
        if !fileManager.fileExists(atPath: storePath.fileName + "-shm"), !fileManager.isWritableFile(atPath: storePath.directory) {
            let wal = (try? fileManager.attributesOfItem(atPath: storePath.fileName + "-wal")[.size] as? Int) ?? 0
            guard wal == 0 else {
                throw StoreError(
                    kind: .badPath,
                    message: "its write-ahead log \(path)-wal holds runs not yet in the file, and reading it needs an index "
                        + "(\(path)-shm) that this user cannot create in \(storePath.directory); ask someone who can write "
                        + "there to run: sqlite3 \(path) 'PRAGMA wal_checkpoint(TRUNCATE)'",
                    path: path)
            }
            mode = .immutable
        }
        let connection = try SQLiteConnection(path: path, fileName: storePath.fileName, mode: mode)
        try self.init(
            connection: connection, path: path, migrations: migrations, readOnly: true,
            oldestReadable: oldestReadable ?? migrations.count)
    }

    /// A private in-memory store, for tests and dry runs; gone when released.
    public static func inMemory() throws(StoreError) -> ResultsStore {
        try ResultsStore(connection: SQLiteConnection(path: ":memory:"), path: ":memory:")
    }

    init(
        connection: SQLiteConnection, path: String, migrations: [String] = Schema.migrations, readOnly: Bool = false,
        oldestReadable: Int = Schema.oldestReadableVersion
    ) throws(StoreError) {
        self.connection = connection
        self.path = path
        sqlite3_busy_timeout(connection.handle, Self.busyTimeoutMilliseconds)
        let migrator = Migrator(connection: connection, migrations: migrations)
        if readOnly {
            let (isNew, version) = try migrator.inspect()
            try migrator.refuseNewer(version)
            if !isNew && version < min(oldestReadable, migrations.count) {
                throw StoreError(
                    kind: .schemaTooOld,
                    message: "has schema version \(version), older than this cmbench reads (\(oldestReadable)), and reading does "
                        + "not upgrade it; record a run into it once (cmbench replay … --store \(path)) or read it with the "
                        + "cmbench that wrote it",
                    path: path)
            }
            schemaVersion = isNew ? 0 : version
            return
        }
        if sqlite3_db_readonly(connection.handle, "main") == 1 {
            throw StoreError(kind: .badPath, message: "the file is read-only; choose a writable --store path", path: path)
        }
        // Opening a new store races with other processes opening it too: switching it to WAL
        // and upgrading a read to the write lock can return SQLITE_BUSY at once, without the
        // busy handler (SQLite's deadlock rule). Start over then, until the busy timeout has
        // passed in total (a lock held that long is reported, not waited out again).
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(Self.busyTimeoutMilliseconds) * 1_000_000
        while true {
            do {
                try migrator.checkAndMigrate()
                break
            } catch where error.primaryCode == SQLITE_BUSY && DispatchTime.now().uptimeNanoseconds < deadline {
                usleep(5_000)
            }
        }
        try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        schemaVersion = migrations.count
    }

    /// Creates missing parent directories, since the default path `results/cmbench.sqlite` is
    /// created on first use.
    private static func createParent(of path: StorePath) throws(StoreError) {
        guard !path.exists, !FileManager.default.fileExists(atPath: path.directory) else { return }
        do {
            try FileManager.default.createDirectory(atPath: path.directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                kind: .badPath, message: "cannot create directory \(path.directory): \(error.localizedDescription)", path: path.given)
        }
    }

    // MARK: Writing

    /// Stores one run and its metrics in one transaction; returns its id.
    ///
    /// Idempotent by ``NewRun/runKey``: when the key is already stored, nothing is written and
    /// the existing id is returned, so a retry after an uncertain failure cannot duplicate a run.
    @discardableResult
    public func insert(_ run: NewRun) throws(StoreError) -> Int64 {
        guard !run.runKey.isEmpty else {
            throw StoreError(kind: .invalidRun, message: "a run needs a non-empty run key", path: path)
        }
        return try connection.immediateTransaction { () throws(StoreError) -> Int64 in
            let row: [SQLiteValue] = [
                .text(run.runKey), .text(Timestamp.string(from: run.createdAt)), .text(run.command),
                .text(run.cmbenchVersion), run.tracePath.map(SQLiteValue.text) ?? .null,
                run.traceSHA256.map(SQLiteValue.text) ?? .null, .text(run.backend), .text(run.configurationJSON),
                run.seed.map { .text(String($0)) } ?? .null, .text(Self.summaryJSON(run.metrics)),
                run.sourceRevision.map(SQLiteValue.text) ?? .null, run.toolchain.map(SQLiteValue.text) ?? .null,
                .integer(run.configFiles == nil ? 0 : 1),
            ]
            // The key exists: a retry of an already-stored run.
            guard let id = try insertRow(row, metrics: run.metrics, configFiles: run.configFiles) else {
                return try existingID(forKey: run.runKey)
            }
            return id
        }
    }

    /// Inserts one `runs` row (its columns in `row`, in the order of the statement below) with its
    /// metrics and configuration files, inside the caller's transaction; nil when its run key is
    /// already stored (nothing is written then).
    func insertRow(_ row: [SQLiteValue], metrics: [String: Double], configFiles: [FileDigest]?) throws(StoreError) -> Int64? {
        try cached(
            """
            INSERT INTO runs (run_key, created_at, command, cmbench_version, trace_path, trace_sha256,
                              backend, configuration_json, seed, summary_json, source_revision, toolchain,
                              config_files_recorded)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_key) DO NOTHING
            """
        ).run(row)
        guard sqlite3_changes(connection.handle) > 0 else { return nil }
        let id = sqlite3_last_insert_rowid(connection.handle)
        let metric = try cached("INSERT INTO run_metrics (run_id, name, value) VALUES (?, ?, ?)")
        for name in metrics.keys.sorted() {
            try metric.run([.integer(id), .text(name), .real(metrics[name]!)])
        }
        let file = try cached("INSERT INTO run_config_files (run_id, position, role, path, sha256) VALUES (?, ?, ?, ?, ?)")
        for (position, digest) in (configFiles ?? []).enumerated() {
            try file.run([.integer(id), .integer(Int64(position)), .text(digest.role), .text(digest.path), .text(digest.sha256)])
        }
        return id
    }

    /// Writes the WAL into the main file and truncates it, so the `.sqlite` file alone is complete.
    public func checkpoint() throws(StoreError) {
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    // MARK: Reading

    /// The most recent runs, newest first (by id, which follows commit order).
    public func list(limit: Int = 50) throws(StoreError) -> [StoredRun] {
        try runs(where: "ORDER BY id DESC LIMIT ?", [.integer(Int64(max(0, limit)))])
    }

    /// The run with this id, or `nil`.
    public func run(id: Int64) throws(StoreError) -> StoredRun? {
        try runs(where: "WHERE id = ?", [.integer(id)]).first
    }

    /// The run with this key, or `nil`.
    public func run(key: String) throws(StoreError) -> StoredRun? {
        try runs(where: "WHERE run_key = ?", [.text(key)]).first
    }

    /// How many runs are stored.
    public func count() throws(StoreError) -> Int {
        guard schemaVersion > 0 else { return 0 }
        return Int(try connection.scalarInteger("SELECT count(*) FROM runs"))
    }

    /// Calls `body` for every run, oldest first, reading one run at a time so an export of a
    /// large store does not hold it all in memory.
    public func forEachRun(_ body: (StoredRun) throws(StoreError) -> Void) throws(StoreError) {
        var after: Int64 = 0
        while true {
            let page = try runs(where: "WHERE id > ? ORDER BY id LIMIT 500", [.integer(after)])
            for run in page { try body(run) }
            guard let last = page.last else { return }
            after = last.id
        }
    }

    /// `PRAGMA integrity_check`'s answer: `["ok"]` for a healthy file.
    public func integrityCheck() throws(StoreError) -> [String] {
        let statement = try connection.prepare("PRAGMA integrity_check")
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(0) ?? "") }
        return lines
    }

    func cached(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        let statement = try connection.prepare(sql)
        statements[sql] = statement
        return statement
    }

    private static let runColumns =
        "id, run_key, created_at, command, cmbench_version, trace_path, trace_sha256, backend, configuration_json, seed"
    /// Added by schema 2; a store read at schema 1 has none (read as not recorded).
    private static let provenanceColumns = ", source_revision, toolchain, config_files_recorded"

    private func runs(where clause: String, _ values: [SQLiteValue]) throws(StoreError) -> [StoredRun] {
        guard schemaVersion > 0 else { return [] }
        let hasConfigFiles = schemaVersion >= Schema.configFilesVersion
        let columns = Self.runColumns + (hasConfigFiles ? Self.provenanceColumns : "")
        let statement = try cached("SELECT \(columns) FROM runs \(clause)")
        try statement.bind(values)
        defer { statement.reset() }
        var result: [StoredRun] = []
        while try statement.step() {
            result.append(
                StoredRun(
                    id: statement.integer(0) ?? 0, runKey: statement.text(1) ?? "", createdAt: statement.text(2) ?? "",
                    command: statement.text(3) ?? "", cmbenchVersion: statement.text(4) ?? "",
                    tracePath: statement.text(5), traceSHA256: statement.text(6), backend: statement.text(7) ?? "",
                    configurationJSON: statement.text(8) ?? "{}", seed: statement.text(9).flatMap { UInt64($0) },
                    metrics: [:], sourceRevision: hasConfigFiles ? statement.text(10) : nil,
                    toolchain: hasConfigFiles ? statement.text(11) : nil,
                    configFiles: hasConfigFiles && statement.integer(12) == 1 ? [] : nil))
        }
        let metrics = try cached("SELECT name, value FROM run_metrics WHERE run_id = ?")
        for index in result.indices {
            try metrics.bind([.integer(result[index].id)])
            while try metrics.step() {
                result[index].metrics[metrics.text(0) ?? ""] = metrics.real(1) ?? .nan
            }
        }
        metrics.reset()
        guard hasConfigFiles else { return result }
        let files = try cached("SELECT role, path, sha256 FROM run_config_files WHERE run_id = ? ORDER BY position")
        for index in result.indices where result[index].configFiles != nil {
            try files.bind([.integer(result[index].id)])
            while try files.step() {
                result[index].configFiles?.append(
                    FileDigest(role: files.text(0) ?? "", path: files.text(1) ?? "", sha256: files.text(2) ?? ""))
            }
        }
        files.reset()
        return result
    }

    private func existingID(forKey key: String) throws(StoreError) -> Int64 {
        let statement = try cached("SELECT id FROM runs WHERE run_key = ?")
        try statement.bind([.text(key)])
        defer { statement.reset() }
        guard try statement.step(), let id = statement.integer(0) else {
            throw StoreError(kind: .sqlite, message: "run key \(key) vanished during insert", path: path)
        }
        return id
    }

    /// The metrics as one JSON object with sorted keys, for `json_extract` queries in the shell;
    /// non-finite values become `null`.
    static func summaryJSON(_ metrics: [String: Double]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(metrics.mapValues { $0.isFinite ? $0 : nil })) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

@available(*, unavailable)
extension ResultsStore: Sendable {}
