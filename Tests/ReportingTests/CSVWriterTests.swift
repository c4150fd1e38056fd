import CMBenchTestSupport
import Foundation
import Testing

@testable import Reporting

@Suite struct CSVWriterTests {
    @Test(arguments: [
        (CSVValue.text("plain"), "plain"),
        (.text("a,b"), "\"a,b\""),
        (.text("say \"hi\""), "\"say \"\"hi\"\"\""),
        (.text("two\nlines"), "\"two\nlines\""),
        (.text("cr\rhere"), "\"cr\rhere\""),
        (.text("crlf\r\nhere"), "\"crlf\r\nhere\""),
        (.text(""), ""),
        (.empty, ""),
        (.integer(-42), "-42"),
        (.number(812.5), "812.5"),
        (.number(3), "3.0"),
        (.number(0.1 + 0.2), "0.30000000000000004"),
        (.number(1e-5), "1e-05"),
        (.number(.nan), ""),
        (.number(.infinity), "inf"),
        (.number(-.infinity), "-inf"),
    ])
    func fields(value: CSVValue, expected: String) {
        #expect(CSVWriter.field(value) == expected)
    }

    @Test func numbersRoundTrip() {
        for value in [0.1, 1.0 / 3.0, 123_456.789, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -2.5e17] {
            #expect(Double(CSVValue.number(value).rawText) == value)
        }
    }

    @Test func renderWithHeader() {
        let text = CSVWriter.render(header: ["name", "ttft_p99_ms"], rows: [["a,b", 1.5], ["c", .empty]])
        #expect(text == "name,ttft_p99_ms\n\"a,b\",1.5\nc,\n")
        let crlf = CSVWriter.render(header: ["x"], rows: [[1]], lineEnding: .crlf)
        #expect(crlf == "x\r\n1\r\n")
    }

    @Test func fileAppearsOnlyAtFinishWithItsProvenance() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("points.csv")
        struct Provenance: Encodable {
            var cmbenchVersion = "0.6.0"
            var traceSHA256 = "ab12"
            var seed: UInt64 = 42
            var configuration = ["decodeBatchPerDie": 96]
        }
        let csv = try CSVWriter(path: path, header: ["rate_rps", "ttft_p99_ms"], provenance: Provenance())
        for index in 0..<10_000 { try csv.append([.number(Double(index) / 4), .number(Double(index))]) }
        #expect(!FileManager.default.fileExists(atPath: path))
        try csv.finish()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 10_001)
        #expect(lines[0] == "rate_rps,ttft_p99_ms")
        #expect(lines[3] == "0.5,2.0")
        let meta = try String(contentsOfFile: CSVWriter.sidecarPath(for: path), encoding: .utf8)
        #expect(
            meta == """
                {
                  "cmbenchVersion" : "0.6.0",
                  "configuration" : {
                    "decodeBatchPerDie" : 96
                  },
                  "seed" : 42,
                  "traceSHA256" : "ab12"
                }

                """)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
            == ["points.csv", "points.csv.meta.json"])
    }

    @Test func abandonedWriterLeavesNoFileAndKeepsTheOldOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("summary.csv")
        try OutputFile.write("old,contents\n", to: path)
        do {
            let csv = try CSVWriter(path: path, header: ["a"])
            try csv.append([1])
            // Released without finish(): a run that failed midway.
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old,contents\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["summary.csv"])
    }

    @Test func missingDirectoryIsAClearError() throws {
        do {
            _ = try CSVWriter(path: "/nonexistent-cmbench-dir/out.csv", header: ["a"])
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .cannotCreate)
            #expect(error.description.contains("/nonexistent-cmbench-dir"))
            #expect(error.description.contains("No such file or directory"))
        }
    }

    @Test func dashMeansStandardOutput() throws {
        let output = try OutputFile(path: "-")
        #expect(output.isStandardOutput)
        try output.commit()  // nothing buffered: writes nothing
    }

    @Test func largeWritesStreamThroughTheBuffer() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("big.txt")
        let file = try OutputFile(path: path)
        let chunk = String(repeating: "x", count: 1000) + "\n"
        for _ in 0..<500 { try file.write(chunk) }
        try file.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 500 * 1001)
    }
}
