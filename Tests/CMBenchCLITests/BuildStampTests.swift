import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// The build stamp every output records: the `BuildStamp` plugin stamps each build, so the
/// revision compiled in is the checkout's at build time, and the toolchain is the compiler's.
@Suite struct BuildStampTests {
    /// `git rev-parse HEAD` of the package's checkout, or nil outside one (a tarball, no git).
    static func checkoutRevision() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", SharedTraces.packageRoot.path, "rev-parse", "HEAD"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theRevisionIsTheCheckoutsAndTheToolchainTheCompilers() throws {
        #expect(BuildStamp.toolchain.hasPrefix("Swift version "), "\(BuildStamp.toolchain)")
        guard let head = Self.checkoutRevision() else {
            #expect(BuildStamp.sourceRevision == "unknown")
            return
        }
        // The tests were built from this checkout just now; a commit since would need a rebuild,
        // which the plugin would stamp again.
        #expect(BuildStamp.sourceRevision == head || BuildStamp.sourceRevision == head + "-dirty", "\(BuildStamp.sourceRevision) vs \(head)")
    }
}
