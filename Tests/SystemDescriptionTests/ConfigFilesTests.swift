import CMBenchTestSupport
import Foundation
import Testing

@testable import SystemDescription

/// The configuration files a load reads are recorded with the SHA-256 of the bytes parsed, each
/// file read once.
@Suite struct ConfigFilesTests {
    /// `sha256sum FILE`'s digest: an oracle outside cmbench's own SHA-256.
    static func sha256sum(_ path: String) throws -> String {
        let result = try CommandRunner.run(["sha256sum", path], executable: "/usr/bin/env")
        try #require(result.status == 0, "sha256sum failed: \(result.stderr)")
        return String(result.stdout.prefix(64))
    }

    @Test func eachFileIsRecordedOnceWithTheDigestSha256sumGives() throws {
        let files = ConfigFiles()
        _ = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer", files: files)
        // The serving section and a second load of the same deployment reuse the bytes already read.
        _ = try ServingSystemParameters.load(deploymentPath: Fixtures.deploymentPath, files: files)
        _ = try SystemConfiguration.load(configsDirectory: Fixtures.configs, deployment: "cloudmatrix-infer", files: files)
        let digests = files.digests
        #expect(digests.map(\.role) == ["deployment", "hardware", "model"])
        #expect(digests.map(\.path) == [Fixtures.deploymentPath, Fixtures.hardwarePath, Fixtures.modelPath])
        for digest in digests {
            #expect(digest.sha256 == (try Self.sha256sum(digest.path)), "\(digest.path)")
        }
    }

    @Test func theDigestIsOfTheBytesParsedNotOfASecondRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.hardwarePath, in: dir) { _ in }
        let files = ConfigFiles()
        let first = try Hardware.load(path: path, files: files)
        let recorded = try #require(files.digests.first)
        #expect(recorded.sha256 == (try Self.sha256sum(path)))
        // The file changes on disk: the same ConfigFiles keeps parsing (and reporting) what it read.
        let changed = try Fixtures.edited(path, in: dir) { Fixtures.set(&$0, ["name"], "edited") }
        #expect(changed == path)
        #expect(try Hardware.load(path: path, files: files) == first)
        #expect(files.digests == [recorded])
        // A fresh load sees the new bytes and a new digest.
        let fresh = ConfigFiles()
        #expect(try Hardware.load(path: path, files: fresh).name == "edited")
        #expect(fresh.digests.first?.sha256 == (try Self.sha256sum(path)))
        #expect(fresh.digests.first?.sha256 != recorded.sha256)
    }
}
