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
        """
    ]

    static var latestVersion: Int { migrations.count }
}
