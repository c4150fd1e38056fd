/// One row as a format parser leaves it, before the reader checks order and makes a request.
///
/// The reader keeps one and hands it to the parser for every row, so the hash buffer is reused
/// instead of reallocated per line.
struct ParsedRow {
    /// Everything but the hashes.
    var fields = RowFields()
    /// Scratch buffer for the prefix hashes; copied to an exactly-sized array per request.
    var hashes: [UInt64] = []

    mutating func reset(blockTokens: Int) {
        fields = RowFields(blockTokens: blockTokens)
        hashes.removeAll(keepingCapacity: true)
    }
}

/// A parsed row's numbers: plain values only, so that copying them (a `RowPrefetcher` hands
/// them from one thread to another) copies bytes and touches no reference count.
struct RowFields {
    /// Time of the row in nanoseconds: since the epoch for Azure (absolute timestamps), since the
    /// trace start for the others.
    var time: Int64 = 0
    var inputTokens = 0
    var outputTokens = 0
    var sessionID: UInt64?
    var blockTokens = 512
    /// The row records a failed request (BurstGPT, 0 response tokens): counted, not served.
    var failedRequest = false
    /// JSON keys the parser did not know and skipped in this row.
    var unknownKeys = 0
}
