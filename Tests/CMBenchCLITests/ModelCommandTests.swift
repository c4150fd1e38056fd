import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

@Suite struct ReproduceCommandTests {
    @Test func jsonHasOneRowPerReferencePointWithRoleAndError() throws {
        let result = cmbench("reproduce", "--json")
        #expect(result.status == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let points = try #require(json["points"] as? [[String: Any]])
        let ids = points.compactMap { $0["id"] as? String }
        for id in ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "AG1", "AG2", "QT1", "QT5", "LT1", "LT5"] { #expect(ids.contains(id), "missing \(id)") }
        for point in points {
            let role = point["role"] as? String
            #expect(role == "calibration" || role == "prediction")
            let paper = try #require(point["paper"] as? Double)
            let model = try #require(point["model"] as? Double)
            let error = try #require(point["error_pct"] as? Double)
            #expect(abs(error - (model - paper) / paper * 100) < 1e-6)
        }
        // At most two system-level points (R1–R12) may be calibrated.
        let systemCalibrations = points.filter { point in
            let id = point["id"] as! String
            let number = Int(id.dropFirst().prefix { $0.isNumber }) ?? 0
            return id.hasPrefix("R") && point["role"] as? String == "calibration" && number >= 1 && number <= 12
        }
        #expect(systemCalibrations.count <= 2)
    }

    @Test func csvIsWrittenWithProvenance() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("reproduce.csv")
        #expect(cmbench("reproduce", "--csv", path).status == .ok)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("id,what,unit,paper,model,error_pct,role"))
        #expect(FileManager.default.fileExists(atPath: path + ".meta.json"))
    }

    @Test func plotsAreSelfContainedSVGWithThePaperPointsAsMarkers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(cmbench("reproduce", "--plot", directory.path("plots")).status == .ok)
        let decode = try String(contentsOfFile: directory.path("plots/decode-throughput-vs-tpot.svg"), encoding: .utf8)
        #expect(decode.hasPrefix("<svg") || decode.hasPrefix("<?xml"))
        #expect(decode.contains("paper v3 Table 4"))
        #expect(decode.contains("TPOT (ms)"))
        #expect(!decode.contains("http://") || decode.contains("http://www.w3.org/2000/svg"))  // nothing fetched
        let prefill = try String(contentsOfFile: directory.path("plots/prefill-throughput.svg"), encoding: .utf8)
        #expect(prefill.contains("paper Table 2"))
        #expect(prefill.contains("SGLang on H100"))  // the GPU baselines of Table 2 beside CloudMatrix
        let ems = try String(contentsOfFile: directory.path("plots/ems-reuse.svg"), encoding: .utf8)
        #expect(ems.contains("Fig. 23"))  // the paper's TTFT points beside the model's UB and VPC curves
        #expect(ems.contains("EMS over UB") && ems.contains("EMS over VPC"))
    }

    @Test func whatIfSwapsTheFabrics() throws {
        let result = cmbench("reproduce", "--what-if", "--json")
        #expect(result.status == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let rows = try #require(json["what_if"] as? [[String: Any]])
        #expect(rows.count == 4)
        let tpot = Dictionary(uniqueKeysWithValues: rows.map { ($0["scenario"] as! String, $0["tpot_ms"] as! Double) })
        // Taking UB away can only slow CloudMatrix's decode; a UB-like domain can only help the H800's.
        #expect(tpot["cloudmatrix, RoCE at GPU NIC rate"]! > tpot["cloudmatrix, UB"]!)
        #expect(tpot["h800, UB-like domain"]! <= tpot["h800, NVLink node + IB"]!)
        #expect(cmbench("reproduce", "--json").stdout.contains("what_if") == false)
    }

    @Test func missingConfigsFolderIsMissingInput() {
        let result = cmbench("reproduce", "--configs", "/nonexistent/configs")
        #expect(result.status == .missingInput)
    }
}

@Suite struct ExplainCommandTests {
    @Test func decodeBreakdownNamesTheOperatorsAndTheStep() {
        let result = cmbench("explain", "--phase", "decode", "--batch", "96", "--kv", "4096")
        #expect(result.status == .ok)
        for name in ["MLAProlog", "FusedAttention", "dispatch", "combine", "TPOT"] {
            #expect(result.stdout.contains(name), "missing \(name)")
        }
    }

    @Test func prefillBreakdownShowsEngines() {
        let result = cmbench("explain", "--phase", "prefill", "--experts", "perfect")
        #expect(result.status == .ok)
        #expect(result.stdout.contains("tokens/s per NPU"))
        #expect(result.stdout.contains("busy: cube"))
    }

    @Test func phaseIsRequiredAndBatchMustSplitOverDies() {
        #expect(cmbench("explain").status == .usage)
        #expect(cmbench("explain", "--phase", "decode", "--batch", "7").status == .usage)
    }

    /// One aggregated iteration: each rank's own operators, then the MoE all ranks run together;
    /// a prompt chunk adds the prefill attention and lengthens the iteration.
    @Test func aggregatedIterationShowsRanksAndTheCommonMoE() throws {
        let decode = cmbench("explain", "--backend", "aggregated", "--decode", "64", "--kv", "1024")
        #expect(decode.status == .ok)
        for text in ["each rank", "all ranks together", "FusedAttention", "dispatch", "combine", "KV cache:", "per GPU"] {
            #expect(decode.stdout.contains(text), "missing \(text)")
        }
        #expect(!decode.stdout.contains("Attn-FA"))
        let mixed = cmbench("explain", "--backend", "aggregated", "--decode", "64", "--kv", "1024", "--chunk", "512")
        #expect(mixed.status == .ok)
        #expect(mixed.stdout.contains("Attn-FA"))
        func milliseconds(_ text: String) throws -> Double {
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("iteration ") })
            return try #require(Double(line.dropFirst("iteration ".count).prefix { $0 != " " }))
        }
        #expect(try milliseconds(mixed.stdout) > milliseconds(decode.stdout))
    }

    @Test func aggregatedOptionsAndPhaseOptionsDoNotMix() {
        #expect(cmbench("explain", "--backend", "aggregated", "--phase", "decode").status == .usage)
        #expect(cmbench("explain", "--phase", "decode", "--chunk", "512").status == .usage)
        #expect(cmbench("explain", "--backend", "aggregated", "--decode", "0").status == .usage)
        #expect(cmbench("explain", "--backend", "aggregated", "--deployment", "cloudmatrix-infer").status != .ok)
    }
}

