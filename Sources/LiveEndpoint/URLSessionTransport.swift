import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Streams requests with Foundation's `URLSession` (on Linux, FoundationNetworking over
/// libcurl's multi interface), timestamping every piece of the body as its delegate receives it.
///
/// Why `URLSession` and not libcurl directly, with the measurement: docs/live.md, "The HTTP
/// client". One session per run; connections to the server are capped at
/// `maxConnections` (requests beyond wait in the session's queue).
final class URLSessionTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// The run's time zero on the monotonic clock; every timestamp is taken relative to it.
    let origin: Int64
    private let onFinish: @Sendable (LiveRequest, Int64, (any Error)?) -> Void
    private let tasks = Mutex<[Int: LiveRequest]>([:])
    private var session: URLSession!
    private let queue: OperationQueue

    init(maxConnections: Int, timeout: Double, origin: Int64, onFinish: @escaping @Sendable (LiveRequest, Int64, (any Error)?) -> Void) {
        self.origin = origin
        self.onFinish = onFinish
        queue = OperationQueue()
        queue.name = "cmbench.live.http"
        queue.maxConcurrentOperationCount = 1
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnections
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Starts `live` as a POST of `body` to `url`; returns at once.
    func start(_ live: LiveRequest, url: URL, body: Data, headers: [String: String]) -> URLSessionDataTask {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let task = session.dataTask(with: request)
        tasks.withLock { $0[task.taskIdentifier] = live }
        task.resume()
        return task
    }

    var now: Int64 { LiveClock.now() - origin }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        tasks.withLock { $0[dataTask.taskIdentifier] }?.received(status: status)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let time = now
        guard let live = tasks.withLock({ $0[dataTask.taskIdentifier] }) else { return }
        if !live.received(data, at: time) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let time = now
        guard let live = tasks.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        onFinish(live, time, error)
    }

    /// Ends the session once every task has finished or been cancelled.
    func close() { session.finishTasksAndInvalidate() }
}
