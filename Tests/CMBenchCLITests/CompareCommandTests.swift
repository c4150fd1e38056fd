import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// `cmbench compare` on real run documents: the shipped trace replayed through two backends.
@Suite struct CompareCommandTests {
    /// `replay --json` of the shipped trace's first `requests` requests through `backend`,
    /// written to `name` in `directory`.
    func replay(_ backend: String, requests: Int, into directory: TemporaryDirectory, _ name: String) throws -> String {
        let result = cmbench("replay", "traces/default.csv.zst", "--backend", backend, "--max-requests", String(requests), "--json")
        try #require(result.status == .ok, "replay \(backend): \(result.stderr)")
        return try directory.write(name, result.stdout)
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func value(_ document: [String: Any], _ path: String) -> Double? {
        var node: Any? = document
        for key in path.split(separator: ".") { node = (node as? [String: Any])?[String(key)] }
        return (node as? NSNumber)?.doubleValue
    }

    @Test func tableHoldsBothRunsValuesAndTheRelativeError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let fixed = try replay("fixed", requests: 100, into: directory, "fixed.json")
        let model = try replay("cloudmatrix", requests: 100, into: directory, "model.json")
        let documentA = try object(try String(contentsOfFile: fixed, encoding: .utf8))
        let documentB = try object(try String(contentsOfFile: model, encoding: .utf8))

        let json = cmbench("compare", fixed, model, "--json")
        #expect(json.status == .ok, "\(json.stderr)")
        #expect(json.stderr.isEmpty, "same trace, same requests: no warning")
        let comparison = try object(json.stdout)
        #expect(comparison["schema"] as? String == "cmbench.compare/1")
        #expect(comparison["same_trace"] as? Bool == true)
        let a = try #require(comparison["a"] as? [String: Any])
        let b = try #require(comparison["b"] as? [String: Any])
        #expect(a["backend"] as? String == "fixed" && b["backend"] as? String == "cloudmatrix")
        #expect(a["trace_sha256"] as? String == "1d67f3e436e0bc819287753c77b50194dcd8fe306bad2f2ed468ba6dd13e5642")
        #expect(a["total_requests"] as? Double == 100)
        let metrics = try #require(comparison["metrics"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: metrics.map { ($0["name"] as! String, $0) })
        for name in ["ttft_ms.p50", "ttft_ms.p99", "tpot_ms.mean", "e2e_ms.p90", "output_tokens_per_s"] {
            let row = try #require(byName[name], "\(name) missing")
            let valueA = try #require(value(documentA, name))
            let valueB = try #require(value(documentB, name))
            #expect(row["a"] as? Double == valueA && row["b"] as? Double == valueB, "\(name)")
            let difference = try #require(row["difference"] as? Double)
            #expect(abs(difference - (valueB - valueA)) <= 1e-9 * max(1, abs(valueA)))
            let error = try #require(row["relative_error_pct"] as? Double)
            #expect(abs(error - (valueB - valueA) / valueA * 100) < 1e-9)
            #expect(row["present_in"] as? String == "both")
        }
        // The fixed backend's TTFT is its parameter, 100 ms: the reference of the errors.
        #expect(byName["ttft_ms.p50"]?["a"] as? Double == 100)
        // Metrics only the model has a number for (no accelerators in `fixed`) are in both, uncomparable.
        #expect(byName["accelerators"]?["relative_error_pct"] is NSNull)

        let text = cmbench("compare", fixed, model)
        #expect(text.status == .ok)
        #expect(text.stdout.contains("A (reference)  \(fixed): replay backend fixed trace traces/default.csv.zst sha256 1d67f3e436e0"))
        #expect(text.stdout.contains("B (vs A)       \(model): replay backend cloudmatrix"))
        let ttftLine = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("ttft_ms.p50 ") })
        let ttftB = try #require(value(documentB, "ttft_ms.p50"))
        #expect(ttftLine.contains(" 100 ") && ttftLine.contains(String(format: "%+.2f %%", (ttftB - 100))))
    }

    @Test func metricsInOneRunOnlyAreListedAsSuch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let a = try directory.write("a.json", #"{"metrics": {"ttft_ms.p50": 200, "extra_a": 1}}"#)
        let b = try directory.write("b.json", #"{"metrics": {"ttft_ms.p50": 150, "extra_b": 2}}"#)
        let result = cmbench("compare", a, b)
        #expect(result.status == .ok)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("extra_a") && $0.hasSuffix("only in A") })
        #expect(lines.contains { $0.hasPrefix("extra_b") && $0.hasSuffix("only in B") })
        #expect(lines.contains { $0.hasPrefix("ttft_ms.p50") && $0.hasSuffix("-25.00 %") })
        #expect(result.stdout.contains("backend not recorded"))
        #expect(result.stdout.contains("1 metrics in both runs, 1 only in A, 1 only in B"))

        let csvPath = directory.path("out.csv")
        #expect(cmbench("compare", a, b, "--csv", csvPath).status == .ok)
        let csv = try String(contentsOfFile: csvPath, encoding: .utf8)
        #expect(csv.hasPrefix("metric,a,b,difference,relative_error_pct,present_in\n"))
        #expect(csv.contains("ttft_ms.p50,200.0,150.0,-50.0,-25.0,both\n"))
        #expect(csv.contains("extra_a,1.0,,,,only_a\n"))
        #expect(FileManager.default.fileExists(atPath: csvPath + ".meta.json"))
    }

    @Test func differentRequestCountsOrTracesAreWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let hundred = try replay("fixed", requests: 100, into: directory, "100.json")
        let fifty = try replay("fixed", requests: 50, into: directory, "50.json")
        let counts = cmbench("compare", hundred, fifty)
        #expect(counts.status == .ok)
        #expect(counts.stderr.contains("cmbench: warning: the two runs did not replay the same trace: total_requests differs (A 100, B 50)"))
        #expect(counts.stdout.contains("warning: the two runs did not replay the same trace"))

        let workspace = try CommandWorkspace(requests: 50)
        defer { workspace.directory.cleanUp() }
        let other = cmbench("replay", workspace.trace, "--backend", "fixed", "--json")
        try #require(other.status == .ok)
        let otherFile = try directory.write("other.json", other.stdout)
        let traces = cmbench("compare", fifty, otherFile, "--json")
        #expect(traces.status == .ok)
        #expect(traces.stderr.contains("trace sha256 differs (A 1d67f3e436e0… traces/default.csv.zst, B "))
        let document = try object(traces.stdout)
        #expect(document["same_trace"] as? Bool == false)
        #expect((document["warnings"] as? [String])?.count == 1)
    }

    @Test func badInputNamesTheFileAndTheReason() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let good = try directory.write("good.json", #"{"metrics": {"ttft_ms.p50": 200}}"#)
        let missing = directory.path("nope.json")
        let absent = cmbench("compare", good, missing)
        #expect(absent.status == .missingInput)
        #expect(absent.stdout.isEmpty)
        #expect(absent.stderr.contains("\(missing): no such file"))

        let thresholds = try directory.write("thresholds.json", #"{"default": {"relative_pct": 2}, "metrics": {}}"#)
        let notRun = cmbench("compare", thresholds, good)
        #expect(notRun.status == .badData)
        #expect(notRun.stderr.contains("\(thresholds): not a run document: no \"schema\" naming a cmbench output"))

        let array = try directory.write("array.json", "[1, 2]")
        #expect(cmbench("compare", good, array).stderr.contains("\(array): not a run document: expected a JSON object"))
        let broken = try directory.write("broken.json", #"{"metrics": "#)
        let invalid = cmbench("compare", good, broken)
        #expect(invalid.status == .badData && invalid.stderr.contains("\(broken): not a run document: not valid JSON"))

        let disjoint = try directory.write("disjoint.json", #"{"metrics": {"other": 1}}"#)
        let nothing = cmbench("compare", good, disjoint)
        #expect(nothing.status == .badData && nothing.stderr.contains("no metric is in both runs"))

        #expect(cmbench("compare", good).status == .usage)
    }
}
