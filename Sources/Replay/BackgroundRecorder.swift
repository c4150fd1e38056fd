import Foundation
import Serving

/// Passes outcomes and inter-token gaps to another recorder on a second thread, in batches and
/// in the order they were reported, so that recording (a metrics accumulator's sketches, say)
/// overlaps the simulation instead of adding to it.
///
/// The base recorder gets the outcomes in the order they were reported and the gaps likewise
/// (in runs, through `record(outcomes:gaps:)`), so everything it computes is the same; only when
/// is different. `finish()` hands the remaining records over, waits until the base has taken
/// them all and returns it. Memory is bounded: at most `maxBatches` batches of about `batchSize`
/// records exist, and the simulation waits for the recorder when they are all full.
///
/// A struct that owns a thread: use one value, finish it once, and do not copy it meanwhile
/// (a copy would share the thread but not the batch being filled).
///
/// ```swift
/// var recorder = BackgroundRecorder(MetricsAccumulator())
/// let report = try replayer.run(source: &source, recorder: &recorder)
/// let summary = recorder.finish().summary()
/// ```
public struct BackgroundRecorder<Base: OutcomeRecorder & Sendable>: OutcomeRecorder {
    /// Records handed over at once: the outcomes, then the gaps.
    @usableFromInline struct Batch {
        @usableFromInline var outcomes: ContiguousArray<RequestOutcome> = []
        @usableFromInline var gaps: ContiguousArray<InterTokenGaps> = []
        @usableFromInline var count: Int { outcomes.count + gaps.count }
    }

    /// Records per hand-over: the lock is taken about once per thousand requests.
    public static var batchSize: Int { 1024 }
    /// Batches in flight at most (filled, being recorded, being filled).
    public static var maxBatches: Int { 4 }

    @usableFromInline let pipe: RecordPipe<Base>
    /// Ends the thread when the recorder is dropped without `finish()` (a replay that threw).
    private let closer: Closer
    @usableFromInline var batch: Batch

    /// Starts the recording thread; `base` belongs to it until `finish()`.
    public init(_ base: Base) {
        pipe = RecordPipe(base: base, maxBatches: Self.maxBatches)
        closer = Closer(pipe)
        batch = pipe.emptyBatch()
    }

    private final class Closer {
        let pipe: RecordPipe<Base>
        init(_ pipe: RecordPipe<Base>) { self.pipe = pipe }
        deinit { pipe.abandon() }
    }

    @inlinable public mutating func record(_ outcome: RequestOutcome) {
        batch.outcomes.append(outcome)
        if batch.count >= Self.batchSize { handOver() }
    }

    @inlinable public mutating func record(_ gaps: InterTokenGaps) {
        batch.gaps.append(gaps)
        if batch.count >= Self.batchSize { handOver() }
    }

    /// Takes the arrays themselves when nothing is waiting to be handed over (the replayer's
    /// runs), so the records are not copied on this thread.
    @inlinable public mutating func record(
        outcomes: inout ContiguousArray<RequestOutcome>, gaps: inout ContiguousArray<InterTokenGaps>
    ) {
        if batch.count == 0 {
            swap(&batch.outcomes, &outcomes)
            swap(&batch.gaps, &gaps)
        } else {
            batch.outcomes.append(contentsOf: outcomes)
            batch.gaps.append(contentsOf: gaps)
            outcomes.removeAll(keepingCapacity: true)
            gaps.removeAll(keepingCapacity: true)
        }
        if batch.count >= Self.batchSize { handOver() }
    }

    /// Hands the filled batch to the recording thread and takes an empty one.
    ///
    /// The batch is moved, not copied: with a copy left here, the recording thread, emptying
    /// arrays it did not hold alone, left their records to be destroyed on this thread when the
    /// copy went (a quarter of a replay's outcomes, each with a release of its origin's name).
    @usableFromInline mutating func handOver() {
        var full = Batch()
        swap(&full, &batch)
        batch = pipe.exchange(consume full)
    }

    /// Hands over what is left, waits for the recording thread to record everything and end,
    /// and returns the base recorder with all the records in it.
    public mutating func finish() -> Base {
        let last = batch
        batch = Batch()
        return pipe.finish(last)
    }
}

/// The bounded queue between a `BackgroundRecorder` and its thread, and the thread itself.
@usableFromInline final class RecordPipe<Base: OutcomeRecorder & Sendable>: @unchecked Sendable {
    @usableFromInline typealias Batch = BackgroundRecorder<Base>.Batch

    private let condition = NSCondition()
    /// Touched only by the recording thread until it has ended (`ended`), then by the caller.
    private var base: Base
    private var ready: [Batch] = []
    private var free: [Batch] = []
    /// Batches that exist (in `ready`, `free`, being filled or being recorded).
    private var batches = 0
    private var closed = false
    private var ended = false
    private let maxBatches: Int

    init(base: Base, maxBatches: Int) {
        self.base = base
        self.maxBatches = maxBatches
        let thread = Thread { [self] in self.run() }
        thread.name = "cmbench.recorder"
        thread.start()
    }

    /// An empty batch (a recycled one, with its storage, when there is one).
    func emptyBatch() -> Batch {
        condition.lock()
        defer { condition.unlock() }
        return takeEmptyLocked()
    }

    /// Queues `full` for recording and returns an empty batch, waiting while `maxBatches` are
    /// in flight.
    @usableFromInline func exchange(_ full: consuming Batch) -> Batch {
        condition.lock()
        defer { condition.unlock() }
        ready.append(consume full)
        condition.broadcast()
        return takeEmptyLocked()
    }

    private func takeEmptyLocked() -> Batch {
        while free.isEmpty && batches >= maxBatches { condition.wait() }
        if let batch = free.popLast() { return batch }
        batches += 1
        return Batch()
    }

    func finish(_ last: Batch) -> Base {
        condition.lock()
        defer { condition.unlock() }
        precondition(!closed, "a BackgroundRecorder finishes once")
        if last.count > 0 { ready.append(last) }
        closed = true
        condition.broadcast()
        while !ended { condition.wait() }
        return base
    }

    /// Lets the thread end once it has recorded what it was given, without waiting for it.
    func abandon() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while ready.isEmpty && !closed { condition.wait() }
            if ready.isEmpty {
                ended = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var batch = ready.removeFirst()
            condition.unlock()
            base.record(outcomes: &batch.outcomes, gaps: &batch.gaps)
            condition.lock()
            free.append(batch)
            condition.broadcast()
            condition.unlock()
        }
    }
}
