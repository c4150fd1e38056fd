import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one command reads and writes, so that no output lands on an input or on another output.
///
/// A command registers each input as it opens it (a trace, a results store, a baseline); every
/// output it then creates claims its destination here first. An output that is the same file as
/// an input (same device and inode, whatever the name: `./t.csv`, a hard link, a symbolic link,
/// `/dev/stdin` redirected from the file) is refused before anything is written, and so is a
/// second output to a destination already claimed (`--requests-csv x --summary-csv x`), which
/// would otherwise silently replace the first.
///
/// Thread-safe: a sweep's workers may open outputs concurrently.
public final class ProtectedFiles: Sendable {
    private struct State {
        var inputs: [FileIdentity: String] = [:]
        /// Destinations claimed so far: the canonical directory and the file name.
        var outputs: [String: String] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Protects the file at `path` from being written over; nothing happens if it does not exist
    /// (yet). `-` means standard input.
    public func protectInput(path: String) {
        let identity = path == "-" ? FileIdentity(descriptor: 0) : FileIdentity(path: path)
        guard let identity else { return }
        state.withLock { $0.inputs[identity] = path == "-" ? "standard input" : path }
    }

    /// Claims `path` as an output of the command (an ``OutputDestination`` does this itself; call
    /// it for outputs written another way, such as a results store): refuses it when it is an
    /// input or already claimed.
    public func claimOutput(path: String) throws(OutputError) {
        let target = FileIdentity(path: path) != nil ? (PathResolution.resolved(path) ?? path) : path
        let (directory, name) = PathResolution.split(target)
        let canonical = (PathResolution.resolved(directory.isEmpty ? "." : directory) ?? directory) + "/" + name
        try claim(path, canonical: canonical)
    }

    private func claim(_ path: String, canonical: String) throws(OutputError) {
        try state.withLock { state throws(OutputError) in
            if let identity = FileIdentity(path: path), let input = state.inputs[identity] {
                throw OutputError(
                    kind: .sameAsInput, path: path,
                    message: "is the same file as the input \(input); refusing to write over it (choose another output path)")
            }
            if let other = state.outputs[canonical] {
                throw OutputError(
                    kind: .sameAsInput, path: path,
                    message: "is already an output of this command (as \(other)); give each output its own path")
            }
            state.outputs[canonical] = path
        }
    }
}

/// Path arithmetic shared by ``ProtectedFiles`` and ``OutputDestination``.
enum PathResolution {
    /// `a/b/c.csv` → (`a/b/`, `c.csv`); `c.csv` → (``, `c.csv`).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// The path with every symbolic link and `.`/`..` resolved, or nil when it does not exist.
    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
