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
    ///
    /// The three values are read by one statement, so from one snapshot: read one by one, a
    /// reader could see the application_id of an empty file and then the tables another process
    /// created meanwhile, and call a store being created foreign.
    private func checkOwnership() throws(StoreError) -> (isNew: Bool, version: Int) {
        let statement = try connection.prepare(
            "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT user_version FROM pragma_user_version()), "
                + "(SELECT count(*) FROM sqlite_schema)")
        defer { statement.reset() }
        guard try statement.step() else { throw foreign(0) }
        let applicationID = statement.integer(0) ?? 0
        let version = Int(statement.integer(1) ?? 0)
        let objects = statement.integer(2) ?? 0
        if applicationID == Int64(Schema.applicationID) { return (false, version) }
        guard applicationID == 0 else { throw foreign(applicationID) }
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
