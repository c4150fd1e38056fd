import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

@Suite struct SweepCommandTests {
    static let arguments = ["sweep", "traces/default.csv.zst", "--over", "rate", "--values", "5,20,40", "--max-requests", "1500",
                            "--backend", "fixed", "--backend-option", "max_concurrency=50", "--slo", "ttft=2s", "--json"]

    @Test func parallelPointsGiveTheSameCurveAsSequentialOnes() {
        let sequential = cmbench(Self.arguments + ["--jobs", "1"])
        let parallel = cmbench(Self.arguments + ["--jobs", "3"])
        #expect(sequential.status == .ok)
        #expect(!sequential.stdout.isEmpty)
        #expect(sequential.stdout == parallel.stdout)
    }

    /// The CloudMatrix backend swept over a backend setting, with its random draws on (sampled
    /// MTP): any number of threads gives the same curve, and each point is what a replay alone
    /// gives.
    @Test func cloudMatrixCurveIsTheSameWhateverTheNumberOfThreads() throws {
        let options = ["--backend-option", "mtp_sampling=sampled", "--max-requests", "600", "--seed", "5"]
        let sweep = ["sweep", "traces/default.csv.zst", "--over", "backend:decode_batch_per_die", "--values", "4,16,48", "--json"] + options
        let curves = [1, 2, 3, 8].map { jobs in cmbench(sweep + ["--jobs", String(jobs)]) }
        #expect(curves[0].status == .ok, "\(curves[0].stderr)")
        for curve in curves.dropFirst() { #expect(curve.stdout == curves[0].stdout) }

        let json = try JSONSerialization.jsonObject(with: Data(curves[0].stdout.utf8)) as! [String: Any]
        let points = json["points"] as! [[String: Any]]
        #expect(points.count == 3)
        let alone = cmbench(["replay", "traces/default.csv.zst", "--json", "--backend-option", "decode_batch_per_die=16"] + options)
        let replay = try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as! [String: Any]
        let point = points[1]["summary"] as! [String: Any]
        for key in ["ttft_ms", "tpot_ms", "e2e_ms", "itl_ms"] {
            #expect(NSDictionary(dictionary: point[key] as! [String: Any]).isEqual(to: replay[key] as! [String: Any]), "\(key)")
        }
        #expect((point["completed_requests"] as! Int) == (replay["completed_requests"] as! Int))
    }

    @Test func higherOfferedLoadNeverRaisesAttainmentOnAFixedCapacityBackend() throws {
        let result = cmbench(Self.arguments)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let points = json["points"] as! [[String: Any]]
        let attainment = points.map { (($0["summary"] as! [String: Any])["slo_attainment"] as! [String: Any])["overall"] as! Double }
        #expect(attainment == attainment.sorted(by: >))
    }

    @Test func csvHasUnitsInColumnNamesAndProvenanceBeside() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("curve.csv")
        #expect(cmbench("sweep", "traces/default.csv.zst", "--over", "concurrency", "--values", "4,8", "--max-requests", "200", "--csv", path).status == .ok)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("concurrency,completed,rejected,request_throughput_rps"))
        #expect(lines[0].contains("ttft_p99_ms"))
        #expect(FileManager.default.fileExists(atPath: path + ".meta.json"))
    }

    @Test func badDimensionOrValueFailsBeforeAnyWork() {
        #expect(cmbench("sweep", "traces/default.csv.zst", "--over", "rat", "--values", "1").stderr.contains("did you mean 'rate'?"))
        #expect(cmbench("sweep", "traces/default.csv.zst", "--over", "rate", "--values", "1,fast").status == .usage)
    }
}

func cmbench(_ arguments: [String]) -> (status: CMBenchCLI.ExitStatus, stdout: String, stderr: String) {
    let (console, output) = Console.capturing()
    let status = CommandLineTool.run(arguments: arguments, console: console)
    return (status, output.stdout, output.stderr)
}
