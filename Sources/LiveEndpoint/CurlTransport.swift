import CCurl
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Streams requests with libcurl's multi_socket interface on one event-loop thread of its own
/// (epoll), timestamping every piece of the body in libcurl's write callback, as it leaves the
/// socket.
///
/// libcurl names the sockets to watch (socket callback) and its next timeout (timer callback);
/// the loop waits in `epoll_wait` and hands libcurl only the sockets that are ready
/// (`curl_multi_socket_action`), so a turn costs what is ready, not what is open: with
/// `curl_multi_poll`, every turn polled all 1,000 sockets (docs/live.md). The sender hands a
/// request over by appending it to a locked queue and writing an eventfd the loop watches; it
/// never waits for the loop, which adds the request's easy handle at its next turn. Linux only
/// (epoll, eventfd), as the rest of the live backend is measured. Everything else (adding, performing, reading completions, cancelling) happens
/// on the loop thread, so no libcurl handle is touched from two threads. Connections to the
/// server are capped at `maxConnections` (`CURLMOPT_MAX_TOTAL_CONNECTIONS`; requests beyond
/// wait inside libcurl). Why libcurl directly, with the measurement: docs/live.md, "The HTTP
/// client".
final class CurlTransport: LiveTransport, @unchecked Sendable {
    /// The run's time zero on the monotonic clock; every timestamp is taken relative to it.
    let origin: Int64
    private let onFinish: @Sendable (LiveRequest, Int64, (any Error)?) -> Void
    private let timeoutMilliseconds: Int
    /// The PEM bundle of certificate authorities to trust (`ca_file`); nil, the system's.
    private let certificateAuthorities: String?
    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    /// Written to wake the loop (new work in the inbox).
    private let wakeup: Int32
    /// When libcurl wants `CURL_SOCKET_TIMEOUT` (monotonic ns): loop thread only.
    private var timerDeadline: Int64?
    /// The sockets epoll watches: loop thread only.
    private var watched: Set<Int32> = []
    /// Handed over by other threads, taken by the loop at its next turn.
    private let inbox = Mutex(Inbox())
    /// The transfers libcurl is running, by easy handle: touched by the loop thread only.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private let stopped = DispatchSemaphore(value: 0)

    private struct Inbox {
        var starts: [CurlTransfer] = []
        var cancels: [CurlTransfer] = []
        var closing = false
    }

    /// libcurl's global set-up, once a process (thread-safe since libcurl 7.84).
    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init(
        maxConnections: Int, timeout: Double, origin: Int64, certificateAuthorities: String? = nil,
        onFinish: @escaping @Sendable (LiveRequest, Int64, (any Error)?) -> Void
    ) {
        Self.globalInit
        self.origin = origin
        self.certificateAuthorities = certificateAuthorities
        self.onFinish = onFinish
        timeoutMilliseconds = Int(timeout * 1000)
        multi = curl_multi_init()
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        _ = cmbench_epoll_watch(epoll, EPOLL_CTL_ADD, wakeup, 1, 0)
        _ = cmbench_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        _ = cmbench_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections)
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = cmbench_curl_multi_setopt_socket(multi, Self.watch)
        _ = cmbench_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = cmbench_curl_multi_setopt_timer(multi, Self.timer)
        _ = cmbench_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
        let thread = Thread { [self] in loop() }
        thread.name = "cmbench.live.curl"
        thread.start()
    }

    var now: Int64 { LiveClock.now() - origin }

    /// Makes `easy` trust the PEM bundle at `path` instead of the system's (`ca_file`); nil
    /// leaves libcurl's default. libcurl copies the string.
    static func trust(_ path: String?, on easy: UnsafeMutableRawPointer) {
        guard let path else { return }
        path.withCString { _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_CAINFO, $0) }
    }

    /// Every connection is a descriptor: their table is grown once, before the run's clock starts,
    /// not while streams are timed (`cmbench_reserve_descriptors`: each growth of a threaded
    /// process's table waits for an RCU grace period, 10-17 ms here). 64 for the rest of the
    /// process. The replayer calls it before its clock starts.
    static func reserveDescriptors(forConnections connections: Int) {
        _ = cmbench_reserve_descriptors(Int32(clamping: connections + 64))
    }

    /// Starts `live` as a POST of `body` to `url`; returns at once (the loop adds it).
    func start(_ live: LiveRequest, url: URL, body: Data, headers: [String: String]) -> any LiveTransfer {
        let transfer = CurlTransfer(
            live: live, transport: self, url: url, body: body, headers: headers, timeoutMilliseconds: timeoutMilliseconds,
            certificateAuthorities: certificateAuthorities)
        hand { $0.starts.append(transfer) }
        return transfer
    }

    fileprivate func cancel(_ transfer: CurlTransfer) {
        hand { $0.cancels.append(transfer) }
    }

    /// Cancels what is still running and ends the loop; returns once it has freed its handles.
    func close() {
        guard hand({ $0.closing = true }) else { return }
        stopped.wait()
    }

    /// Puts work in the inbox and wakes the loop, unless it is closing (then the eventfd may be
    /// gone: the work is dropped). The wake-up is inside the lock, so the loop cannot
    /// free the handle between the check and it. False when closing.
    @discardableResult
    private func hand(_ change: (inout Inbox) -> Void) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.closing else { return false }
            change(&inbox)
            var one: UInt64 = 1
            _ = Glibc.write(wakeup, &one, 8)
            return true
        }
    }

    private func loop() {
        var active: Int32 = 0
        var fds = [Int32](repeating: 0, count: 256)
        var flags = [Int32](repeating: 0, count: 256)
        while true {
            let (starts, cancels, closing) = inbox.withLock { inbox in
                defer { inbox.starts.removeAll(keepingCapacity: true); inbox.cancels.removeAll(keepingCapacity: true) }
                return (inbox.starts, inbox.cancels, inbox.closing)
            }
            for transfer in starts {
                running[transfer.easy] = transfer
                _ = curl_multi_add_handle(multi, transfer.easy)
            }
            for transfer in cancels + (closing ? Array(running.values) : []) {
                finish(transfer, error: CurlError(code: CURLE_ABORTED_BY_CALLBACK, message: "cancelled"))
            }
            if closing { break }
            let timeout = timerDeadline.map { Int32(clamping: max(0, ($0 - LiveClock.now() + 999_999) / 1_000_000)) } ?? 1000
            let ready = cmbench_epoll_wait(epoll, &fds, &flags, 256, timeout)
            for index in 0..<max(0, Int(ready)) {
                if fds[index] == wakeup {
                    var count: UInt64 = 0
                    _ = Glibc.read(wakeup, &count, 8)
                } else {
                    _ = curl_multi_socket_action(multi, fds[index], flags[index], &active)
                }
            }
            if let deadline = timerDeadline, LiveClock.now() >= deadline {
                timerDeadline = nil
                _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &active)
            }
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle, let transfer = running[easy] else { continue }
                let result = message.pointee.data.result
                finish(transfer, error: result == CURLE_OK ? nil : CurlError(code: result, message: transfer.errorText(result)))
            }
        }
        curl_multi_cleanup(multi)
        Glibc.close(epoll)
        Glibc.close(wakeup)
        stopped.signal()
    }

    /// libcurl's socket callback: watch `socket` for what it asks (on the loop thread, inside
    /// `curl_multi_socket_action` or `curl_multi_remove_handle`).
    private static let watch: cmbench_curl_socket_callback = { _, socket, what, context, _ in
        let transport = Unmanaged<CurlTransport>.fromOpaque(context!).takeUnretainedValue()
        if what == CURL_POLL_REMOVE {
            _ = cmbench_epoll_watch(transport.epoll, EPOLL_CTL_DEL, socket, 0, 0)
            transport.watched.remove(socket)
        } else {
            let readable: Int32 = what == CURL_POLL_IN || what == CURL_POLL_INOUT ? 1 : 0
            let writable: Int32 = what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? 1 : 0
            let operation = transport.watched.insert(socket).inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
            _ = cmbench_epoll_watch(transport.epoll, operation, socket, readable, writable)
        }
        return 0
    }

    /// libcurl's timer callback: when to call it back with `CURL_SOCKET_TIMEOUT` (-1: never).
    private static let timer: cmbench_curl_timer_callback = { _, milliseconds, context in
        let transport = Unmanaged<CurlTransport>.fromOpaque(context!).takeUnretainedValue()
        transport.timerDeadline = milliseconds < 0 ? nil : LiveClock.now() + Int64(milliseconds) * 1_000_000
        return 0
    }

    /// Takes `transfer` out of libcurl and reports its end; once only.
    private func finish(_ transfer: CurlTransfer, error: CurlError?) {
        guard running.removeValue(forKey: transfer.easy) != nil else { return }
        let time = now
        _ = curl_multi_remove_handle(multi, transfer.easy)
        transfer.reportStatus()
        onFinish(transfer.live, time, error)
    }

    /// libcurl's write callback: a piece of the body, timestamped before anything else.
    fileprivate static let write: cmbench_curl_write_callback = { pointer, size, count, context in
        let bytes = size * count
        guard let pointer, let context else { return bytes }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        let time = transfer.transport.now
        transfer.reportStatus()
        // A different count than given makes libcurl abort the transfer (CURLE_WRITE_ERROR).
        return transfer.live.received(Data(bytes: pointer, count: bytes), at: time) ? bytes : 0
    }
}

/// A libcurl failure: its code and its own text (the error buffer, else `curl_easy_strerror`).
struct CurlError: Error, CustomStringConvertible {
    var code: CURLcode
    var message: String
    var timedOut: Bool { code == CURLE_OPERATION_TIMEDOUT }
    var description: String { "\(message) (libcurl error \(code.rawValue))" }
}

/// One request's easy handle, its header list and its body, which libcurl reads until the end:
/// all freed when the transfer goes.
final class CurlTransfer: LiveTransfer, @unchecked Sendable {
    let live: LiveRequest
    /// Strong: a timeout may cancel the transfer after the run; the transport outlives it.
    let transport: CurlTransport
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let body: UnsafeMutableBufferPointer<UInt8>
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private var statusReported = false

    init(
        live: LiveRequest, transport: CurlTransport, url: URL, body: Data, headers: [String: String], timeoutMilliseconds: Int,
        certificateAuthorities: String?
    ) {
        self.live = live
        self.transport = transport
        easy = curl_easy_init()
        self.body = .allocate(capacity: max(body.count, 1))
        _ = self.body.initialize(from: body)
        errorBuffer[0] = 0
        for (name, value) in headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // No "Expect: 100-continue" round trip before the body.
        headerList = curl_slist_append(headerList, "Expect:")
        url.absoluteString.withCString { _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_URL, $0) }  // libcurl copies it
        _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
        _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, self.body.baseAddress)
        _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, body.count)
        _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, headerList)
        _ = cmbench_curl_easy_setopt_write(easy, CURLOPT_WRITEFUNCTION, CurlTransport.write)
        _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque())
        _ = cmbench_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = cmbench_curl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        CurlTransport.trust(certificateAuthorities, on: easy)
    }

    /// Asks the loop to stop this transfer; it reports the end as a cancelled request.
    func cancel() { transport.cancel(self) }

    /// The HTTP status to the request, once (on the loop thread).
    fileprivate func reportStatus() {
        guard !statusReported else { return }
        let code = cmbench_curl_easy_response_code(easy)
        guard code != 0 else { return }
        statusReported = true
        live.received(status: code)
    }

    fileprivate func errorText(_ code: CURLcode) -> String {
        errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        body.deallocate()
        errorBuffer.deallocate()
    }
}
