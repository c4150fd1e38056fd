/// Where this binary came from: the source revision it was compiled from and the Swift compiler
/// that compiled it, recorded in every output's provenance.
///
/// **How the values get in.** Before every build of this module SwiftPM runs the `BuildStamp`
/// build-tool plugin (Plugins/BuildStamp), which runs `ci/stamp.sh` into its work folder: it
/// writes `BuildStamp+Generated.swift` there (not in git), an extension of ``BuildStamp`` whose
/// two members shadow the defaults below: `git rev-parse HEAD`, with `-dirty` when `git status`
/// lists any change or untracked file, and the first line of the build's own `swiftc --version`.
/// So a plain `swift build` is stamped with the truth, as the build scripts' builds are.
///
/// **Why compiled in, not read at run time.** A binary that looked at the `.git` beside it would
/// report the checkout's revision *now*, not the one it was built from (a checkout moved on after
/// the build, or a binary installed elsewhere with no checkout at all), and could not know
/// whether the tree was dirty when it was built. A stamp compiled in travels with the binary and
/// stays true of it. Outside a git checkout (a tarball, a copy) the revision is "unknown", never
/// a guess; the defaults below are only for a build without the plugin.
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
