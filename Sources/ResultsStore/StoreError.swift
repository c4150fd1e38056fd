import CSQLite

/// Why the results store refused or failed, keeping SQLite's own words.
///
/// Shaped after GRDB's `DatabaseError`: the extended result code, `sqlite3_errmsg` text and the
/// SQL that failed travel together, so a report says what SQLite said, not a generic phrase.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, for the CLI's choice of exit status.
    public enum Kind: String, Sendable, Hashable {
        /// SQLite returned an error code (I/O, locking, constraint, corruption …).
        case sqlite
        /// The path cannot hold a store: an unwritable or unreadable location.
        case badPath
        /// The name is not a file path a store can live in: empty, `:memory:`, an SQLite URI, a
        /// directory, a device or a pipe. Refused before SQLite sees it.
        case invalidPath
        /// A store opened for reading does not exist.
        case missing
        /// The file is SQLite but not a cmbench store, or not SQLite at all.
        case notAResultsStore
        /// The file was written by a newer cmbench whose schema this binary does not know.
        case schemaTooNew
        /// The file has an older schema and was opened for reading, which never migrates.
        case schemaTooOld
        /// A run or plan evaluation the caller passed cannot be stored (e.g. an empty key).
        case invalidRun
    }

    public var kind: Kind
    /// A sentence saying what went wrong and, where possible, what to do.
    public var message: String
    /// The store's path (`:memory:` for an in-memory store).
    public var path: String
    /// SQLite's extended result code, e.g. `SQLITE_BUSY` or `SQLITE_CONSTRAINT_UNIQUE`.
    public var extendedCode: Int32?
    /// The statement that failed, when one did.
    public var sql: String?

    public init(kind: Kind, message: String, path: String, extendedCode: Int32? = nil, sql: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.extendedCode = extendedCode
        self.sql = sql
    }

    /// The primary result code (`SQLITE_BUSY` for `SQLITE_BUSY_SNAPSHOT`), as GRDB's `ResultCode`.
    public var primaryCode: Int32? { extendedCode.map(ResultCode.primary) }

    /// Whether another connection held a lock past the busy timeout: `SQLITE_BUSY` or
    /// `SQLITE_LOCKED`, with any extended code of either.
    public var isLockConflict: Bool { primaryCode == ResultCode.busy || primaryCode == ResultCode.locked }

    /// The SQLite result codes callers outside this module name, as in `sqlite3.h`, so they
    /// need not import CSQLite nor compare with bare numbers.
    public enum ResultCode {
        public static let error = SQLITE_ERROR
        public static let busy = SQLITE_BUSY
        public static let locked = SQLITE_LOCKED

        /// The primary code of an extended one: its low 8 bits ("Result and Error Codes",
        /// sqlite.org/rescode.html).
        public static func primary(_ extended: Int32) -> Int32 { extended & 0xFF }
    }

    public var description: String {
        var text = "results store \(path): \(message)"
        if let extendedCode { text += " (SQLite code \(extendedCode))" }
        if let sql { text += " in: \(sql)" }
        return text
    }
}
