import Foundation

/// Reads, decompresses, splits and parses a trace's rows on a second thread, ahead of the
/// reader, and hands them over in batches, in file order.
///
/// It does the expensive part of reading (zstd, `memchr`, digits) and nothing that decides
/// anything: each line comes out as what the parser made of it (`Item`), and the reader's own
/// bookkeeping (counters, the first row's time, order checks, bad-row handling) runs on the
/// reader's thread exactly as for a serial read. So the requests, the report and every error,
/// with its line number, are the same; a replay's simulation thread only simulates. Memory is
/// bounded: at most `maxBatches` batches of `batchSize` items exist.
///
/// The reader owns it; dropping it (`deinit`) stops the thread at its next wait.
final class RowPrefetcher {
    /// What the parser made of one line after the header.
    ///
    /// Plain values only (a refusal's issue and a failure wait in the batch beside the items),
    /// so that taking an item copies its bytes: with a `ParsedRow` and strings in its payloads
    /// each copy went through an outlined value witness and reference counting, ~450
    /// instructions a row on the reader's thread.
    enum Item {
        /// A data row; its prefix hashes are `hashes(in: hashes)`.
        case row(RowFields, line: Int, hashes: Range<Int>)
        /// A row the parser refused (`issue(issue)`), with the JSON keys it had skipped before
        /// refusing.
        case badRow(issue: Int, unknownKeys: Int, line: Int)
        case blank(line: Int)
        case tooLong(line: Int)
        /// The input ended (the last item; repeated to a reader that asks again).
        case end
        /// Reading or decompressing failed (the last item; repeated): `failure`.
        case failure
    }

    /// Items per hand-over (~80 kB): the lock is taken once per thousand rows.
    static let batchSize = 1024
    static let maxBatches = 4

    /// Lines parsed, and the prefix hashes of their rows one after another: the reader makes
    /// each row's own array, so that arrays are allocated and freed on the same thread (freeing
    /// on one thread what malloc gave another made every free a slow one).
    struct Batch {
        var items: ContiguousArray<Item> = []
        var hashes: ContiguousArray<UInt64> = []
        /// The issues of the batch's `.badRow` items, in order.
        var issues: [RowIssue] = []
        /// The error of its `.failure` item, if it has one.
        var failure: TraceError?
    }

    private let shared: Shared
    private var batch = Batch()
    private var position = 0
    /// Bytes read and decoded by the time the current batch was handed over.
    private(set) var rawBytesRead: Int64
    private(set) var decodedBytes: Int64

    /// Starts the thread; `lines` (and the chunks under it) belong to it from here on.
    init(lines: LineReader, parser: RowParser, blockTokens: Int) {
        rawBytesRead = lines.chunks.rawBytesRead
        decodedBytes = lines.chunks.decodedBytes
        shared = Shared()
        let handOver = HandOver(value: (lines, parser))
        let shared = shared
        let thread = Thread {
            var (lines, parser) = handOver.value
            shared.produce(lines: &lines, parser: parser, blockTokens: blockTokens)
        }
        thread.name = "cmbench.read"
        thread.start()
    }

    deinit { shared.cancel() }

    /// The next item, waiting for the thread when none is ready.
    @inline(__always)
    func next() -> Item {
        if position == batch.items.count { refill() }
        let item = batch.items[position]
        position &+= 1
        return item
    }

    /// The prefix hashes of a row the last `next()` returned, in an array of their own.
    func hashes(in range: Range<Int>) -> [UInt64] {
        range.isEmpty ? [] : Array(batch.hashes[range])
    }

    /// The issue of a `.badRow` item the last `next()` returned.
    func issue(_ index: Int) -> RowIssue { batch.issues[index] }

    /// The error of a `.failure` item the last `next()` returned.
    var failure: TraceError { batch.failure! }

    private func refill() {
        let (items, raw, decoded) = shared.exchange(batch)
        batch = items
        position = 0
        rawBytesRead = raw
        decodedBytes = decoded
    }

    /// The queue between the two threads, and the producing loop.
    private final class Shared: @unchecked Sendable {
        private let condition = NSCondition()
        private var ready: [(Batch, Int64, Int64)] = []
        private var free: [Batch] = []
        private var batches = 1  // the reader's (empty) batch
        private var cancelled = false
        /// The last batch ended with `.end` or `.failure`; the reader gets that item again.
        private var last: Item?
        private var lastFailure: TraceError?

        /// Returns a used batch and takes the next filled one, waiting for it.
        func exchange(_ used: Batch) -> (Batch, Int64, Int64) {
            var used = used
            used.items.removeAll(keepingCapacity: true)
            used.hashes.removeAll(keepingCapacity: true)
            used.issues.removeAll(keepingCapacity: true)
            used.failure = nil
            condition.lock()
            defer { condition.unlock() }
            free.append(used)
            condition.broadcast()
            while ready.isEmpty {
                if let last { return (Batch(items: [last], failure: lastFailure), finalRaw, finalDecoded) }
                condition.wait()
            }
            return ready.removeFirst()
        }

        private var finalRaw: Int64 = 0
        private var finalDecoded: Int64 = 0

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for a free batch; nil once cancelled.
        private func emptyBatch() -> Batch? {
            condition.lock()
            defer { condition.unlock() }
            while free.isEmpty && batches >= RowPrefetcher.maxBatches && !cancelled { condition.wait() }
            if cancelled { return nil }
            if let batch = free.popLast() { return batch }
            batches += 1
            var batch = Batch()
            batch.items.reserveCapacity(RowPrefetcher.batchSize)
            return batch
        }

        private func handOver(_ batch: Batch, raw: Int64, decoded: Int64, last: Item?) {
            condition.lock()
            ready.append((batch, raw, decoded))
            if let last {
                self.last = last
                lastFailure = batch.failure
                finalRaw = raw
                finalDecoded = decoded
            }
            condition.broadcast()
            condition.unlock()
        }

        func produce(lines: inout LineReader, parser: RowParser, blockTokens: Int) {
            var row = ParsedRow()
            while var batch = emptyBatch() {
                var last: Item?
                while batch.items.count < RowPrefetcher.batchSize {
                    let step: LineReader.Step
                    do {
                        step = try lines.next()
                    } catch {
                        last = .failure
                        batch.failure = error
                        break
                    }
                    switch step {
                    case .end:
                        last = .end
                    case .tooLong:
                        batch.items.append(.tooLong(line: lines.lineNumber))
                    case .line(let bytes):
                        if bytes.isEmpty {
                            batch.items.append(.blank(line: lines.lineNumber))
                            continue
                        }
                        row.reset(blockTokens: blockTokens)
                        do {
                            try parser.parse(bytes, into: &row)
                            let start = batch.hashes.count
                            if !row.hashes.isEmpty { batch.hashes.append(contentsOf: row.hashes) }
                            batch.items.append(.row(row.fields, line: lines.lineNumber, hashes: start..<batch.hashes.count))
                        } catch {
                            batch.items.append(.badRow(issue: batch.issues.count, unknownKeys: row.fields.unknownKeys, line: lines.lineNumber))
                            batch.issues.append(error)
                        }
                    }
                    if last != nil { break }
                }
                if let last { batch.items.append(last) }
                handOver(batch, raw: lines.chunks.rawBytesRead, decoded: lines.chunks.decodedBytes, last: last)
                if last != nil { return }
            }
        }
    }
}

/// Moves a value that is used by one thread at a time to another thread.
private struct HandOver<Value>: @unchecked Sendable {
    let value: Value
}
