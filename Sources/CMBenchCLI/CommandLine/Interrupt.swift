import FileOutput
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request to stop — Ctrl-C (SIGINT), SIGTERM (`kill`, `timeout`, a batch scheduler) or SIGHUP
/// (the terminal went away) — as a flag that long loops poll, so a run stops within a fraction of
/// a second, writes nothing half-done (outputs are renamed into place only on success), says so
/// on stderr and exits 128 + the signal's number (130, 143, 129), as the shell reports it.
///
/// A thread blocked in a system call cannot poll (a FIFO with no writer, a FIFO output with no
/// reader, a lock held by another process): a watchdog thread, woken by the signal, gives the
/// cooperative stop ``gracePeriod``; if the process is still running then, or at a second
/// signal, it removes every unfinished temporary output (``TemporaryFiles``), says so and exits
/// with the same status.
enum Interrupt {
    /// The signal that asked for the stop, 0 while none has.
    private static let received = Atomic<Int32>(0)
    /// Posted by the signal handler (`sem_post` is async-signal-safe); the watchdog waits on it.
    nonisolated(unsafe) private static let wakeUp: UnsafeMutablePointer<sem_t> = {
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
        return semaphore
    }()
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// How long a cooperative stop may take before the watchdog ends the process.
    static let gracePeriodSeconds = 3

    /// Installs the handlers, starts the watchdog and unblocks the signals. The mask is inherited
    /// across exec, and a parent that starts cmbench from a thread blocking signals (a Dispatch
    /// worker, as Foundation's `Process` does on Linux) would otherwise leave them pending
    /// forever. Called on the main thread before any other starts, so every later thread
    /// inherits the unblocked mask.
    static func install() {
        _ = wakeUp
        let watchdog = Thread { watch() }
        watchdog.name = "cmbench.stop-watchdog"
        watchdog.start()
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals {
            signal(number) { number in
                Interrupt.received.store(number, ordering: .relaxed)
                sem_post(Interrupt.wakeUp)
            }
            sigaddset(&set, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static var isRequested: Bool { received.load(ordering: .relaxed) != 0 }

    /// Throws the "interrupted" error, with the status of the signal, when a stop was requested.
    static func check() throws(CLIError) {
        let number = received.load(ordering: .relaxed)
        guard number != 0 else { return }
        throw CLIError(status(for: number), "\(describe(number)); nothing was written")
    }

    /// The "interrupted" error with the status of the signal and `consequence` (what the
    /// command did about it), when a stop was requested.
    static func check(consequence: String) throws(CLIError) {
        let number = received.load(ordering: .relaxed)
        guard number != 0 else { return }
        throw CLIError(status(for: number), "\(describe(number)); \(consequence)")
    }

    static func status(for number: Int32) -> ExitStatus {
        switch number {
        case SIGTERM: .terminated
        case SIGHUP: .hangUp
        default: .interrupted
        }
    }

    static func describe(_ number: Int32) -> String {
        switch number {
        case SIGTERM: "interrupted by SIGTERM"
        case SIGHUP: "interrupted by SIGHUP (the terminal closed)"
        default: "interrupted (Ctrl-C)"
        }
    }

    /// The watchdog: after the first signal, waits the grace period (or a second signal), then
    /// cleans up and exits for a process that could not stop by itself.
    private static func watch() {
        while sem_wait(wakeUp) != 0 {}
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += gracePeriodSeconds
        while sem_timedwait(wakeUp, &deadline) != 0 && errno == EINTR {}
        let number = received.load(ordering: .relaxed)
        let removed = TemporaryFiles.removeAll()
        let message = "cmbench: error: \(describe(number)); the command did not stop by itself within "
            + "\(gracePeriodSeconds) s (blocked in a read or write, or in one long step): stopped it and removed "
            + "\(removed) unfinished output file(s)\n"
        _ = message.utf8CString.withUnsafeBufferPointer { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
        _exit(status(for: number).rawValue)
    }
}
