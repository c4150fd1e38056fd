import DiscreteEvent
import Reporting
import Serving
import TraceFormats
import ZstdStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The large, seeded inputs `cmbench bench` measures on, generated once into a work folder so
/// anyone can rerun the same measurement.
enum BenchInputs {
    struct Input {
        var name: String
        var path: String
        var rows: Int
    }

    /// Azure 2023-style CSV (CRLF, 7 fraction digits; plain and zstd), Mooncake-style JSON lines,
    /// and a long trace in cmbench's format for the memory check; compressed ones at zstd level 3.
    static func prepare(in directory: String, quick: Bool, console: Console) throws -> [Input] {
        let scale = quick ? 10 : 1
        let inputs = [
            Input(name: "azure", path: directory + "/azure-\(2_000_000 / scale).csv", rows: 2_000_000 / scale),
            Input(name: "azure", path: directory + "/azure-\(2_000_000 / scale).csv.zst", rows: 2_000_000 / scale),
            Input(name: "mooncake", path: directory + "/mooncake-\(1_000_000 / scale).jsonl.zst", rows: 1_000_000 / scale),
            Input(name: "cmbench", path: directory + "/cmbench-\(10_000_000 / scale).csv.zst", rows: 10_000_000 / scale),
        ]
        for input in inputs where access(input.path, F_OK) != 0 {
            console.printErr("cmbench: bench: generating \(input.path) (\(input.rows) rows, seeded; kept for reruns)")
            switch input.name {
            case "azure": try writeText(input, line: azureLine, header: "TIMESTAMP,ContextTokens,GeneratedTokens\r\n")
            case "mooncake": try writeText(input, line: mooncakeLine, header: "")
            default: try writeNative(input)
            }
        }
        return inputs
    }

    /// The synthetic week's size: a week of Azure 2024 conversation traffic at its mean rate.
    static let weekRequests = 27_000_000

    /// The synthetic week the speed targets name (docs/performance.md): `cmbench synth` with
    /// Azure 2024 conversation's mean rate (44.64 requests/s, a week in 27 M requests) and
    /// log-normal lengths, seed 2024, zstd level 3. Generated once into `directory` (about a
    /// minute for the full week); a smaller `requests` gives the same week's first requests.
    static func week(requests: Int, in directory: String, console: Console) throws -> String {
        let path = directory + "/week-\(requests).csv.zst"
        guard access(path, F_OK) != 0 else { return path }
        console.printErr("cmbench: bench: generating \(path) (\(requests) requests, seeded; kept for reruns)")
        _ = try ChildProcess.run(
            ChildProcess.selfPath,
            [
                "synth", path, "--requests", String(requests), "--rate", "44.64", "--input", "lognormal:median=1020,sigma=1.0,max=32768",
                "--output", "lognormal:median=129,sigma=0.9,max=4096", "--seed", "2024", "--level", "3",
            ])
        return path
    }

    /// The paper's decode measurement as a trace (docs/cloudmatrix-model.md): 30,720 requests of 4,096
    /// prompt and 256 output tokens, as `cmbench synth … --input fixed:4096 --output fixed:256`.
    static func decodeSweepTrace(in directory: String, console: Console) throws -> String {
        let path = directory + "/decode-30720.csv"
        guard access(path, F_OK) != 0 else { return path }
        console.printErr("cmbench: bench: generating \(path) (30720 requests of 4096 + 256 tokens)")
        _ = try ChildProcess.run(
            ChildProcess.selfPath, ["synth", path, "--requests", "30720", "--input", "fixed:4096", "--output", "fixed:256"])
        return path
    }

    private static func workload(rows: Int, prefix: Bool) -> SyntheticWorkload {
        SyntheticWorkload(
            .init(
                count: rows, arrival: .poisson(ratePerSecond: 50),
                input: .lognormal(median: 1500, sigma: 1, max: 131_072),
                output: .lognormal(median: 250, sigma: 0.8, max: 4096),
                sharedPrefix: prefix ? SharedPrefixSpec(groups: 64, blocks: 4) : nil, seed: 20_261_124))
    }

    private static func writeText(_ input: Input, line: (ServingRequest) -> String, header: String) throws {
        var workload = workload(rows: input.rows, prefix: input.name == "mooncake")
        let file = try OutputFile(path: input.path)
        if input.path.hasSuffix(".zst") {
            var compressor = TextCompressor(file: file)
            try compressor.append(header)
            while let request = workload.next() { try compressor.append(line(request)) }
            try compressor.finish()
        } else {
            try file.write(header)
            while let request = workload.next() { try file.write(line(request)) }
        }
        try file.commit()
    }

    private static func writeNative(_ input: Input) throws {
        var workload = workload(rows: input.rows, prefix: true)
        let writer = try TraceWriter(path: input.path, provenance: ["cmbench bench input"], compressionLevel: 3)
        while let request = workload.next() { try writer.write(request) }
        try writer.finish()
    }

    /// `2023-11-16 18:15:46.6805900,374,44\r\n`, counted from 2023-11-16 00:00.
    static func azureLine(_ request: ServingRequest) -> String {
        let start: Int64 = 19_677 * 86_400  // 2023-11-16 in days since 1970-01-01, in seconds
        let nanoseconds = request.arrival.nanoseconds
        let seconds = start + nanoseconds / 1_000_000_000
        let fraction = (nanoseconds % 1_000_000_000) / 100
        let (year, month, day) = civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fractionText = String(fraction)
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):"
            + "\(two(secondOfDay % 60)).\(String(repeating: "0", count: 7 - fractionText.count))\(fractionText),"
            + "\(request.inputTokens),\(request.outputTokens)\r\n"
    }

    static func mooncakeLine(_ request: ServingRequest) -> String {
        let ids = request.prefixBlockHashes.map(String.init).joined(separator: ", ")
        return "{\"timestamp\": \(request.arrival.nanoseconds / 1_000_000), \"input_length\": \(request.inputTokens), "
            + "\"output_length\": \(request.outputTokens), \"hash_ids\": [\(ids)]}\n"
    }

    /// Howard Hinnant's civil_from_days.
    static func civilDate(daysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Text in, one zstd frame out to an `OutputFile`, compressed in 1 MiB pieces.
struct TextCompressor {
    let file: OutputFile
    private let compressor = ZstdCompressor(level: ZstdCompressor.fastLevel)
    private var pending: [UInt8] = []
    private var compressed: [UInt8] = []

    init(file: OutputFile) { self.file = file }

    mutating func append(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 20 { try flush() }
    }

    mutating func finish() throws {
        try flush()
        try compressor.finishFrame(appendingTo: &compressed)
        try file.write(compressed)
        compressed.removeAll()
    }

    private mutating func flush() throws {
        try pending.withUnsafeBytes { try compressor.compress($0, appendingTo: &compressed) }
        pending.removeAll(keepingCapacity: true)
        try file.write(compressed)
        compressed.removeAll(keepingCapacity: true)
    }
}
