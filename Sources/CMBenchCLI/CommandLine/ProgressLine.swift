#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A single self-overwriting status line on stderr, drawn only on a terminal.
///
/// Redraws at most ten times a second so it costs nothing measurable in a hot loop; in CI
/// logs (not a terminal) it draws nothing at all.
package struct ProgressLine {
    private let console: Console
    private let enabled: Bool
    private var lastDraw = MonotonicClock.now() - 1
    private var drawn = false

    package init(console: Console, enabled: Bool = true) {
        self.console = console
        self.enabled = enabled && console.showsProgress
    }

    /// Redraws the line if at least 0.1 s passed since the last redraw; `text` is built only
    /// then.
    package mutating func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let now = MonotonicClock.now()
        guard now - lastDraw >= 0.1 else { return }
        lastDraw = now
        console.err("\r\u{1B}[2K" + text())
        drawn = true
    }

    /// Clears the line so the next output starts clean.
    package mutating func finish() {
        guard drawn else { return }
        console.err("\r\u{1B}[2K")
        drawn = false
    }
}

/// Wall-clock seconds from a monotonic clock, for measuring the tool's own speed.
package enum MonotonicClock {
    package static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
