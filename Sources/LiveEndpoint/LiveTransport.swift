import Foundation

/// The HTTP client under the live backend: it streams one POST per request and reports, on
/// threads of its own, each piece of the body (`LiveRequest.received`) and the end
/// (`onFinish`, given at creation, exactly once a request, cancelled ones included).
///
/// The sender owns the requests and calls `start`, which must return at once: the open loop is
/// never held up by the client. Two conformers, chosen by the backend option `client=`:
/// ``CurlTransport`` (libcurl's multi interface on one event-loop thread; the default) and
/// ``URLSessionTransport`` (Foundation). Which and why: docs/live.md, "The HTTP client".
protocol LiveTransport: AnyObject, Sendable {
    /// Starts `live` as a POST of `body` to `url`; returns at once.
    func start(_ live: LiveRequest, url: URL, body: Data, headers: [String: String]) -> any LiveTransfer
    /// Ends the client once every request has finished or been cancelled.
    func close()
}

/// A request handed to a ``LiveTransport``: cancelling it ends the request (reported through
/// `onFinish` like any end, if it has not ended already).
protocol LiveTransfer: AnyObject, Sendable {
    func cancel()
}
