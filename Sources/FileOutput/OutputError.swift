/// An output that could not be opened, written or moved into place, with the path and the reason.
public struct OutputError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The destination could not be created or opened (missing or unwritable directory).
        case cannotCreate
        /// A write, sync or close failed (disk full, a closed reader, a full device).
        case writeFailed
        /// The finished file could not be moved into place.
        case cannotRename
        /// The destination is an input of the same command, or another of its outputs.
        case sameAsInput
        /// The destination is a directory (or another kind of file that cannot take output).
        case notAFile
        /// What was to be written could not be encoded (a provenance companion as JSON).
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
