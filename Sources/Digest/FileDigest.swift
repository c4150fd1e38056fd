/// A file an output depends on: what it is, the path as given, and the SHA-256 of the bytes that
/// were parsed (not of a second read of the path, which could see a file changed since).
///
/// Recorded in every output's provenance for the hardware, model and deployment files a run
/// used, so two results can be told apart by the configuration that produced them, not only by
/// its name.
public struct FileDigest: Sendable, Hashable, Codable {
    /// What the file describes: `hardware`, `model` or `deployment`.
    public var role: String
    /// The path as the program was given it (or built it from a folder and a name).
    public var path: String
    /// SHA-256 of the bytes read, 64 lowercase hex digits.
    public var sha256: String

    public init(role: String, path: String, sha256: String) {
        self.role = role
        self.path = path
        self.sha256 = sha256
    }
}
