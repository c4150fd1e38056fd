import CSQLite
import Foundation

/// The C macro `SQLITE_TRANSIENT` (`(sqlite3_destructor_type)-1`), which Swift cannot import:
/// tells SQLite to copy bound text, because a bridged Swift string lives only for the call.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to or read from a statement.
enum SQLiteValue: Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// One open SQLite connection; owns the `sqlite3*` and closes it in `deinit`.
///
/// Opened with `SQLITE_OPEN_NOMUTEX` (multi-thread mode): one connection is used by one thread
/// at a time, which the non-`Sendable` type enforces at compile time. Concurrent writers each
/// open their own connection, and SQLite's file locks plus `busy_timeout` serialise them.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    /// How a connection opens its file.
    enum OpenMode {
        /// Read and write, creating the file if needed.
        case readWriteCreate
        /// `SQLITE_OPEN_READONLY`: never writes, never switches journal mode.
        case readOnly
        /// Read-only with the `immutable` URI parameter: no locks and no `-shm` file, for a WAL
        /// store whose folder this user cannot write (see ``ResultsStore/init(readingAt:)``).
        case immutable
    }

    /// Opens the database at `path` (as the user named it, for messages).
    ///
    /// - Parameter fileName: what SQLite opens, when it differs from `path` (an absolute path,
    ///   so that SQLite never reads the name as a URI or `:memory:`).
    init(path: String, fileName: String? = nil, mode: OpenMode = .readWriteCreate) throws(StoreError) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var name = fileName ?? path
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            name = "file:" + Self.percentEncoded(name) + "?immutable=1"
        }
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            if let db { sqlite3_close_v2(db) }
            let advice = mode == .readWriteCreate ? "check that the directory exists and is writable" : "check that the file is readable"
            throw StoreError(
                kind: StoreError.ResultCode.primary(code) == SQLITE_CANTOPEN ? .badPath : .sqlite,
                message: "cannot open: \(message); \(advice)",
                path: path, extendedCode: code)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    /// A path as the path part of an SQLite URI: every byte but unreserved ones and `/` escaped.
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    deinit {
        // close_v2 defers the close until any statement still alive is finalised.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw StoreError(kind: .sqlite, message: message, path: path, extendedCode: sqlite3_extended_errcode(handle), sql: sql)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// The first column of the first row of `sql`, as an integer (for pragmas and counts).
    func scalarInteger(_ sql: String) throws(StoreError) -> Int64 {
        let statement = try prepare(sql)
        defer { statement.reset() }
        guard try statement.step(), case .integer(let value) = statement.column(0) else {
            throw StoreError(kind: .sqlite, message: "expected an integer result", path: path, sql: sql)
        }
        return value
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    ///
    /// IMMEDIATE takes the write lock at the start, so two writers queue on `busy_timeout`
    /// instead of both reading and one failing with `SQLITE_BUSY` when it upgrades to write.
    func immediateTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // A failed COMMIT may already have rolled back; ignore a second failure here.
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    func error(_ code: Int32, sql: String?) -> StoreError {
        StoreError(
            kind: .sqlite, message: String(cString: sqlite3_errmsg(handle)), path: path,
            extendedCode: sqlite3_extended_errcode(handle) == 0 ? code : sqlite3_extended_errcode(handle), sql: sql)
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}

/// A prepared statement, finalised in `deinit`; reused with ``reset()`` for bulk writes.
final class SQLiteStatement {
    let connection: SQLiteConnection
    let handle: OpaquePointer
    let sql: String

    init(connection: SQLiteConnection, sql: String) throws(StoreError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw connection.error(code, sql: sql) }
        self.connection = connection
        self.handle = statement
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `values` to parameters 1…n, after clearing the previous run.
    func bind(_ values: [SQLiteValue]) throws(StoreError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = v.isNaN ? sqlite3_bind_null(handle, index) : sqlite3_bind_double(handle, index, v)
            case .text(let v): code = sqlite3_bind_text(handle, index, v, -1, sqliteTransient)
            }
            guard code == SQLITE_OK else { throw connection.error(code, sql: sql) }
        }
    }

    /// Advances one row: `true` when a row is available, `false` when done.
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Ends the current execution, releasing any read lock it holds; bindings stay.
    func reset() { sqlite3_reset(handle) }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLiteValue]) throws(StoreError) {
        try bind(values)
        _ = try step()
        sqlite3_reset(handle)
    }

    func column(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_NULL: return .null
        default:
            // column_text can return NULL (out of memory); never hand that to String(cString:).
            guard let text = sqlite3_column_text(handle, index) else { return .null }
            return .text(String(cString: text))
        }
    }

    func text(_ index: Int32) -> String? {
        switch column(index) {
        case .text(let value): return value
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    func integer(_ index: Int32) -> Int64? {
        if case .integer(let value) = column(index) { return value }
        return nil
    }

    func real(_ index: Int32) -> Double? {
        switch column(index) {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
