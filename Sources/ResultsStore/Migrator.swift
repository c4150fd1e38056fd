import CSQLite

/// Checks that a database is a cmbench store and brings its schema up to date.
///
/// Everything happens in one `BEGIN IMMEDIATE` transaction, so two processes opening a new
/// store at once cannot both migrate it, and a crash mid-migration leaves the old version.
struct Migrator {
    let connection: SQLiteConnection
    let migrations: [String]

    func checkAndMigrate() throws(StoreError) {
        // Read-only checks first, so a foreign file is never switched to WAL or written to.
        let (_, version) = try inspect()
        try refuseNewer(version)
        if connection.path != ":memory:" {
            // Persistent in the file; only the first opener pays for the switch.
            let mode = try connection.prepare("PRAGMA journal_mode")
            let isWAL = try mode.step() && mode.text(0)?.lowercased() == "wal"
            mode.reset()  // an unfinished statement holds a read transaction, which blocks the switch
            if !isWAL { try connection.execute("PRAGMA journal_mode = WAL") }
        }
        try connection.immediateTransaction { () throws(StoreError) in
            // Again under the write lock: another process may have created the store meanwhile.
            let (isNew, version) = try checkOwnership()
            if isNew { try connection.execute("PRAGMA application_id = \(Schema.applicationID)") }
            try refuseNewer(version)
            for index in version..<migrations.count {
                try connection.execute(migrations[index])
            }
            if version != migrations.count {
                try connection.execute("PRAGMA user_version = \(migrations.count)")
            }
        }
    }

    /// Reads, without writing anything, whether the file is an empty database (`isNew`) or a
    /// cmbench store and its schema version; refuses anything else.
    func inspect() throws(StoreError) -> (isNew: Bool, version: Int) {
        do {
            return try checkOwnership()
        } catch where error.primaryCode == SQLITE_NOTADB {
            throw StoreError(
                kind: .notAResultsStore, message: "is not an SQLite database; choose another --store path", path: connection.path,
                extendedCode: error.extendedCode)
        }
    }

    func refuseNewer(_ version: Int) throws(StoreError) {
        guard version > migrations.count else { return }
        throw StoreError(
            kind: .schemaTooNew,
            message: "has schema version \(version), newer than this cmbench understands (\(migrations.count)); "
                + "upgrade cmbench or use another --store path",
            path: connection.path)
    }

    /// Whether the file is an empty database (to be claimed) or ours, and its schema version.
    /// Anything else, including a non-empty database without an application_id, is foreign.
    private func checkOwnership() throws(StoreError) -> (isNew: Bool, version: Int) {
        let applicationID = try connection.scalarInteger("PRAGMA application_id")
        let version = Int(try connection.scalarInteger("PRAGMA user_version"))
        if applicationID == Int64(Schema.applicationID) { return (false, version) }
        guard applicationID == 0 else { throw foreign(applicationID) }
        let objects = try connection.scalarInteger("SELECT count(*) FROM sqlite_schema")
        guard objects == 0 && version == 0 else { throw foreign(applicationID) }
        return (true, version)
    }

    private func foreign(_ applicationID: Int64) -> StoreError {
        StoreError(
            kind: .notAResultsStore,
            message: "is an SQLite database but not a cmbench results store (application_id \(applicationID)); "
                + "choose another --store path",
            path: connection.path)
    }
}
