// libFuzzer target: any bytes through the streaming zstd decoder with an output limit, fed in
// chunks. It must decode, or throw a ZstdError (corrupt, truncated, not zstd, limit exceeded) —
// never crash or exceed the limit. Built and run by ci/fuzz.sh.
import ZstdStream

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZstdDecompressor(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let limit: Int64 = 1 << 20
    let decoder = ZstdDecompressor(maxOutputBytes: limit)
    let chunk = max(1, Int(size > 0 ? data[0] : 1))
    var produced: Int64 = 0
    var offset = 0
    do {
        while offset < size {
            let end = min(size, offset + chunk)
            let input = UnsafeRawBufferPointer(start: data + offset, count: end - offset)
            var position = 0
            while position < input.count {
                let output = try decoder.decompress(input, position: &position, compressedOffset: Int64(offset))
                produced += Int64(output.count)
                precondition(produced <= limit, "decoded past the output limit")
            }
            offset = end
        }
        try decoder.finish(compressedBytes: Int64(size))
    } catch {
        _ = "\(error)"
    }
    return 0
}
