import CMBenchTestSupport
import DiscreteEvent
import Foundation
import Serving
import Testing
import TraceFormats
import ZstdStream

@Suite("cmbench format and TraceWriter")
struct CMBenchFormatTests {
    static let sample = """
        # converted from somewhere
        # second provenance line
        arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids
        0,6758,500,,512,0 1 2 3
        0,10,5,42,,
        1500,20,7,18446744073709551615,16,9

        """

    @Test("reads comments, empty optional fields and full 64-bit ids")
    func read() throws {
        let result = try readAll(Self.sample)
        #expect(result.format == .cmbench)
        #expect(result.report.commentLines == 2)
        #expect(result.requests.map(\.arrival.nanoseconds) == [0, 0, 1500])
        #expect(result.requests[0].prefixBlockHashes == [0, 1, 2, 3])
        #expect(result.requests[0].sessionID == nil)
        #expect(result.requests[1].sessionID == 42)
        #expect(result.requests[1].prefixBlockHashes.isEmpty)
        #expect(result.requests[2].sessionID == UInt64.max)
        #expect(result.requests[2].prefixBlockTokens == 16)
        #expect(result.requests.map(\.origin.line) == [4, 5, 6])
    }

    @Test("a zero block size is a bad row")
    func zeroBlock() {
        let error = readError(CMBenchFormat.header + "\n0,1,1,,0,1\n")
        #expect(error?.badRowReason == .invalidValue)
        #expect(error?.field == "prefix_block_tokens")
    }

    @Test("round trip through TraceWriter, plain and .zst", arguments: ["out.csv", "out.csv.zst"])
    func roundTrip(name: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let original = try readAll(Self.sample).requests
        let path = directory.path(name)
        let writer = try TraceWriter(path: path, provenance: ["made by a test"], compressionLevel: 3)
        for request in original { try writer.write(request) }
        #expect(!FileManager.default.fileExists(atPath: path))  // appears only on finish
        try writer.finish()
        let back = try readFile(path)
        #expect(back.report.wasCompressed == name.hasSuffix(".zst"))
        #expect(back.report.commentLines == 1)
        #expect(back.requests.count == original.count)
        for (a, b) in zip(original, back.requests) {
            #expect(a.arrival == b.arrival && a.inputTokens == b.inputTokens && a.outputTokens == b.outputTokens)
            #expect(a.sessionID == b.sessionID && a.prefixBlockHashes == b.prefixBlockHashes)
            #expect(a.prefixBlockHashes.isEmpty || a.prefixBlockTokens == b.prefixBlockTokens)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == [name])
    }

    @Test("writes the documented text exactly, with LF endings")
    func exactText() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("x.csv")
        let writer = try TraceWriter(path: path, provenance: ["source: test"])
        let origin = InputLocation(file: "-", line: 1)
        try writer.write(
            ServingRequest(id: 0, arrival: .zero, inputTokens: 6758, outputTokens: 500, prefixBlockHashes: [0, 1, 2, 3], origin: origin))
        try writer.write(
            ServingRequest(id: 1, arrival: SimTime(nanoseconds: 12), inputTokens: 1, outputTokens: 2, sessionID: 9, origin: origin))
        try writer.finish()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "# source: test\n\(CMBenchFormat.header)\n0,6758,500,,512,0 1 2 3\n12,1,2,9,,\n")
    }

    @Test("a writer dropped without finish leaves no file")
    func abandoned() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        do {
            let writer = try TraceWriter(path: directory.path("gone.csv.zst"))
            try writer.write(ServingRequest(id: 0, arrival: .zero, inputTokens: 1, outputTokens: 1, origin: .init(file: "-", line: 1)))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }
}
