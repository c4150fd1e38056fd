/// An output file that could not be written, with the path and the system's reason.
public struct ReportingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The temporary file could not be created (missing or unwritable directory).
        case cannotCreate
        /// A write or flush failed (disk full, broken pipe).
        case writeFailed
        /// The finished file could not be moved into place.
        case cannotRename
        /// The provenance could not be encoded as JSON.
        case cannotEncode
    }

    public var kind: Kind
    public var path: String
    /// The reason, from `strerror` where the system gave one.
    public var message: String
    /// `errno` when the failure came from a system call.
    public var errno: Int32?

    public init(kind: Kind, path: String, message: String, errno: Int32? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.errno = errno
    }

    public var description: String { "\(path): \(message)" }
}
