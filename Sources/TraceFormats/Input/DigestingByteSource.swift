import Digest
import Foundation

/// A byte source that computes the SHA-256 of exactly the bytes read from it, so the checksum in
/// a run's provenance is of what was replayed, for every kind of input: a file, a FIFO, a pipe
/// such as `<(zstd -dc …)`, standard input. Nothing is read twice and nothing is reopened (a FIFO
/// reopened would wait for a writer that never comes).
///
/// Hashing runs on a second thread over copies of the chunks (a bounded queue of four), since
/// this SHA-256 runs at ~75 MB/s, slower than parsing: on a machine with a core to spare it costs
/// no wall time. Reads and hashing are serialised by one lock, so the digest covers the bytes in
/// the order the descriptor gave them whichever thread read them (the zstd prefetcher or the
/// parser).
final class DigestingByteSource: ByteSource, @unchecked Sendable {
    private var source: any ByteSource
    private let lock = NSLock()
    private let hasher = BackgroundHasher()

    init(_ source: any ByteSource) { self.source = source }

    /// A reader dropped before `finish` (an error, an early exit) lets the hashing thread end.
    deinit { hasher.abandon() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TraceError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let count = try source.read(into: buffer)
        if count > 0 { hasher.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        return count
    }

    /// Reads what the reader left unread (a replay stopped early), then returns the digest of the
    /// whole input. Stops with nil when `shouldStop` turns true between reads.
    func finish(shouldStop: () -> Bool) throws(TraceError) -> String? {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {
            if shouldStop() { return nil }
        }
        return hasher.finish()
    }
}

/// SHA-256 on its own thread, over copies of the chunks it is fed, in order.
///
/// Both ways to end — `finish()` and `abandon()` — wait until the thread has released its hash
/// context: a process that exits while that thread is still inside libcrypto races libcrypto's
/// own exit-time cleanup (seen here as an abort, exit 134, once in many runs of a replay that
/// stopped early on a full stdout).
private final class BackgroundHasher: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var closed = false
    private var abandoned = false
    private var digest: String?
    private var exited = false
    private static let maxQueued = 4

    init() {
        let thread = Thread { [self] in run() }
        thread.name = "cmbench.sha256"
        thread.start()
    }

    /// Queues a copy of `bytes`, waiting while four chunks are already queued.
    func feed(_ bytes: UnsafeRawBufferPointer) {
        let copy = [UInt8](bytes)
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        while queue.count >= Self.maxQueued { condition.wait() }
        queue.append(copy)
        condition.broadcast()
    }

    /// Ends the input and waits for the digest.
    func finish() -> String {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while !exited { condition.wait() }
        return digest!
    }

    /// Drops what is queued and waits for the thread to end, without a digest: the reader went
    /// away unfinished (an error, an early exit).
    func abandon() {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        abandoned = true
        queue.removeAll()
        condition.broadcast()
        while !exited { condition.wait() }
    }

    private func run() {
        let result = hashUntilClosed()  // the hash context is released when this returns
        condition.lock()
        digest = result
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    private func hashUntilClosed() -> String? {
        var hash = SHA256()
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if abandoned {
                condition.unlock()
                return nil
            }
            if queue.isEmpty {
                condition.unlock()
                return hash.finalizeHex()
            }
            let chunk = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            chunk.withUnsafeBytes { hash.update($0) }
        }
    }
}
