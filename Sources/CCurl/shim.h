// libcurl's easy and multi interfaces (Debian's libcurl4-openssl-dev). curl_easy_setopt,
// curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call: these
// one-line wrappers fix each use's argument type.
#include <curl/curl.h>

typedef size_t (*cmbench_curl_write_callback)(char *, size_t, size_t, void *);

static inline CURLcode cmbench_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cmbench_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cmbench_curl_easy_setopt_write(CURL *handle, CURLoption option, cmbench_curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline long cmbench_curl_easy_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static inline CURLMcode cmbench_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// The multi_socket interface: libcurl says which sockets to watch and when to time out, and is
// told only about the sockets that are ready, so a turn costs what is ready, not what is open.
typedef int (*cmbench_curl_socket_callback)(CURL *, curl_socket_t, int, void *, void *);
typedef int (*cmbench_curl_timer_callback)(CURLM *, long, void *);

static inline CURLMcode cmbench_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode cmbench_curl_multi_setopt_socket(CURLM *multi, cmbench_curl_socket_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, value);
}

static inline CURLMcode cmbench_curl_multi_setopt_timer(CURLM *multi, cmbench_curl_timer_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, value);
}

#ifdef __linux__
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

// epoll's event struct is packed on x86-64, which Swift imports poorly: these take and give
// plain values.
static inline int cmbench_epoll_watch(int epoll, int operation, int fd, int readable, int writable) {
    struct epoll_event event = {0};
    event.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
    event.data.fd = fd;
    return epoll_ctl(epoll, operation, fd, &event);
}

/// Waits up to `timeout` ms; fills `fds` and libcurl's CURL_CSELECT_* flags for each ready one.
static inline int cmbench_epoll_wait(int epoll, int *fds, int *flags, int capacity, int timeout) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll, events, capacity, timeout);
    for (int i = 0; i < count; i++) {
        fds[i] = events[i].data.fd;
        flags[i] = ((events[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((events[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
            | ((events[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    }
    return count;
}

/// Makes room for `count` open descriptors before the run, so that opening connections never
/// grows the process's descriptor table while streams are timed: the soft RLIMIT_NOFILE is
/// raised to `count` if the hard limit allows, and the table is grown now by duplicating a
/// descriptor to the highest number wanted and closing it. Linux grows the table by doubling
/// (at 256, 512, 1,024 descriptors), and in a multi-threaded process each growth waits for an
/// RCU grace period (`expand_fdtable` calls `synchronize_rcu`): 10-17 ms measured here, during
/// which the thread opening the connection, the HTTP client's loop, stands still.
/// Returns the number of descriptors the table now holds.
static inline int cmbench_reserve_descriptors(int count) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t)count) {
        struct rlimit raised = limit;
        raised.rlim_cur = (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= (rlim_t)count) ? (rlim_t)count : limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    long highest = limit.rlim_cur == RLIM_INFINITY ? count - 1 : (long)limit.rlim_cur - 1;
    if (highest > count - 1) highest = count - 1;
    if (highest < 3) return -1;
    int copy = fcntl(2, F_DUPFD_CLOEXEC, (int)highest);
    if (copy < 0) return -1;
    close(copy);
    return (int)highest + 1;
}
#endif
