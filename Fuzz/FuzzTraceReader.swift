// libFuzzer target: any bytes, read as a trace in each format (and auto-detected), through the
// zstd decoder when they start with its magic. The reader must return requests or throw a
// TraceError — never crash, hang or grow without bound. Built and run by ci/fuzz.sh.
import TraceFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte picks the format (or detection) and the chunk size, so one corpus explores all.
    let selector = bytes.first ?? 0
    let formats: [TraceFormat?] = [nil, .azure, .burstgpt, .mooncake, .cmbench]
    var options = TraceReader.Options()
    options.format = formats[Int(selector) % formats.count]
    options.maxLineBytes = 4096
    options.maxDecompressedBytes = 1 << 20
    options.skipBadRows = selector & 0x80 != 0
    let chunk = [1, 7, 64, 4093, Int.max][Int(selector >> 3) % 5]
    do {
        let reader = try TraceReader(source: MemoryByteSource(Array(bytes.dropFirst()), chunkSize: chunk), name: "fuzz", options: options)
        var count = 0
        while let request = try reader.next() {
            precondition(request.inputTokens >= 0 && request.outputTokens >= 0, "negative tokens escaped validation")
            count += 1
        }
        precondition(count == reader.report.requestsProduced, "requests produced and reported disagree")
    } catch {
        _ = error.description  // every error renders a message
    }
    return 0
}
