import CMBenchTestSupport
import Foundation
import Testing
import ZstdStream

@testable import CMBenchCLI

/// Every kind of bad input a user can give, with the exit status and the words that tell them
/// what to fix. One row per case; files are written into a fresh folder per case.
///
/// Longer than the ~350 lines a file should be, on purpose: the matrix is one table, read and
/// extended as one, and splitting it would hide which cases exist.
@Suite struct BadInputMatrixTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Files to create (name → bytes) before running.
        var files: [String: [UInt8]]
        /// Arguments; `@` is replaced by the case's folder.
        var arguments: [String]
        var status: CMBenchCLI.ExitStatus
        /// Text that must appear on stderr.
        var message: String
        /// Record one replay into `@/s.db` first (a store to read, which must come out unchanged).
        var store = false
        var testDescription: String { name }
    }

    static let azureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }
    static let nativeHeader = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
    static let burstHeader = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
    static let validNative = "arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n"
        + (0..<3000).map { "\($0 * 1_000_000),\(100 + $0 % 7),\(5 + $0 % 3),,," }.joined(separator: "\n") + "\n"
    static let compressed = (try? ZstdCompressor.compress(Array(validNative.utf8), level: 3)) ?? []

    static let cases: [Case] = [
        // Traces
        Case(name: "empty file", files: ["t.csv": []], arguments: ["inspect", "@/t.csv"], status: .badData, message: "empty"),
        Case(name: "header only", files: ["t.csv": text(azureHeader)], arguments: ["inspect", "@/t.csv"], status: .badData, message: "no data rows"),
        Case(name: "binary garbage", files: ["t.bin": (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) | 0x80 }],
             arguments: ["inspect", "@/t.bin"], status: .badData, message: "not UTF-8"),
        Case(name: "wrong --format", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.6805900,374,44\n")],
             arguments: ["inspect", "@/t.csv", "--format", "mooncake"], status: .badData, message: "not a mooncake header"),
        Case(name: "truncated zstd", files: ["t.zst": Array(compressed.prefix(compressed.count / 2))],
             arguments: ["inspect", "@/t.zst"], status: .badData, message: "truncated"),
        Case(name: "corrupt zstd", files: ["t.zst": compressed.enumerated().map { $0.offset > 40 && $0.offset < 60 ? ~$0.element : $0.element }],
             arguments: ["inspect", "@/t.zst"], status: .badData, message: "t.zst"),
        Case(name: "line longer than the limit", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.6805900,374,44" + String(repeating: " ", count: 200) + "\n")],
             arguments: ["inspect", "@/t.csv", "--max-line-bytes", "100"], status: .badData, message: ":2:"),
        Case(name: "number overflowing 64 bits", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.6805900,99999999999999999999,44\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "64 bits"),
        Case(name: "negative tokens", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.6805900,-5,44\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "negative"),
        Case(name: "NaN timestamp", files: ["t.csv": text("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\nnan,ChatGPT,10,5,15,Conversation log\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":2:"),
        Case(name: "infinite timestamp", files: ["t.csv": text("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\ninf,ChatGPT,10,5,15,Conversation log\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":2:"),
        Case(name: "time going backwards", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4\n2023-11-16 18:15:45.0,10,4\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":3:"),
        Case(name: "missing column", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":2:"),
        Case(name: "extra column", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4,7\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":2:"),
        Case(name: "hash_ids not a list", files: ["t.jsonl": text("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2, \"hash_ids\": 5}\n")],
             arguments: ["inspect", "@/t.jsonl"], status: .badData, message: "hash_ids"),
        Case(name: "invalid UTF-8 mid-file", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4\n") + [0xFF, 0xFE, 0x2C, 0x0A]],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: ":3:"),
        Case(name: "mixed line endings are accepted", files: ["t.csv": text("TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.0,10,4\n2023-11-16 18:15:47.0,10,4\r\n")],
             arguments: ["inspect", "@/t.csv"], status: .ok, message: ""),
        Case(name: "missing file", files: [:], arguments: ["inspect", "@/nope.csv"], status: .missingInput, message: "nope.csv"),
        Case(name: "a directory as the trace", files: [:], arguments: ["inspect", "@"], status: .ioError, message: "directory"),
        Case(name: "bad rows skipped are counted", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4\n2023-11-16 18:15:47.0,x,4\n")],
             arguments: ["inspect", "@/t.csv", "--skip-bad-rows"], status: .ok, message: "skipped 1 of 2 rows"),
        // A prompt no instance can hold is rejected with a reason; the run goes on.
        Case(name: "a prompt larger than any instance holds", files: ["t.csv": text(validNative.replacingOccurrences(of: "\n1000000,101,", with: "\n1000000,900000,"))],
             arguments: ["replay", "@/t.csv", "--max-requests", "50", "--json"], status: .ok, message: ""),
        // Configurations
        Case(name: "backend config: invalid JSON", files: ["b.json": text("{\"backend\": \"fixed\",")],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "not valid JSON"),
        Case(name: "backend config: missing field", files: ["b.json": text("{\"parameters\": {}}")],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "'backend'"),
        Case(name: "backend config: wrong type", files: ["b.json": text("{\"backend\": \"fixed\", \"parameters\": {\"ttft\": [1]}}")],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "parameters.ttft"),
        Case(name: "backend config: unknown parameter", files: ["b.json": text("{\"backend\": \"fixed\", \"parameters\": {\"ttfft\": \"5ms\"}}")],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "parameters.ttfft"),
        Case(name: "backend option: malformed duration", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--backend-option", "ttft=fast"], status: .usage, message: "ttft"),
        Case(name: "backend option: out of range", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend-option", "decode_batch_per_die=0"], status: .usage, message: "decode_batch_per_die"),
        Case(name: "backend option: more decode dies than can be simulated", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend-option", "decode_instances=4000"], status: .usage, message: "lower decode_instances"),
        Case(name: "backend option: a batch overflowing 64 bits", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend-option", "decode_batch_per_die=9223372036854775807"], status: .usage, message: "at most 1048576"),
        Case(name: "unknown deployment name", files: [:],
             arguments: ["reproduce", "--deployment", "no-such-deployment"], status: .missingInput, message: "no-such-deployment"),
        Case(name: "configs folder missing", files: [:], arguments: ["reproduce", "--configs", "@/configs"], status: .missingInput, message: "configs"),
        // Command line
        Case(name: "unknown flag suggests", files: [:], arguments: ["replay", "t.csv", "--sed", "1"], status: .usage, message: "did you mean '--seed'?"),
        Case(name: "malformed --slo", files: [:], arguments: ["replay", "traces/default.csv.zst", "--slo", "ttft<2s"], status: .usage, message: "--slo"),
        Case(name: "unknown command", files: [:], arguments: ["replai"], status: .usage, message: "did you mean 'replay'?"),
        Case(name: "unwritable output", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4\n")],
             arguments: ["convert", "@/t.csv", "@/no/such/dir/out.csv"], status: .ioError, message: "out.csv"),
        Case(name: "store path is a directory", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", "@"], status: .usage, message: "is a directory"),
        // Issue 14: outputs. No output may land on an input (same device and inode, whatever the
        // name) or on another output; devices and FIFOs are written in place, their errors reported.
        Case(name: "per-request CSV onto the trace", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "@/t.csv"], status: .usage, message: "same file as the input"),
        Case(name: "summary CSV onto the trace by another name", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--summary-csv", "@/./t.csv"], status: .usage, message: "same file as the input"),
        Case(name: "per-request CSV onto the backend config", files: ["t.csv": text(validNative), "b.json": text("{\"backend\": \"fixed\"}")],
             arguments: ["replay", "@/t.csv", "--backend-config", "@/b.json", "--requests-csv", "@/b.json"], status: .usage, message: "same file as the input"),
        Case(name: "two outputs onto one file", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "@/out.csv", "--summary-csv", "@/out.csv"], status: .usage, message: "already an output"),
        Case(name: "an output onto another's provenance companion", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "@/out.csv.meta.json", "--summary-csv", "@/out.csv"], status: .usage, message: "already an output"),
        Case(name: "convert onto its input", files: ["t.csv": text(validNative)],
             arguments: ["convert", "@/t.csv", "@/t.csv"], status: .usage, message: "same file as the input"),
        Case(name: "sweep CSV onto the trace", files: ["t.csv": text(validNative)],
             arguments: ["sweep", "@/t.csv", "--backend", "fixed", "--over", "rate", "--values", "10,20", "--csv", "@/t.csv"], status: .usage, message: "same file as the input"),
        Case(name: "an output that is a directory", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--summary-csv", "@"], status: .usage, message: "is a directory"),
        Case(name: "per-request CSV to /dev/null is written in place", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "/dev/null"], status: .ok, message: ""),
        Case(name: "per-request CSV to a full device", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "/dev/full"], status: .ioError, message: "No space left on device"),
        Case(name: "runs export onto the store", files: [:],
             arguments: ["runs", "export", "@/s.db", "--store", "@/s.db"], status: .usage, message: "same file as the input", store: true),
        Case(name: "gate Markdown onto the store", files: [:],
             arguments: ["gate", "1", "--baseline", "1", "--store", "@/s.db", "--markdown", "@/s.db"], status: .usage, message: "same file as the input", store: true),
        Case(name: "gate Markdown onto the baseline", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": 100}}"#)],
             arguments: ["gate", "@/cur.json", "--baseline", "@/cur.json", "--markdown", "@/cur.json"], status: .usage, message: "same file as the input"),
        Case(name: "control characters in a path are escaped, not sent to the terminal", files: [:],
             arguments: ["inspect", "@/t\u{1B}[2J\u{202E}.csv"], status: .missingInput, message: "t\\x1B[2J\\u{202E}.csv"),
        Case(name: "control characters in an option's value are escaped", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--slo", "ttft\u{7}=1s"], status: .usage, message: "ttft\\x07=1s"),
        Case(name: "sweep over standard input", files: [:],
             arguments: ["sweep", "-", "--backend", "fixed", "--over", "rate", "--values", "10,20"], status: .usage, message: "regular file"),
        // Issue 14: store, gate and configuration
        Case(name: "store: SQLite's in-memory database keeps nothing", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", ":memory:"], status: .usage, message: "--store ':memory:'"),
        Case(name: "store: an empty path", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", ""], status: .usage, message: "--store ''"),
        Case(name: "store: an SQLite URI", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", "file:@/x.db?mode=memory"], status: .usage, message: "SQLite URI"),
        Case(name: "store: a device", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", "/dev/null"], status: .usage, message: "not a regular file"),
        Case(name: "store: runs list of a device", files: [:], arguments: ["runs", "list", "--store", "/dev/null"], status: .usage, message: "--store '/dev/null'"),
        Case(name: "store: gate run ids in a device", files: [:], arguments: ["gate", "1", "--baseline", "2", "--store", "/dev/null"], status: .usage, message: "--store '/dev/null'"),
        Case(name: "store: runs list of an empty store", files: ["s.db": []], arguments: ["runs", "list", "--store", "@/s.db"], status: .missingInput, message: "no runs recorded"),
        Case(name: "store: runs export of an empty store", files: ["s.db": []], arguments: ["runs", "export", "@/out.csv", "--store", "@/s.db"], status: .missingInput, message: "no runs recorded"),
        Case(name: "store: runs show of a missing store", files: [:], arguments: ["runs", "show", "1", "--store", "@/s.db"], status: .missingInput, message: "s.db"),
        Case(name: "gate: an empty baseline compares nothing", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": 100}}"#), "empty.json": text("{}")],
             arguments: ["gate", "@/cur.json", "--baseline", "@/empty.json"], status: .badData, message: "nothing was compared"),
        Case(name: "gate: no metric in common", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": 100}}"#), "base.json": text(#"{"metrics": {"tpot_ms.p99": 100}}"#)],
             arguments: ["gate", "@/cur.json", "--baseline", "@/base.json"], status: .badData, message: "no metric is in both runs"),
        Case(name: "gate: only values without a number in common", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": 100}}"#), "base.json": text(#"{"metrics": {"ttft_ms.p99": null}}"#)],
             arguments: ["gate", "@/cur.json", "--baseline", "@/base.json"], status: .badData, message: "number on both sides (ttft_ms.p99)"),
        Case(name: "gate: a metric that is not a number", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": "fast"}}"#)],
             arguments: ["gate", "@/cur.json", "--baseline", "@/cur.json"], status: .badData, message: "metrics.ttft_ms.p99"),
        Case(name: "config: a malformed value in a backend configuration file", files: ["b.json": text(#"{"backend": "fixed", "parameters": {"ttft": "fast"}}"#)],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "b.json: parameters.ttft"),
        Case(name: "config: an unknown backend in a backend configuration file", files: ["b.json": text(#"{"backend": "fixd"}"#)],
             arguments: ["replay", "traces/default.csv.zst", "--backend-config", "@/b.json"], status: .badData, message: "b.json: backend"),
        Case(name: "config: the same value given as an option is a usage error", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--backend-option", "ttft=fast"], status: .usage, message: "parameter 'ttft'"),
        Case(name: "replay: a window after the trace's end replays nothing", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--start", "100h", "--store", "@/s.db"], status: .badData, message: "holds no requests"),
        Case(name: "replay: --max-requests 0 replays nothing", files: [:],
             arguments: ["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "0"], status: .usage, message: "--max-requests must be positive"),
    ] + ConfigFault.allCases.flatMap(\.matrixCases) + [
        Case(name: "gate: an endless input is refused at the size limit", files: ["cur.json": text(#"{"metrics": {"ttft_ms.p99": 100}}"#)],
             arguments: ["gate", "/dev/zero", "--baseline", "@/cur.json"], status: .badData, message: "over cmbench's limit of 64 MiB"),
        // Issue 14: numbers and encodings
        Case(name: "arrival_ns of 2^63-1", files: ["t.csv": text(nativeHeader + "0,10,10,,,\n9223372036854775807,10,10,,,\n")],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--requests-csv", "@/r.csv"], status: .badData,
             message: "t.csv:3: field 'arrival_ns': arrival 9223372036854775807 ns (292 years) exceeds the limit of simulated time, 2^62 ns"),
        Case(name: "arrival_ns of 2^63-1 through cloudmatrix", files: ["t.csv": text(nativeHeader + "0,10,10,,,\n9223372036854775807,10,10,,,\n")],
             arguments: ["replay", "@/t.csv"], status: .badData, message: "field 'arrival_ns'"),
        Case(name: "inspect refuses an arrival past the limit too", files: ["t.csv": text(nativeHeader + "0,10,10,,,\n9223372036854775807,10,10,,,\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "t.csv:3: field 'arrival_ns'"),
        Case(name: "an arrival at the limit, served past it", files: ["t.csv": text(nativeHeader + "0,10,10,,,\n4611686018427387904,10,10,,,\n")],
             arguments: ["replay", "@/t.csv", "--backend", "fixed"], status: .badData,
             message: "t.csv:3: serving this request would take simulated time to 4611686018707387904 ns (about 146 years), beyond the limit"),
        Case(name: "--rate 1e-9", files: ["t.csv": text(validNative)], arguments: ["replay", "@/t.csv", "--backend", "fixed", "--rate", "1e-9"],
             status: .usage, message: "--rate 1e-09: this request's re-drawn arrival is"),
        Case(name: "--rate too small for a Double gap", files: ["t.csv": text(validNative)], arguments: ["replay", "@/t.csv", "--backend", "fixed", "--rate", "1e-320"],
             status: .usage, message: "too small"),
        Case(name: "--cv too small for a gamma shape", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--rate", "1", "--arrival", "gamma", "--cv", "1e-200"], status: .usage, message: "--cv 1e-200"),
        Case(name: "--speed 1e-12", files: ["t.csv": text(validNative)], arguments: ["replay", "@/t.csv", "--backend", "fixed", "--speed", "1e-12"],
             status: .usage, message: "t.csv:7: --speed 1e-12 puts this request's arrival 5000000000000000000 ns (about 158 years) after the start, beyond the limit"),
        Case(name: "--duration 1000000000000h", files: ["t.csv": text(validNative)], arguments: ["replay", "@/t.csv", "--backend", "fixed", "--duration", "1000000000000h"],
             status: .usage, message: "--duration 1000000000000h exceeds the limit of simulated time"),
        Case(name: "--start and --duration each past the limit", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--start", "9223372036s", "--duration", "9223372036s"], status: .usage,
             message: "--start 9223372036s exceeds the limit"),
        Case(name: "--start plus --duration past the limit", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--start", "3000000000s", "--duration", "3000000000s"], status: .usage,
             message: "--start plus --duration exceeds the limit"),
        Case(name: "backend option tpot=9000000000000ms", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--backend-option", "tpot=9000000000000ms"], status: .usage,
             message: "parameter 'tpot': '9000000000000ms' exceeds the limit of simulated time"),
        Case(name: "backend option tpot within the limit, service past it", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--backend-option", "tpot=4000000000000000000ns"], status: .badData,
             message: "t.csv:2: serving this request would take simulated time to more than 292 years"),
        Case(name: "--slo past the limit", files: ["t.csv": text(validNative)],
             arguments: ["replay", "@/t.csv", "--backend", "fixed", "--slo", "ttft=1e30s"], status: .usage, message: "exceeds the limit"),
        Case(name: "synth --rate 1e-12", files: [:], arguments: ["synth", "@/x.csv", "--rate", "1e-12"], status: .usage,
             message: "--rate 1e-12: request 2 of 1000 would arrive more than 292 years after the first"),
        Case(name: "Mooncake timestamp 9223372036854 ms", files: ["t.jsonl": text("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2}\n{\"timestamp\": 9223372036854, \"input_length\": 10, \"output_length\": 2}\n")],
             arguments: ["replay", "@/t.jsonl", "--backend", "fixed"], status: .badData, message: "t.jsonl:2: field 'timestamp': arrival 9223372036854000000 ns"),
        Case(name: "BurstGPT Timestamp 9223372036.8 s", files: ["t.csv": text(burstHeader + "0,ChatGPT,10,5,15,Conversation log\n9223372036.8,ChatGPT,10,5,15,Conversation log\n")],
             arguments: ["replay", "@/t.csv", "--backend", "fixed"], status: .badData, message: "t.csv:3: field 'Timestamp': arrival 9223372036800000000 ns"),
        Case(name: "Azure span of 580 years", files: ["t.csv": text(azureHeader + "1680-01-01 00:00:00,10,4\n2260-01-01 00:00:00,10,4\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData,
             message: "t.csv:3: field 'TIMESTAMP': the row is 580 years after the first row, which exceeds the limit of simulated time"),
        Case(name: "time going backwards names its field", files: ["t.csv": text(azureHeader + "2023-11-16 18:15:46.0,10,4\n2023-11-16 18:15:45.0,10,4\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "t.csv:3: field 'TIMESTAMP': arrival -1000000000 ns is earlier"),
        Case(name: "time going backwards names its field (cmbench)", files: ["t.csv": text(nativeHeader + "5,10,10,,,\n4,10,10,,,\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "t.csv:3: field 'arrival_ns': arrival 4 ns is earlier"),
        Case(name: "input_tokens of 2^63-1 (inspect)", files: ["t.csv": text(nativeHeader + "0,9223372036854775807,10,,,\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData,
             message: "t.csv:2: field 'input_tokens': 9223372036854775807 tokens exceeds cmbench's limit of 4294967296 (2^32) tokens per request"),
        Case(name: "output_tokens of 2^63-1 (cloudmatrix)", files: ["t.csv": text(nativeHeader + "0,10,9223372036854775807,,,\n")],
             arguments: ["replay", "@/t.csv"], status: .badData, message: "field 'output_tokens'"),
        Case(name: "prefix_block_tokens of 2^63-1 (cloudmatrix)", files: ["t.csv": text(nativeHeader + "0,10,10,,9223372036854775807,1 2 3\n")],
             arguments: ["replay", "@/t.csv"], status: .badData, message: "field 'prefix_block_tokens'"),
        Case(name: "Mooncake input_length of 2^63-1", files: ["t.jsonl": text("{\"timestamp\": 0, \"input_length\": 9223372036854775807, \"output_length\": 2}\n")],
             arguments: ["replay", "@/t.jsonl", "--backend", "fixed"], status: .badData, message: "field 'input_length'"),
        Case(name: "2^32 tokens are held", files: ["t.csv": text(nativeHeader + "0,4294967296,4294967296,,4294967296,1 2\n1,4294967296,4294967296,,1,1 2\n")],
             arguments: ["replay", "@/t.csv"], status: .ok, message: ""),
        Case(name: "--block-tokens of 2^63-1", files: ["t.csv": text(validNative)],
             arguments: ["inspect", "@/t.csv", "--block-tokens", "9223372036854775807"], status: .usage, message: "--block-tokens 9223372036854775807 exceeds"),
        Case(name: "synth lengths past 2^32 tokens", files: [:],
             arguments: ["synth", "@/x.csv", "--input", "fixed:9223372036854775807", "--shared-prefix", "groups=2,blocks=2"], status: .usage,
             message: "exceeds cmbench's limit of 4294967296 (2^32) tokens per request"),
        Case(name: "garbage appended to a zstd trace", files: ["t.zst": compressed + text("garbage, not zstd")],
             arguments: ["inspect", "@/t.zst"], status: .badData, message: "t.zst: at byte \(compressed.count): corrupt zstd data"),
        Case(name: "UTF-16LE without a byte-order mark", files: ["t.csv": utf16LE("# exported\n" + nativeHeader + "0,10,10,,,\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData,
             message: "t.csv:1: the input looks like UTF-16LE text (every other byte is NUL); cmbench reads UTF-8: convert it, e.g. iconv -f UTF-16LE -t UTF-8"),
        Case(name: "UTF-16BE with a byte-order mark", files: ["t.csv": [0xFE, 0xFF] + utf16LE(nativeHeader).pairSwapped],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "t.csv:1: the input looks like UTF-16BE text (it starts with the UTF-16BE byte-order mark FE FF)"),
        Case(name: "control characters in a header are escaped", files: ["t.csv": text("# c\nfoo\u{1B}[31m,bar\0\n")],
             arguments: ["inspect", "@/t.csv"], status: .badData, message: "t.csv:2: the first line after the comments (line 2) 'foo\\x1B[31m,bar\\x00'"),
    ]

    static func utf16LE(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    @Test(arguments: cases)
    func refusesWithStatusAndMessage(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var files = testCase.files
        if testCase.store {
            let recorded = cmbench(["replay", "traces/default.csv.zst", "--backend", "fixed", "--max-requests", "5", "--store", directory.path("s.db")])
            try #require(recorded.status == .ok, "recording a run: \(recorded.stderr)")
            files["s.db"] = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path("s.db"))))
        }
        let result = try Self.run(testCase.arguments, files: testCase.files, in: directory)
        // Whatever happened, the inputs are as they were and no temporary file is left behind.
        for (name, bytes) in files {
            #expect(FileManager.default.contents(atPath: directory.path(name)) == Data(bytes), "\(testCase.name): \(name) changed")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(testCase.name): left \(leftovers)")
        #expect(result.status == testCase.status, "\(testCase.name): stderr was \(result.stderr)")
        // Whatever the input held, nothing reaches the terminal but text: no escape sequence, no
        // bidirectional override, no NUL.
        #expect(
            !result.stderr.unicodeScalars.contains { $0 != "\n" && $0 != "\t" && [.control, .format].contains($0.properties.generalCategory) },
            "\(testCase.name): control characters on stderr: \(result.stderr.debugDescription)")
        if !testCase.message.isEmpty {
            #expect(result.stderr.contains(testCase.message), "\(testCase.name): stderr was \(result.stderr)")
        }
        if testCase.status != .ok {
            #expect(result.stderr.hasPrefix("cmbench: error:") || result.stderr.contains("\ncmbench: error:"))
            #expect(result.stdout.isEmpty, "\(testCase.name): nothing on stdout when refusing")
        }
    }

    /// Writes `files` into `directory` (creating folders) and runs cmbench in-process with `@`
    /// in `arguments` replaced by the folder.
    static func run(_ arguments: [String], files: [String: [UInt8]], in directory: TemporaryDirectory) throws
        -> (status: CMBenchCLI.ExitStatus, stdout: String, stderr: String)
    {
        for (name, bytes) in files {
            let url = URL(fileURLWithPath: directory.path(name))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return cmbench(arguments.map { $0.replacingOccurrences(of: "@", with: directory.url.path) })
    }

    /// One configuration fault, every command: the same status and the very same words.
    @Test(arguments: ConfigFault.allCases)
    func sameConfigurationFaultSameStatusAndMessage(_ fault: ConfigFault) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let results = try fault.commands.map { try Self.run($0.arguments, files: fault.files, in: directory) }
        #expect(Set(results.map(\.status)) == [fault.status])
        #expect(Set(results.map(\.stderr)).count == 1, "\(results.map(\.stderr))")
    }

    @Test func oversizedPromptIsRejectedWithAReasonAndTheRunGoesOn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("t.csv")
        try Self.validNative.replacingOccurrences(of: "\n1000000,101,", with: "\n1000000,900000,").write(toFile: path, atomically: true, encoding: .utf8)
        let result = cmbench(["replay", path, "--max-requests", "50", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["rejected_requests"] as? Int == 1)
        #expect(json["completed_requests"] as? Int == 49)
        let rejection = (json["rejections"] as? [[String: Any]])?.first
        #expect((rejection?["examples"] as? [[String: Any]])?.first?["origin"] as? String == "\(path):3")
    }
}

/// One configuration fault given to every command that reads configurations (explain,
/// reproduce, and replay and sweep through the backend's options): each must give the same
/// status and the same message. `@` is the case's folder, holding `configs/deployments/broken.json`.
enum ConfigFault: CaseIterable {
    case malformedDeployment, missingDeployment, missingConfigsFolder

    var files: [String: [UInt8]] {
        self == .malformedDeployment ? ["configs/deployments/broken.json": Array("{\"hardware\": ".utf8)] : [:]
    }
    var configs: String { self == .missingConfigsFolder ? "@/no-configs" : self == .malformedDeployment ? "@/configs" : "configs" }
    var deployment: String { self == .malformedDeployment ? "broken" : self == .missingDeployment ? "nope" : "cloudmatrix-infer" }
    var status: CMBenchCLI.ExitStatus { self == .malformedDeployment ? .badData : .missingInput }
    /// The words every command prints.
    var message: String {
        switch self {
        case .malformedDeployment: "configs/deployments/broken.json: $: not valid JSON"
        case .missingDeployment: "configs/deployments/nope.json: $: no such file"
        case .missingConfigsFolder: "no-configs: no such file or folder"
        }
    }

    /// The same fault through each command.
    var commands: [(name: String, arguments: [String])] {
        let model = ["--configs", configs, "--deployment", deployment]
        let backend = ["--backend-option", "configs=\(configs)", "--backend-option", "deployment=\(deployment)"]
        return [
            ("explain", ["explain", "--phase", "decode"] + model), ("reproduce", ["reproduce"] + model),
            ("replay", ["replay", "traces/default.csv.zst"] + backend),
            ("sweep", ["sweep", "traces/default.csv.zst", "--over", "rate", "--values", "1,2"] + backend),
        ]
    }

    var matrixCases: [BadInputMatrixTests.Case] {
        commands.map { command in
            BadInputMatrixTests.Case(
                name: "config: \(self) through \(command.name)", files: files, arguments: command.arguments, status: status,
                message: message)
        }
    }
}

extension Array where Element == UInt8 {
    /// Every two bytes swapped: UTF-16LE to UTF-16BE.
    fileprivate var pairSwapped: [UInt8] { stride(from: 0, to: count - 1, by: 2).flatMap { [self[$0 + 1], self[$0]] } }
}
