import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The temporary files of outputs not yet moved into place, process-wide, so that a process told
/// to stop (SIGTERM, SIGHUP, Ctrl-C) while blocked in a system call can still remove them before
/// it exits: the normal path (an error unwinding, `deinit` unlinking) needs the blocked thread.
public enum TemporaryFiles {
    private static let paths = Mutex<Set<String>>([])

    static func register(_ path: String) { _ = paths.withLock { $0.insert(path) } }
    static func unregister(_ path: String) { _ = paths.withLock { $0.remove(path) } }

    /// Removes every registered temporary file; for a process about to exit on a signal.
    /// Returns how many were removed.
    @discardableResult
    public static func removeAll() -> Int {
        paths.withLock { paths in
            let count = paths.filter { unlink($0) == 0 }.count
            paths.removeAll()
            return count
        }
    }

    /// The temporary files registered now (tests).
    public static var registered: Set<String> { paths.withLock { $0 } }
}
