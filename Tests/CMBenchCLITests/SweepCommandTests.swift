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
