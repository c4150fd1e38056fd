/*
 * A streaming OpenAI-format server for measuring the live client's own overhead
 * (ci/live-overhead.sh). Not part of cmbench: a measuring instrument, written in C so that the
 * server's delays stay far below the client's (the Python fake server of the tests, one asyncio
 * loop for every stream, ran up to 31 ms late at 1,000 streams and its lateness could not be
 * told from the client's).
 *
 * One thread, one epoll loop, non-blocking sockets, HTTP/1.1 keep-alive. Each POST to
 * /v1/completions or /v1/chat/completions is answered with an SSE stream of max_tokens content
 * chunks (one token each), the first TTFT after the request was read, the next GAP apart, then a
 * usage chunk, [DONE] and the chunked-encoding end. Each finished request appends one JSON line
 * to the log, as the Python fake server's: its X-Request-Id, and on CLOCK_MONOTONIC the
 * instants the request was read (received), its first and last content chunks were written,
 * and the latest a chunk left against its schedule (late_max).
 *
 *   cc -O2 -o server ci/live-overhead-server.c
 *   server TTFT_MS GAP_MS LOGFILE        prints "PORT <n>" on stdout
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 4096
#define REQUEST_BYTES 16384

typedef struct {
    int fd;
    int streaming;          /* a response is being streamed */
    char request[REQUEST_BYTES];
    size_t have;
    char id[80];
    int max_tokens, sent, prompt_tokens;
    double received, first, last, late_max;
} Connection;

static Connection *connections[MAX_CONNECTIONS];
/* Every connection's state, allocated and touched before the run and locked in memory where
 * allowed: a first touch of fresh memory during the run took the server off its core for up to
 * 5 ms (a page fault, seen with perf sched), which the measurement would charge to the client. */
static Connection pool[MAX_CONNECTIONS];
static int highest_fd;
static double ttft, gap;
static FILE *log_file;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Writes all of data; the chunks are small and the socket buffer large, so a short write is a
 * client that stopped reading: the connection is dropped. */
static int write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

static int write_event(int fd, const char *payload) {
    char data[512], frame[600];
    int n = snprintf(data, sizeof data, "data: %s\n\n", payload);
    int m = snprintf(frame, sizeof frame, "%x\r\n%s\r\n", n, data);
    return write_all(fd, frame, (size_t)m);
}

static void drop(Connection *c) {
    close(c->fd);
    connections[c->fd] = NULL;
}

/* The value of a header (case-insensitive name) into out, or "" if absent. */
static void header_value(const char *head, const char *name, char *out, size_t size) {
    out[0] = 0;
    size_t length = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;
        if (strncasecmp(start, name, length) == 0 && start[length] == ':') {
            start += length + 1;
            while (*start == ' ') start++;
            size_t n = strcspn(start, "\r");
            if (n >= size) n = size - 1;
            memcpy(out, start, n);
            out[n] = 0;
            return;
        }
    }
}

/* Words of the JSON string after "key": plus one (a BOS token), as the Python fake server counts. */
static int prompt_words(const char *body, const char *key) {
    const char *p = strstr(body, key);
    if (!p) return 1;
    p = strchr(p + strlen(key), '"');
    if (!p) return 1;
    int words = 0, in_word = 0;
    for (p++; *p && !(*p == '"' && p[-1] != '\\'); p++) {
        int space = *p == ' ' || *p == '\n' || *p == '\t';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words + 1;
}

/* A whole request is buffered: parse it and start its stream (or answer 404). */
static int start_request(Connection *c, size_t head_length, size_t body_length) {
    char *head = c->request;
    head[head_length - 2] = 0;
    char *body = head + head_length;
    char saved = body[body_length];
    body[body_length] = 0;
    int chat = strstr(head, "POST /v1/chat/completions ") == head;
    int completions = strstr(head, "POST /v1/completions ") == head;
    if (!chat && !completions) {
        static const char missing[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}";
        body[body_length] = saved;
        return write_all(c->fd, missing, sizeof missing - 1);
    }
    header_value(head, "x-request-id", c->id, sizeof c->id);
    const char *max = strstr(body, "\"max_tokens\"");
    c->max_tokens = max ? atoi(strchr(max, ':') + 1) : 16;
    c->prompt_tokens = chat ? prompt_words(body, "\"content\"") + 4 : prompt_words(body, "\"prompt\"");
    c->sent = 0;
    c->first = c->last = 0;
    c->late_max = 0;
    c->streaming = 1;
    body[body_length] = saved;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    return write_all(c->fd, ok, sizeof ok - 1);
}

/* Reads what the socket has; starts the stream once a request is whole. */
static int read_request(Connection *c) {
    for (;;) {
        ssize_t n = read(c->fd, c->request + c->have, REQUEST_BYTES - 1 - c->have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) return -1;
        c->have += (size_t)n;
        if (c->have >= REQUEST_BYTES - 1) return -1;
    }
    if (c->streaming) return 0; /* pipelining is not expected: the next request waits */
    c->request[c->have] = 0;
    char *end = strstr(c->request, "\r\n\r\n");
    if (!end) return 0;
    size_t head_length = (size_t)(end - c->request) + 4;
    char length[32];
    *end = 0;
    header_value(c->request, "content-length", length, sizeof length);
    *end = '\r';
    size_t body_length = (size_t)atol(length);
    if (c->have < head_length + body_length) return 0;
    c->received = now();
    int status = start_request(c, head_length, body_length);
    /* Keep any bytes past this request for the next one. */
    size_t used = head_length + body_length;
    memmove(c->request, c->request + used, c->have - used);
    c->have -= used;
    return status;
}

static double due(const Connection *c) { return c->received + ttft + c->sent * gap; }

/* Writes every chunk that is due; ends the response after the last. */
static int stream_due(Connection *c, double t) {
    while (c->streaming && due(c) <= t) {
        if (write_event(c->fd, "{\"id\":\"x\",\"object\":\"chunk\",\"choices\":[{\"index\":0,\"text\":\" tok\",\"delta\":{\"content\":\" tok\"},\"finish_reason\":null}]}") < 0)
            return -1;
        double written = now();
        if (c->sent == 0) c->first = written;
        c->last = written;
        if (written - due(c) > c->late_max) c->late_max = written - due(c);
        c->sent++;
        if (c->sent == c->max_tokens) {
            char usage[256];
            snprintf(usage, sizeof usage,
                     "{\"id\":\"x\",\"object\":\"chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}",
                     c->prompt_tokens, c->sent, c->prompt_tokens + c->sent);
            if (write_event(c->fd, usage) < 0 || write_event(c->fd, "[DONE]") < 0 || write_all(c->fd, "0\r\n\r\n", 5) < 0)
                return -1;
            fprintf(log_file, "{\"id\": \"%s\", \"received\": %.9f, \"first\": %.9f, \"last\": %.9f, \"late_max\": %.9f}\n",
                    c->id, c->received, c->first, c->last, c->late_max);
            c->streaming = 0;
            if (c->have > 0) return read_request(c);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s TTFT_MS GAP_MS LOGFILE\n", argv[0]);
        return 64;
    }
    ttft = atof(argv[1]) / 1000;
    gap = atof(argv[2]) / 1000;
    log_file = fopen(argv[3], "w");
    if (!log_file) {
        perror(argv[3]);
        return 1;
    }
    memset(pool, 0, sizeof pool);
    mlockall(MCL_CURRENT | MCL_FUTURE); /* best effort: root may, others may not */
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 4096) < 0 ||
        getsockname(listener, (struct sockaddr *)&address, &size) < 0) {
        perror("listen");
        return 1;
    }
    printf("PORT %d\n", ntohs(address.sin_port));
    fflush(stdout);
    int poll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
    /* The next chunk's instant, as an absolute timer in the same loop: nanosecond resolution,
     * where epoll_wait's timeout is whole milliseconds. */
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct epoll_event timer_event = {.events = EPOLLIN, .data.fd = timer};
    epoll_ctl(poll, EPOLL_CTL_ADD, timer, &timer_event);
    struct epoll_event ready[256];
    for (;;) {
        /* Arm the timer for the earliest due chunk (every stream scanned: ~1,000 comparisons). */
        double next = 0;
        for (int fd = 0; fd <= highest_fd; fd++)
            if (connections[fd] && connections[fd]->streaming && (next == 0 || due(connections[fd]) < next))
                next = due(connections[fd]);
        struct itimerspec at = {{0, 0}, {0, 0}};
        if (next > 0) {
            at.it_value.tv_sec = (time_t)next;
            at.it_value.tv_nsec = (long)((next - (double)at.it_value.tv_sec) * 1e9);
            if (at.it_value.tv_sec == 0 && at.it_value.tv_nsec == 0) at.it_value.tv_nsec = 1;
        }
        timerfd_settime(timer, TFD_TIMER_ABSTIME, &at, NULL);
        int n = epoll_wait(poll, ready, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == timer) {
                unsigned long long expirations;
                (void)!read(timer, &expirations, sizeof expirations);
                continue;
            }
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_CONNECTIONS) {
                        close(client);
                        continue;
                    }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    Connection *c = &pool[client];
                    memset(c, 0, offsetof(Connection, request));
                    c->have = 0;
                    c->streaming = 0;
                    c->fd = client;
                    connections[client] = c;
                    if (client > highest_fd) highest_fd = client;
                    struct epoll_event watch = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(poll, EPOLL_CTL_ADD, client, &watch);
                }
                continue;
            }
            Connection *c = connections[fd];
            if (c && read_request(c) < 0) drop(c);
        }
        double t = now();
        for (int fd = 0; fd <= highest_fd; fd++)
            if (connections[fd] && connections[fd]->streaming && stream_due(connections[fd], t) < 0) drop(connections[fd]);
        fflush(log_file);
    }
}
