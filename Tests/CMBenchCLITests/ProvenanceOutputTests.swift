import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// Every output records what produced it: the build (version, source revision, toolchain) and
/// the hardware, model and deployment files with the SHA-256 of their bytes, equal to what
/// `sha256sum` says of them.
@Suite(.serialized) struct ProvenanceOutputTests {
    /// Where an output's provenance is found after the command ran in `directory`.
    enum Location: Sendable, CustomStringConvertible {
        /// `provenance` of the JSON printed on stdout.
        case stdoutJSON
        /// The lines at the foot of the text printed on stdout.
        case stdoutText
        /// A CSV's `FILE.meta.json` companion (the provenance at its top level).
        case companion(String)
        /// `runs show 1` of the store the command recorded into.
        case storedRun(String)

        var description: String {
            switch self {
            case .stdoutJSON: "stdout JSON"
            case .stdoutText: "stdout text"
            case .companion(let name): "\(name).meta.json"
            case .storedRun(let name): "runs show 1 --store \(name)"
            }
        }
    }

    struct Output: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var location: Location
        var testDescription: String { "\(arguments.prefix(1).joined()) → \(location)" }
    }

    static let replay = ["replay", "traces/default.csv.zst", "--max-requests", "60", "--no-progress"]
    static let sweep = ["sweep", "traces/default.csv.zst", "--over", "backend:decode_batch_per_die", "--values", "8,16", "--max-requests", "40", "--jobs", "1"]

    /// Every output the provenance is recorded in; `DIR` stands for the test's folder.
    static let outputs: [Output] = [
        Output(arguments: replay, location: .stdoutText),
        Output(arguments: replay + ["--json"], location: .stdoutJSON),
        Output(arguments: replay + ["--requests-csv", "DIR/requests.csv"], location: .companion("requests.csv")),
        Output(arguments: replay + ["--summary-csv", "DIR/summary.csv"], location: .companion("summary.csv")),
        Output(arguments: replay + ["--store", "DIR/runs.sqlite"], location: .storedRun("runs.sqlite")),
        Output(arguments: sweep + ["--json"], location: .stdoutJSON),
        Output(arguments: sweep + ["--csv", "DIR/curve.csv"], location: .companion("curve.csv")),
        Output(arguments: ["reproduce"], location: .stdoutText),
        Output(arguments: ["reproduce", "--json"], location: .stdoutJSON),
        Output(arguments: ["reproduce", "--csv", "DIR/reproduce.csv"], location: .companion("reproduce.csv")),
        Output(arguments: ["explain", "--phase", "decode"], location: .stdoutText),
        Output(arguments: ["explain", "--phase", "prefill"], location: .stdoutText),
    ]

    /// The three files the default deployment reads, as `sha256sum` digests them.
    static func expectedFiles() throws -> [(role: String, path: String, sha256: String)] {
        try [("deployment", "configs/deployments/cloudmatrix-infer.json"), ("hardware", "configs/hardware/ascend-910c.json"),
             ("model", "configs/models/deepseek-r1.json")].map { role, path in
            let result = try CommandRunner.run(["sha256sum", path], executable: "/usr/bin/env")
            return (role, path, String(result.stdout.prefix(64)))
        }
    }

    @Test(arguments: outputs)
    func everyOutputCarriesTheBuildAndTheConfigurationDigests(_ output: Output) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let arguments = output.arguments.map { $0.replacingOccurrences(of: "DIR", with: directory.url.path) }
        let result = cmbench(arguments)
        try #require(result.status == .ok, "\(result.stderr)")
        let expected = try Self.expectedFiles()
        let provenance: [String: Any]
        switch output.location {
        case .stdoutText:
            #expect(result.stdout.contains("\nbuilt from \(BuildStamp.sourceRevision) with \(BuildStamp.toolchain)\n"))
            for file in expected {
                #expect(result.stdout.contains("\nconfig \(file.role) \(file.path) sha256 \(file.sha256)\n"), "\(file.path)")
            }
            return
        case .stdoutJSON:
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            provenance = try #require(object?["provenance"] as? [String: Any])
        case .companion(let name):
            let data = try Data(contentsOf: directory.url.appendingPathComponent(name + ".meta.json"))
            provenance = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        case .storedRun(let name):
            let shown = cmbench("runs", "show", "1", "--store", directory.path(name))
            try #require(shown.status == .ok, "\(shown.stderr)")
            provenance = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        }
        #expect(provenance["cmbench_version"] as? String == CMBenchVersion.string)
        #expect(provenance["source_revision"] as? String == BuildStamp.sourceRevision)
        #expect(provenance["toolchain"] as? String == BuildStamp.toolchain)
        let files = try #require(provenance["config_files"] as? [[String: String]])
        for file in expected {
            #expect(files.contains(["role": file.role, "path": file.path, "sha256": file.sha256]), "\(file.path) in \(files)")
        }
    }

    @Test func aBackendThatReadsNoFileSaysSo() throws {
        let text = cmbench(Self.replay + ["--backend", "fixed"])
        #expect(text.stdout.contains("\nconfig files none (the backend reads no configuration file)\n"))
        let json = cmbench(Self.replay + ["--backend", "fixed", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let files = (object?["provenance"] as? [String: Any])?["config_files"] as? [Any]
        #expect(files?.isEmpty == true)
    }

    @Test func benchRecordsTheFilesOfTheBackendItMeasures() throws {
        let figures = cmbench("bench", "--measure-replay", "traces/default.csv.zst", "--backends", "cloudmatrix")
        try #require(figures.status == .ok, "\(figures.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(figures.stdout.utf8)) as? [String: Any]
        let files = try #require(object?["config_files"] as? [[String: String]])
        #expect(files.map { $0["role"] } == ["deployment", "hardware", "model"])
    }

    /// A configuration file changed by one byte changes its digest, and the gate, which compares
    /// metrics, warns naming the file (stderr and the summary), for result files and stored runs.
    @Test func aChangedConfigurationFileMakesTheGateWarnNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let configs = directory.path("configs")
        try FileManager.default.copyItem(atPath: "configs", toPath: configs)
        let store = directory.path("runs.sqlite")
        let run = Self.replay + ["--backend-option", "configs=\(configs)", "--json", "--store", store]
        let before = cmbench(run)
        try #require(before.status == .ok, "\(before.stderr)")
        let baseline = try directory.write("baseline.json", before.stdout)

        // Unchanged: no warning.
        let same = cmbench(run)
        let current = try directory.write("same.json", same.stdout)
        #expect(!cmbench("gate", current, "--baseline", baseline).stderr.contains("warning"))

        // One more newline in the hardware file: new digest, same numbers.
        let hardware = configs + "/hardware/ascend-910c.json"
        let handle = try #require(FileHandle(forWritingAtPath: hardware))
        handle.seekToEndOfFile()
        handle.write(Data("\n".utf8))
        try handle.close()
        let after = cmbench(run)
        try #require(after.status == .ok, "\(after.stderr)")
        let changed = try directory.write("changed.json", after.stdout)
        let digests = [before, after].map { $0.stdout.recordedSHA256(of: hardware) }
        #expect(digests[0] != nil && digests[1] != nil && digests[0] != digests[1])

        for (current, base) in [(changed, baseline), ("3", "1")] {
            let gate = cmbench("gate", current, "--baseline", base, "--store", store)
            #expect(gate.status == .ok, "same metrics: \(gate.stdout)")
            #expect(gate.stderr.contains("warning: current and baseline were produced from different configuration files"))
            #expect(gate.stderr.contains("hardware \(hardware): sha256"))
            #expect(gate.stdout.contains("⚠️ Warning") && gate.stdout.contains(hardware))
            #expect(!gate.stderr.contains("deployment"), "only the changed file is named")
        }
    }
}

extension String {
    /// The SHA-256 a replay's JSON records for the configuration file at `path`.
    fileprivate func recordedSHA256(of path: String) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(utf8)) as? [String: Any]
        let files = (object?["provenance"] as? [String: Any])?["config_files"] as? [[String: String]]
        return files?.first { $0["path"] == path }?["sha256"]
    }
}
