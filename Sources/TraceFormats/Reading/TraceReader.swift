import DiscreteEvent
import Serving

/// Streams `ServingRequest`s out of a trace file (or stdin), plain or zstd, in any known format.
///
/// The format is detected from the first line (or forced with `Options.format`); compression is
/// detected from the magic bytes, not the file name. Memory is constant in the file size: one
/// read buffer, one line carry buffer bounded by `maxLineBytes`, and a report whose examples are
/// capped. Requests get ids from 0 and `origin` = file and line.
///
/// By default the first bad row ends the run with a `TraceError` (`file:line: reason`); with
/// `skipBadRows` bad rows are counted per reason in `report` instead. Nothing is dropped
/// silently. Arrivals must not go backwards; Azure's absolute timestamps become nanoseconds
/// since the first row, other formats keep their own relative times.
///
/// A class because it owns a file descriptor and buffers, released when it is freed.
///
/// ```swift
/// let reader = try TraceReader(path: "trace.jsonl.zst")
/// while let request = try reader.next() { … }
/// print(reader.report.summaryLines)
/// ```
public final class TraceReader: RequestSource {
    public typealias Failure = TraceError

    /// How to read.
    public struct Options: Sendable, Equatable {
        /// Force a format instead of detecting it from the first line.
        public var format: TraceFormat?
        /// Tokens per prefix-hash block where the trace does not say (Mooncake: 512).
        public var prefixBlockTokens: Int
        /// Count and skip bad rows instead of stopping at the first one.
        public var skipBadRows: Bool
        /// Longest accepted line, in bytes (1 MiB by default; a Mooncake line with thousands of
        /// hash ids is ~60 KB).
        public var maxLineBytes: Int
        /// Refuse zstd input that decodes to more than this many bytes (nil: no cap).
        public var maxDecompressedBytes: Int64?
        /// Size of the read buffer (1 MiB: 64 KiB read 30 % slower, 4 MiB no faster; §2.3).
        public var readBufferBytes: Int
        /// Decompress zstd input on a second thread while this one parses (same bytes, same
        /// errors; about twice as fast on two cores).
        public var decompressInBackground: Bool
        /// Split and parse lines on another thread too, ahead of the caller (`RowPrefetcher`:
        /// the same requests, report and errors), so that the caller's thread only takes the
        /// rows: for a caller with work of its own per row (a replay's simulation). Reading
        /// alone gains nothing from it (the hand-over costs more than it saves).
        public var parsesInBackground: Bool
        /// Compute the SHA-256 of the input's bytes as they are read (``TraceReader/contentDigest(shouldStop:)``).
        public var computesDigest: Bool

        public init(
            format: TraceFormat? = nil, prefixBlockTokens: Int = 512, skipBadRows: Bool = false,
            maxLineBytes: Int = 1 << 20, maxDecompressedBytes: Int64? = nil, readBufferBytes: Int = 1 << 20,
            decompressInBackground: Bool = true, parsesInBackground: Bool = false, computesDigest: Bool = false
        ) {
            self.decompressInBackground = decompressInBackground
            self.parsesInBackground = parsesInBackground
            self.computesDigest = computesDigest
            self.format = format
            self.prefixBlockTokens = prefixBlockTokens
            self.skipBadRows = skipBadRows
            self.maxLineBytes = maxLineBytes
            self.maxDecompressedBytes = maxDecompressedBytes
            self.readBufferBytes = readBufferBytes
        }
    }

    public let options: Options
    /// The file name requests and errors carry (`<stdin>` for `-`).
    public var name: String { core.name }
    /// Everything counted so far; complete once `next()` has returned nil.
    public var report: IngestReport { core.report }
    /// The format being read (detected or forced).
    public var detectedFormat: TraceFormat { core.parser.format }

    /// All mutable state, in one struct so a `next()` call makes one exclusive access to it
    /// rather than one per counter. Unchecked: the reader never calls out while it holds the
    /// access (no closure, no delegate reaches `core` again), and the dynamic check cost ~120
    /// instructions per request, a tenth of what a replay's thread spends taking a row.
    @exclusivity(unchecked) private var core: ReaderCore
    private let digesting: DigestingByteSource?

    /// Opens a file (or `-` for stdin) and reads up to its header.
    /// - Throws: `.missingInput`, `.io`, `.notATrace`, `.unknownFormat`, `.noRequests` (empty
    ///   input), or a compressed-data error.
    public convenience init(path: String, options: Options = Options()) throws(TraceError) {
        let file = try FileByteSource(path: path)
        try self.init(source: file, name: file.name, options: options)
    }

    /// Reads from any byte source (tests feed memory in chunks of chosen sizes).
    public init(source: some ByteSource, name: String, options: Options = Options()) throws(TraceError) {
        precondition(options.prefixBlockTokens > 0, "prefixBlockTokens must be positive")
        self.options = options
        if options.computesDigest {
            let digesting = DigestingByteSource(source)
            self.digesting = digesting
            core = try ReaderCore(source: digesting, name: name, options: options)
        } else {
            digesting = nil
            core = try ReaderCore(source: source, name: name, options: options)
        }
    }

    /// The SHA-256 (hex) of every byte of the input as read — compressed bytes for zstd input —
    /// once the reader is done with it: what the reader left unread (a replay stopped early) is
    /// read now, through the same descriptor, so the digest is of the whole input whatever it is
    /// (a file, a FIFO, a pipe, standard input). Nil without ``Options/computesDigest``, or when
    /// `shouldStop` (polled between 1 MiB reads) turns true.
    public func contentDigest(shouldStop: () -> Bool = { false }) throws(TraceError) -> String? {
        try digesting?.finish(shouldStop: shouldStop)
    }

    /// The next request, or nil at the end of the trace.
    /// - Throws: the first bad row (unless `skipBadRows`), any read or decode error, and
    ///   `.noRequests` at the end if no request was produced.
    public func next() throws(TraceError) -> ServingRequest? {
        try core.next()
    }
}
