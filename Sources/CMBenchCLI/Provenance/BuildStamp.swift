/// Where this binary came from: the source revision it was compiled from and the Swift compiler
/// that compiled it, recorded in every output's provenance.
///
/// **How the values get in.** SwiftPM runs no command at build time without a plugin, so the
/// build scripts (`ci/run.sh`, `ci/test.sh`, `ci/docs.sh`, `ci/update-baselines.sh`,
/// `ci/speed-check.sh`) run `ci/stamp.sh` before `swift build`. It writes
/// `BuildStamp+Generated.swift` beside this file (not in git), an extension of ``BuildStamp``
/// whose two members shadow the defaults below: `git rev-parse HEAD`, with `-dirty` when
/// `git status` lists any change or untracked file, and the first line of `swift --version`.
///
/// **Why compiled in, not read at run time.** A binary that looked at the `.git` beside it would
/// report the checkout's revision *now*, not the one it was built from (a checkout moved on after
/// the build, or a binary installed elsewhere with no checkout at all), and could not know
/// whether the tree was dirty when it was built. A stamp compiled in travels with the binary and
/// stays true of it. Its one gap: a plain `swift build` (not through the scripts) keeps the stamp
/// the scripts last wrote, or these defaults in a fresh clone: "unknown", never a guess.
enum BuildStamp: BuildStampDefaults {}

/// The values of a build that did not run `ci/stamp.sh`.
protocol BuildStampDefaults {}

extension BuildStampDefaults {
    static var sourceRevision: String { "unknown" }

    /// `#if compiler` gives a lower bound, not the exact version: said so.
    static var toolchain: String {
        #if compiler(>=6.3)
            "Swift 6.3 or later (exact version unknown: not built through ci/stamp.sh)"
        #elseif compiler(>=6.2)
            "Swift 6.2 (exact version unknown: not built through ci/stamp.sh)"
        #elseif compiler(>=6.1)
            "Swift 6.1 (exact version unknown: not built through ci/stamp.sh)"
        #else
            "Swift 6.0 (exact version unknown: not built through ci/stamp.sh)"
        #endif
    }
}
