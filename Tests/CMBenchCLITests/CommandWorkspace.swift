import CMBenchTestSupport
import Foundation
import Testing

/// A fresh folder holding a synthetic trace written by `cmbench synth` (fixed lengths, 1000
/// requests/s) and the path of a results store, for tests that run the built binary on it.
struct CommandWorkspace {
    let directory: TemporaryDirectory
    var trace: String { directory.path("trace.csv") }
    var store: String { directory.path("runs.sqlite") }

    init(requests: Int) throws {
        directory = try TemporaryDirectory()
        let synth = cmbench(
            "synth", directory.path("trace.csv"), "--requests", String(requests), "--rate", "1000", "--input", "fixed:100",
            "--output", "fixed:10")
        try #require(synth.status == .ok, "synth: \(synth.stderr)")
    }

    /// The folder's entries, temporary files included.
    func entries() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory.url.path))
    }
}
