/// The decoded bytes of a trace, chunk by chunk, read and decompressed on the calling thread.
///
/// Decompression and parsing each take about half the time of reading a zstd trace on one core
/// (zstd -dc alone runs at ~300 MB/s here, parsing at ~150 MB/s); a `TraceReader` runs both on a
/// second thread, ahead of its caller, with `RowPrefetcher`.
final class ChunkStream {
    private let serial: DecodedChunks
    private let name: String

    init(_ serial: DecodedChunks, name: String) {
        self.serial = serial
        self.name = name
    }

    /// Fixed once the magic bytes are read (by the first `next`).
    var isCompressed: Bool { serial.isCompressed }
    var rawBytesRead: Int64 { serial.rawBytesRead }
    var decodedBytes: Int64 { serial.decodedBytes }

    /// The next chunk, valid until the next call; nil at the end.
    func next(lineNumber: Int) throws(TraceError) -> UnsafeRawBufferPointer? {
        try serial.next(lineNumber: lineNumber)
    }
}
