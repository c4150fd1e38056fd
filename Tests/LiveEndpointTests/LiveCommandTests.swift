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

    /// HTTPS through libcurl: a server with a private certificate authority is trusted only with
    /// `ca_file=` (the requests and the tokenizer probe alike); without it every request is a
    /// counted rejection naming the certificate problem, and nothing hangs.
    @Test func httpsWithAPrivateAuthorityNeedsCAFile() throws {
        let server = try FakeServer(["--ttft-ms", "30", "--gap-ms", "5", "--tokenize", "tokenize"] + FakeServer.tlsArguments)
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = try Self.trace(in: directory, count: 5, gapMilliseconds: 20)
        let common = [
            "replay", trace, "--backend", "openai", "--backend-option", "url=\(server.httpsURL)", "--backend-option", "model=fake",
            "--backend-option", "timeout=10s", "--no-progress",
        ]
        let trusted = try CommandRunner.run(common + ["--backend-option", "ca_file=\(FakeServer.certificate)", "--backend-option", "tokenizer=server"])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.contains("5 completed, 0 rejected"), "\(trusted.stdout)")
        #expect(trusted.stdout.contains("sized by server /tokenize"), "the probe went over TLS: \(trusted.stdout)")
        #expect(trusted.stdout.contains("ca_file=\(FakeServer.certificate)"))
        // Every request reached the server (over TLS: the server speaks nothing else).
        #expect(server.requests().filter { ($0["path"] as? String)?.hasSuffix("/completions") == true }.count == 5)

        let untrusted = try CommandRunner.run(common)
        #expect(untrusted.status == 0, "\(untrusted.stderr)")
        #expect(untrusted.stdout.contains("0 completed, 5 rejected"), "\(untrusted.stdout)")
        #expect(untrusted.stdout.contains("SSL certificate problem"), "\(untrusted.stdout)")
    }

    @Test func caFileIsRefusedWhereItCannotApply() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let trace = try Self.trace(in: directory, count: 2, gapMilliseconds: 10)
        func run(_ url: String, _ options: [String]) throws -> CommandResult {
            try CommandRunner.run(
                ["replay", trace, "--backend", "openai", "--backend-option", "url=\(url)", "--backend-option", "model=m"]
                    + options.flatMap { ["--backend-option", $0] })
        }
        let plain = try run("http://127.0.0.1:9/v1", ["ca_file=\(FakeServer.certificate)"])
        #expect(plain.status == 64 && plain.stderr.contains("only for an https url"), "\(plain.stderr)")
        let urlsession = try run("https://127.0.0.1:9/v1", ["client=urlsession", "ca_file=\(FakeServer.certificate)"])
        #expect(urlsession.status == 64 && urlsession.stderr.contains("only with client=curl"), "\(urlsession.stderr)")
        let missing = try run("https://127.0.0.1:9/v1", ["ca_file=\(directory.path("none.pem"))"])
        #expect(missing.status == 64 && missing.stderr.contains("is not a readable file"), "\(missing.stderr)")
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
