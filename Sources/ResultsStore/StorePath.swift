import Foundation

/// A `--store` value checked to name a file a store can live in, before SQLite sees it.
///
/// SQLite gives some names a meaning of its own: `:memory:` and `""` open a private database
/// that is gone when the process exits, and `file:…?mode=memory` is a URI (this system's
/// libsqlite3 is built to accept URIs in every open), so a run "recorded" there keeps nothing.
/// A device such as `/dev/null` fails only at the first write, leaving a `-journal` beside it.
/// A store is therefore a regular file, or a new name in a folder, and SQLite is handed the
/// absolute path (``fileName``): a name starting with `/` is never a URI or `:memory:`.
struct StorePath {
    /// The path as the user gave it, for messages.
    let given: String
    /// The absolute path handed to `sqlite3_open_v2`.
    let fileName: String
    /// Whether the file exists (a regular file, possibly through a symbolic link).
    let exists: Bool

    init(_ path: String) throws(StoreError) {
        func refuse(_ message: String) -> StoreError { StoreError(kind: .invalidPath, message: message, path: path) }
        let example = "give a file path such as results/cmbench.sqlite"
        if path.isEmpty { throw refuse("an empty path names no file; \(example)") }
        if path == ":memory:" {
            throw refuse("names SQLite's in-memory database, which keeps nothing once cmbench exits; \(example) (./:memory: for a file of that name)")
        }
        if path.hasPrefix("file:") {
            throw refuse("is an SQLite URI; --store takes a plain file path (./\(path) for a file of that name)")
        }
        var status = stat()
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw refuse("is a directory; give a file path such as \(path)/cmbench.sqlite")
            default: throw refuse("is not a regular file (\(Self.kind(of: status.st_mode))); \(example)")
            }
            exists = true
        } else {
            if path.hasSuffix("/") { throw refuse("names a directory that does not exist; \(example)") }
            exists = false
        }
        given = path
        fileName = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// The folder the file is in (absolute).
    var directory: String { (fileName as NSString).deletingLastPathComponent }

    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        default: "not a file"
        }
    }
}
