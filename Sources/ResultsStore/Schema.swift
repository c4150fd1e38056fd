/// The store's schema as an ordered list of migrations, recorded in `PRAGMA user_version`.
///
/// Migration *n* (1-based) takes a database from `user_version = n − 1` to `n`. Append new
/// migrations at the end; never edit a shipped one, since existing stores have already run it.
/// A single-writer CLI does not need GRDB's named-migration table: the order is the history.
enum Schema {
    /// `PRAGMA application_id`: the bytes "cmbR" (0x636D6252), marking the file as a cmbench
    /// results store so `cmbench` refuses to write into someone else's SQLite file.
    static let applicationID: Int32 = 0x636D_6252

    static let migrations: [String] = [
        // 1: runs and their metrics.
        """
        CREATE TABLE runs (
            id                 INTEGER PRIMARY KEY,
            run_key            TEXT NOT NULL UNIQUE,
            created_at         TEXT NOT NULL,
            command            TEXT NOT NULL,
            cmbench_version    TEXT NOT NULL,
            trace_path         TEXT,
            trace_sha256       TEXT,
            backend            TEXT NOT NULL,
            configuration_json TEXT NOT NULL DEFAULT '{}',
            seed               TEXT,
            summary_json       TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX runs_by_created_at ON runs (created_at);
        CREATE TABLE run_metrics (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            name   TEXT NOT NULL,
            value  REAL,
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX run_metrics_by_name ON run_metrics (name, value);
        """,
        // 2: what built cmbench, and the configuration files each run used with their digests.
        // Runs recorded before have NULL revision and toolchain and config_files_recorded = 0
        // (unknown, which is not the same as "none": the fixed backend reads no file).
        """
        ALTER TABLE runs ADD COLUMN source_revision TEXT;
        ALTER TABLE runs ADD COLUMN toolchain TEXT;
        ALTER TABLE runs ADD COLUMN config_files_recorded INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE run_config_files (
            run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            role     TEXT NOT NULL,
            path     TEXT NOT NULL,
            sha256   TEXT NOT NULL,
            PRIMARY KEY (run_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX run_config_files_by_sha256 ON run_config_files (sha256);
        """,
        // 3: evaluated points of `cmbench plan`, so a re-run with the same inputs reuses them.
        // `key` is a SHA-256 (hex) the caller computes from everything that determines the
        // result; `payload` is JSON the caller encodes. Not tied to `runs`: a point is a cache
        // entry, not a recorded run.
        """
        CREATE TABLE plan_evaluations (
            key              TEXT PRIMARY KEY,
            created_at       TEXT NOT NULL,
            cmbench_revision TEXT NOT NULL,
            payload          TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    static var latestVersion: Int { migrations.count }

    /// The oldest schema this cmbench reads without upgrading it (`runs`, `gate` open stores
    /// read-only): columns and tables a later migration added read as "not recorded".
    static let oldestReadableVersion = 1

    /// The schema that added `source_revision`, `toolchain` and `run_config_files`.
    static let configFilesVersion = 2

    /// The schema that added `plan_evaluations`.
    static let planEvaluationsVersion = 3
}
