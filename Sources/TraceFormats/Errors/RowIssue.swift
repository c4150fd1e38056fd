/// A problem found by a row parser, before the reader adds the file name and line number.
///
/// Parsers throw this small value (typed throws, no boxing) so the hot loop stays cheap; the
/// reader turns it into a `TraceError` with the location.
struct RowIssue: Error {
    var reason: BadRowReason
    var message: String
    var field: String?

    init(_ reason: BadRowReason, _ message: String, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
