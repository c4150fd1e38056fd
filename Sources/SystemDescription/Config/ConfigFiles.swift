import Digest
import Foundation
import Synchronization

/// The hardware, model and deployment files one command reads, each read once: its bytes are
/// kept for every later parse of the same path (a deployment file is parsed for the names it
/// points at, for its deployment and for its `servingSystem` section; `reproduce` loads the same
/// deployment for each of its sections), and its SHA-256 is of exactly those bytes. So the digest
/// an output records is of what was parsed, never of a second read that could see the file
/// changed in between.
///
/// A reference type, shared by every loader a command calls: create one, pass it to each
/// `load(…, files:)`, then record ``digests``. A loader called without one reads into its own.
///
/// ```swift
/// let files = ConfigFiles()
/// let system = try SystemConfiguration.load(configsDirectory: "configs", deployment: "cloudmatrix-infer", files: files)
/// files.digests  // [hardware …, deployment …, model …], each with its path and SHA-256
/// ```
public final class ConfigFiles: Sendable {
    /// What a file describes, as recorded beside its digest.
    public enum Role: String, Sendable {
        case hardware, model, deployment
    }

    private let state = Mutex<(order: [FileDigest], bytes: [String: Data])>(([], [:]))

    public init() {}

    /// The files read so far, in the order they were first read, each with the path as given.
    public var digests: [FileDigest] { state.withLock { $0.order } }

    /// The bytes of `path`: read and hashed on first use, the same bytes afterwards.
    func read(_ path: String, role: Role) throws(ConfigError) -> Data {
        if let kept = state.withLock({ $0.bytes[path] }) { return kept }
        let data = try ConfigFile.read(path)
        let digest = FileDigest(role: role.rawValue, path: path, sha256: data.withUnsafeBytes { SHA256.hex(of: $0) })
        return state.withLock { state in
            // Another thread may have read it meanwhile: the first read is the one kept.
            if let kept = state.bytes[path] { return kept }
            state.bytes[path] = data
            state.order.append(digest)
            return data
        }
    }
}
