import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Streams requests with Foundation's `URLSession` (on Linux, FoundationNetworking over
/// libcurl's multi interface), timestamping every piece of the body as its delegate receives it.
///
/// Requests are spread round-robin over `Self.sessionCount` sessions, each with its own serial
/// delegate queue (a task's callbacks stay in order on its session's queue) and its own serial
/// queue that creates and resumes the tasks, so the sender only appends to a queue: task
/// creation, which synchronises with the session's busy internal queue, is off its path. The
/// alternative to ``CurlTransport`` (`client=urlsession`); the measurement of both is in
/// docs/live.md, "The HTTP client". Connections to the server are capped at about
/// `maxConnections` (split evenly between the sessions).
final class URLSessionTransport: NSObject, LiveTransport, URLSessionDataDelegate, @unchecked Sendable {
    /// Sessions, each with its own internal queue and libcurl multi handle (4: not tuned; what
    /// it gave is in docs/live.md).
    static let sessionCount = 4
    /// The run's time zero on the monotonic clock; every timestamp is taken relative to it.
    let origin: Int64
    private let onFinish: @Sendable (LiveRequest, Int64, (any Error)?) -> Void
    private let tasks = Mutex<[ObjectIdentifier: LiveRequest]>([:])
    private var sessions: [(session: URLSession, creator: DispatchQueue)] = []
    private let next = Atomic<Int>(0)

    init(maxConnections: Int, timeout: Double, origin: Int64, onFinish: @escaping @Sendable (LiveRequest, Int64, (any Error)?) -> Void) {
        self.origin = origin
        self.onFinish = onFinish
        super.init()
        for index in 0..<Self.sessionCount {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = max(1, (maxConnections + Self.sessionCount - 1) / Self.sessionCount)
            configuration.timeoutIntervalForRequest = timeout
            configuration.timeoutIntervalForResource = timeout
            configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
            configuration.urlCache = nil
            configuration.httpCookieStorage = nil
            configuration.httpShouldSetCookies = false
            let queue = OperationQueue()
            queue.name = "cmbench.live.http.\(index)"
            queue.maxConcurrentOperationCount = 1
            let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
            sessions.append((session, DispatchQueue(label: "cmbench.live.http.start.\(index)")))
        }
    }

    /// Starts `live` as a POST of `body` to `url`; returns at once (the session's creator
    /// queue makes and resumes the task).
    func start(_ live: LiveRequest, url: URL, body: Data, headers: [String: String]) -> any LiveTransfer {
        let transfer = URLSessionTransfer()
        let (session, creator) = sessions[next.add(1, ordering: .relaxed).oldValue % sessions.count]
        creator.async { [self] in
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.httpBody = body
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            let task = session.dataTask(with: request)
            tasks.withLock { $0[ObjectIdentifier(task)] = live }
            if transfer.attach(task) {
                task.resume()
            } else {
                tasks.withLock { $0[ObjectIdentifier(task)] = nil }
                onFinish(live, now, CancellationError())
            }
        }
        return transfer
    }

    var now: Int64 { LiveClock.now() - origin }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        tasks.withLock { $0[ObjectIdentifier(dataTask)] }?.received(status: status)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let time = now
        guard let live = tasks.withLock({ $0[ObjectIdentifier(dataTask)] }) else { return }
        if !live.received(data, at: time) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let time = now
        guard let live = tasks.withLock({ $0.removeValue(forKey: ObjectIdentifier(task)) }) else { return }
        onFinish(live, time, error)
    }

    /// Ends the sessions once every task has finished or been cancelled.
    func close() {
        for (session, creator) in sessions { creator.sync { session.finishTasksAndInvalidate() } }
    }
}

/// A request handed to ``URLSessionTransport``, whose task may not exist yet when it is
/// cancelled: then the task is never started.
final class URLSessionTransfer: LiveTransfer, @unchecked Sendable {
    private let state = Mutex<(task: URLSessionDataTask?, cancelled: Bool)>((nil, false))

    /// Gives the transfer its task; false if it was cancelled first (the task must not start).
    fileprivate func attach(_ task: URLSessionDataTask) -> Bool {
        state.withLock { state in
            state.task = task
            return !state.cancelled
        }
    }

    func cancel() {
        let task = state.withLock { state -> URLSessionDataTask? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
