import CMBenchTestSupport
import Foundation
import Testing

/// `cmbench replay --backend openai` as a user runs it: the built binary against the fake server.
@Suite(
    .serialized, .enabled(if: FakeServer.available, FakeServer.skipMessage),
    .enabled(if: CommandRunner.binaryAvailable, "needs .build/debug/cmbench (swift build)"))
struct LiveCommandTests {
    /// A cmbench-format trace of `count` requests `gapMilliseconds` apart, sharing a prefix block.
    static func trace(in directory: TemporaryDirectory, count: Int, gapMilliseconds: Int, output: Int = 4) throws -> String {
        var text = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        for index in 0..<count {
            text += "\(index * gapMilliseconds * 1_000_000),200,\(output),,64,1 2 \(100 + index)\n"
        }
        let path = directory.path("trace.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aURLThatIsNotHTTPIsRefusedAsUsage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = try Self.trace(in: directory, count: 2, gapMilliseconds: 10)
        let result = try CommandRunner.run([
            "replay", trace, "--backend", "openai", "--backend-option", "url=file:///etc/passwd", "--backend-option", "model=m",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("only http and https"))
        #expect(result.stdout.isEmpty)
    }

    @Test func theAPIKeyAppearsInNoOutput() throws {
        let key = "sk-cmbench-test-\(UUID().uuidString)"
        setenv("CMBENCH_TEST_API_KEY", key, 1)
        defer { unsetenv("CMBENCH_TEST_API_KEY") }
        let server = try FakeServer(["--ttft-ms", "5", "--gap-ms", "2", "--expect-key", key])
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = try Self.trace(in: directory, count: 6, gapMilliseconds: 10)
        let common = [
            "replay", trace, "--backend", "openai", "--backend-option", "url=\(server.url)", "--backend-option", "model=fake",
            "--backend-option", "api_key_env=CMBENCH_TEST_API_KEY", "--slo", "ttft=500ms", "--no-progress",
        ]
        let text = try CommandRunner.run(common)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("6 completed, 0 rejected"), "the key reached the server: \(text.stdout)")
        #expect(text.stdout.contains("queueing        not observable"))
        let json = try CommandRunner.run(
            common + [
                "--json", "--requests-csv", directory.path("requests.csv"), "--summary-csv", directory.path("summary.csv"),
                "--store", directory.path("runs.sqlite"),
            ])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("\"api_key_env\""))
        var everything = text.stdout + text.stderr + json.stdout + json.stderr
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.url.path) {
            everything += String(decoding: try Data(contentsOf: directory.url.appendingPathComponent(name)), as: UTF8.self)
        }
        #expect(!everything.contains(key))
        #expect(!everything.contains(String(key.suffix(12))))
        #expect(server.requests().allSatisfy { $0["auth"] as? Bool == true })
        // A variable that is not set is a usage error before anything is sent.
        unsetenv("CMBENCH_TEST_API_KEY")
        let missing = try CommandRunner.run(common)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("CMBENCH_TEST_API_KEY"))
    }

    @Test func ctrlCStopsSendingAndReportsWhatCompleted() throws {
        let server = try FakeServer(["--ttft-ms", "20", "--gap-ms", "5"])
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = try Self.trace(in: directory, count: 200, gapMilliseconds: 50)
        let out = Pipe()
        let replay = try BackgroundCommand(
            [
                "replay", trace, "--backend", "openai", "--backend-option", "url=\(server.url)", "--backend-option", "model=fake",
                "--no-progress",
            ], stdout: out)
        usleep(1_500_000)
        let seconds = replay.signal(SIGINT)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(replay.process.terminationStatus == 130)
        #expect(seconds < 3, "exited \(seconds) s after SIGINT")
        #expect(replay.stderr.contains("interrupted"))
        #expect(stdout.contains("ended: stopped"), "\(stdout)")
        let completed = stdout.split(separator: "\n").first { $0.hasPrefix("requests") }
        #expect(completed != nil && !completed!.contains("requests        0 completed"), "\(stdout)")
    }
}
