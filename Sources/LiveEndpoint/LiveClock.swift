import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Nanoseconds from the system's monotonic clock (`CLOCK_MONOTONIC`): the one clock every
/// live measurement is taken on. It never steps with wall-clock changes, and it is the clock
/// Python's `time.monotonic()` reads, so the test server's timestamps compare with these.
enum LiveClock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// Sleeps until `target` (monotonic ns) or for at most `slice` ns, whichever is sooner.
    static func sleep(until target: Int64, slice: Int64 = 20_000_000) {
        let remaining = min(target - now(), slice)
        guard remaining > 0 else { return }
        var request = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
        var left = timespec()
        _ = nanosleep(&request, &left)
    }
}
