import Foundation

/// The decoded bytes of a trace, chunk by chunk: read and decompressed on this thread, or —
/// for zstd input — decompressed on a second thread while this one parses.
///
/// Decompression and parsing each take about half the time of reading a zstd trace on one core
/// (zstd -dc alone runs at ~300 MB/s here, parsing at ~150 MB/s), so overlapping them on the
/// second core nearly doubles ingestion. The bytes, their order and every error are the same
/// either way; memory stays bounded (`ChunkPrefetcher.slabs` × `slabBytes`). A replay's reader
/// parses on a thread of its own too (`RowPrefetcher`), so that its simulation only takes rows.
final class ChunkStream {
    private let serial: DecodedChunks
    private let name: String
    private let pipelined: Bool
    private var prefetcher: ChunkPrefetcher?
    private var decided = false

    init(_ serial: DecodedChunks, name: String, pipelined: Bool) {
        self.serial = serial
        self.name = name
        self.pipelined = pipelined
    }

    deinit { prefetcher?.cancel() }

    /// Fixed once the magic bytes are read, before any background thread starts.
    var isCompressed: Bool { serial.isCompressed }
    var rawBytesRead: Int64 { prefetcher?.consumedRawBytes ?? serial.rawBytesRead }
    var decodedBytes: Int64 { prefetcher?.consumedDecodedBytes ?? serial.decodedBytes }

    /// The next chunk, valid until the next call; nil at the end.
    func next(lineNumber: Int) throws(TraceError) -> UnsafeRawBufferPointer? {
        if !decided {
            decided = true
            try serial.prepare()
            if pipelined && serial.isCompressed { prefetcher = ChunkPrefetcher(producer: serial) }
        }
        guard let prefetcher else { return try serial.next(lineNumber: lineNumber) }
        do {
            return try prefetcher.next()
        } catch {
            throw error.traceError(file: name, lineNumber: lineNumber)
        }
    }
}

/// Runs a `DecodedChunks` on a background thread, copying its output into a few fixed slabs
/// that the reading thread takes in order.
///
/// Hand-over is a bounded queue guarded by one condition variable: the producer waits for a free
/// slab, the consumer for a filled one; `cancel()` (the reader went away early) stops the
/// producer at its next wait.
final class ChunkPrefetcher: @unchecked Sendable {
    static let slabs = 4
    static let slabBytes = 1 << 20

    private final class Slab {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: ChunkPrefetcher.slabBytes, alignment: 64)
        var count = 0
        var rawBytesRead: Int64 = 0
        var decodedBytes: Int64 = 0
        deinit { bytes.deallocate() }
    }

    private let condition = NSCondition()
    private var free: [Slab]
    private var ready: [Slab] = []
    private var current: Slab?
    private var finished = false
    private var failure: ChunkFailure?
    private var cancelled = false
    private(set) var consumedRawBytes: Int64 = 0
    private(set) var consumedDecodedBytes: Int64 = 0

    init(producer: DecodedChunks) {
        free = (0..<Self.slabs).map { _ in Slab() }
        // The producer belongs to the new thread from here on; this thread only reads slabs.
        let handOver = HandOver(value: producer)
        let thread = Thread { [self] in self.produce(handOver.value) }
        thread.name = "cmbench.zstd"
        thread.start()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next filled slab's bytes (the previous one is handed back), or nil at the end.
    func next() throws(ChunkFailure) -> UnsafeRawBufferPointer? {
        condition.lock()
        defer { condition.unlock() }
        if let current {
            free.append(current)
            self.current = nil
            condition.broadcast()
        }
        while ready.isEmpty && !finished && failure == nil { condition.wait() }
        if !ready.isEmpty {
            let slab = ready.removeFirst()
            current = slab
            consumedRawBytes = slab.rawBytesRead
            consumedDecodedBytes = slab.decodedBytes
            return UnsafeRawBufferPointer(rebasing: slab.bytes[0..<slab.count])
        }
        if let failure { throw failure }
        return nil
    }

    private func produce(_ producer: DecodedChunks) {
        var pending = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            condition.lock()
            while free.isEmpty && !cancelled { condition.wait() }
            if cancelled {
                condition.unlock()
                return
            }
            let slab = free.removeLast()
            condition.unlock()

            slab.count = 0
            var outcome: ChunkFailure?
            var ended = false
            while slab.count < Self.slabBytes {
                if pending.isEmpty {
                    do {
                        guard let chunk = try producer.nextChunk() else {
                            ended = true
                            break
                        }
                        pending = chunk
                    } catch {
                        outcome = error
                        break
                    }
                }
                let take = min(pending.count, Self.slabBytes - slab.count)
                (slab.bytes.baseAddress! + slab.count).copyMemory(from: pending.baseAddress!, byteCount: take)
                slab.count += take
                pending = UnsafeRawBufferPointer(rebasing: pending[take...])
            }
            slab.rawBytesRead = producer.rawBytesRead
            slab.decodedBytes = producer.decodedBytes - Int64(pending.count)

            condition.lock()
            if slab.count > 0 { ready.append(slab) } else { free.append(slab) }
            if let outcome { failure = outcome }
            if ended { finished = true }
            condition.broadcast()
            condition.unlock()
            if outcome != nil || ended { return }
        }
    }
}

/// Moves a value that is used by one thread at a time to another thread.
private struct HandOver<Value>: @unchecked Sendable {
    let value: Value
}
