import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ctrl-C (SIGINT) as a flag that long loops poll, so a run stops within a fraction of a second,
/// writes nothing half-done (outputs are renamed into place only on success) and exits 130.
///
/// A second Ctrl-C kills the process at once (the default action is restored by the first).
enum Interrupt {
    private static let requested = Atomic<Bool>(false)

    /// Installs the handler and unblocks SIGINT. The mask is inherited across exec, and a parent
    /// that starts cmbench from a thread blocking signals (a Dispatch worker, as Foundation's
    /// `Process` does on Linux) would otherwise leave Ctrl-C pending forever. Called on the main
    /// thread before any other starts, so every later thread inherits the unblocked mask.
    static func install() {
        signal(SIGINT) { _ in
            Interrupt.requested.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Throws the "interrupted" error when Ctrl-C was pressed.
    static func check() throws(CLIError) {
        if isRequested { throw CLIError(.interrupted, "interrupted; nothing was written") }
    }
}
