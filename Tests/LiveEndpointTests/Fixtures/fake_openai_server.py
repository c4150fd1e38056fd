#!/usr/bin/env python3
"""A fake OpenAI-compatible streaming server for cmbench's live-backend tests (standard library only).

It listens on 127.0.0.1 on an ephemeral port, prints "PORT <n>" on stdout, and streams
/v1/completions and /v1/chat/completions responses on a schedule the test sets:

  --ttft-ms T        delay from reading the request to the first content chunk
  --gap-ms G         delay between content chunks
  --tokens-per-chunk K
  --tokenize MODE    none | tokenize (POST /tokenize) | extras (POST /extras/tokenize)
  --expect-key KEY   answer 401 unless "Authorization: Bearer KEY"
  --fail N=MODE,...  a request asking max_tokens N misbehaves: 500, 429, reset (a TCP reset
                     after the first chunk), malformed (a chunk that is not JSON), stall (headers,
                     then nothing), nodone (no [DONE])
  --log FILE         one JSON line per request: path, x-request-id, max_tokens, prompt head,
                     received/first/last chunk times on time.monotonic() (CLOCK_MONOTONIC);
                     with --asyncio also late_max, the latest a chunk left against its schedule
  --asyncio          serve every connection from one asyncio event loop instead of a thread
                     each: holds 1,000 concurrent streams without 1,000 threads fighting over
                     the GIL, so chunks leave on schedule (ci/live-overhead.sh). Completions and
                     chat streams only: no --fail, --tokenize or --expect-key.
  --tls CERT KEY     serve HTTPS with this certificate and key (PEM; threaded mode): the
                     fixtures' localhost-cert.pem and localhost-key.pem, a test-only pair

Prompt tokens are counted as whitespace-separated words plus one (a BOS token); a chat request
adds 4 more (its template). Each content chunk carries K tokens (the word "tok" K times).
"""
import argparse
import asyncio
import json
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()


def count_tokens(text):
    return len(text.split()) + 1


def content_payload(chat, n):
    """One streamed chunk of n tokens, as JSON text."""
    text = " tok" * n
    if chat:
        choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    else:
        choice = {"index": 0, "text": text, "finish_reason": None}
    return json.dumps({"id": "x", "object": "chunk", "choices": [choice]})


def usage_payload(prompt_tokens, sent):
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": sent, "total_tokens": prompt_tokens + sent}
    return json.dumps({"id": "x", "object": "chunk", "choices": [], "usage": usage})


def sse_chunk(payload):
    """A server-sent event in one HTTP/1.1 chunk."""
    data = ("data: " + payload + "\n\n").encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def request_record(path, request_id, body, received):
    """What the log keeps of a completion request, and its prompt tokens and chat flag."""
    chat = path.endswith("chat/completions")
    prompt = body["messages"][0]["content"] if chat else body["prompt"]
    record = {"path": path, "id": request_id, "max_tokens": int(body.get("max_tokens", 16)),
              "ignore_eos": body.get("ignore_eos"), "prompt_head": prompt[:200], "received": received}
    return record, count_tokens(prompt) + (4 if chat else 0), chat


def write_log(record):
    if ARGS.log:
        with LOG_LOCK, open(ARGS.log, "a") as log:
            log.write(json.dumps(record) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_json(self):
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def chunk(self, payload):
        self.wfile.write(sse_chunk(payload))
        self.wfile.flush()

    def do_POST(self):
        received = time.monotonic()
        path = self.path
        body = self.read_json()
        if path in ("/tokenize", "/extras/tokenize"):
            mode = {"/tokenize": "tokenize", "/extras/tokenize": "extras"}[path]
            if ARGS.tokenize != mode:
                return self.send_json(404, {"detail": "Not Found"})
            text = body.get("input") if mode == "extras" else body.get("prompt", body.get("content", ""))
            return self.send_json(200, {"tokens": list(range(count_tokens(text)))})
        if path not in ("/v1/completions", "/v1/chat/completions"):
            return self.send_json(404, {"detail": "Not Found"})
        if ARGS.expect_key and self.headers.get("Authorization") != "Bearer " + ARGS.expect_key:
            return self.send_json(401, {"error": {"message": "bad key"}})
        # llama-cpp-python's server (starlette-context's RequestIdPlugin) answers 400 with an
        # empty body to an X-Request-Id that is not a UUID; refuse it the same way.
        request_id = self.headers.get("X-Request-Id")
        if request_id is not None:
            try:
                uuid.UUID(request_id)
            except ValueError:
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        record, prompt_tokens, chat = request_record(path, self.headers.get("X-Request-Id"), body, received)
        record["auth"] = self.headers.get("Authorization") is not None
        max_tokens = record["max_tokens"]
        mode = ARGS.fail.get(max_tokens)
        try:
            self.stream(chat, prompt_tokens, max_tokens, mode, record)
        except (BrokenPipeError, ConnectionResetError):
            record["client_gone"] = True
        write_log(record)

    def stream(self, chat, prompt_tokens, max_tokens, mode, record):
        if mode in ("500", "429"):
            self.send_json(int(mode), {"error": {"message": "injected " + mode}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if mode == "stall":
            time.sleep(3600)
            return
        start = record["received"]
        k = ARGS.tokens_per_chunk
        sent = 0
        index = 0
        while sent < max_tokens:
            due = start + ARGS.ttft_ms / 1000 + index * ARGS.gap_ms / 1000
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            n = min(k, max_tokens - sent)
            if mode == "malformed" and index == 1:
                self.chunk("{not json")
                time.sleep(5)
                return
            self.chunk(content_payload(chat, n))
            now = time.monotonic()
            record.setdefault("first", now)
            record["last"] = now
            if mode == "reset" and index == 0:
                # Every reference closed, with linger 0: the kernel sends a TCP reset.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.rfile.close()
                self.wfile.close()
                self.connection.close()
                return
            sent += n
            index += 1
        self.chunk(usage_payload(prompt_tokens, sent))
        if mode != "nodone":
            self.chunk("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


async def serve_connection(reader, writer):
    """HTTP/1.1 keep-alive on one connection: each POST streams its chunks on the schedule."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            received = time.monotonic()
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))) or b"{}")
            if path not in ("/v1/completions", "/v1/chat/completions"):
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
                continue
            record, prompt_tokens, chat = request_record(path, headers.get("x-request-id"), body, received)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            await writer.drain()
            k = ARGS.tokens_per_chunk
            sent = 0
            index = 0
            while sent < record["max_tokens"]:
                pause = received + ARGS.ttft_ms / 1000 + index * ARGS.gap_ms / 1000 - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
                n = min(k, record["max_tokens"] - sent)
                writer.write(sse_chunk(content_payload(chat, n)))
                await writer.drain()
                now = time.monotonic()
                due = received + ARGS.ttft_ms / 1000 + index * ARGS.gap_ms / 1000
                record["late_max"] = max(record.get("late_max", 0), now - due)
                record.setdefault("first", now)
                record["last"] = now
                sent += n
                index += 1
            writer.write(sse_chunk(usage_payload(prompt_tokens, sent)) + sse_chunk("[DONE]") + b"0\r\n\r\n")
            await writer.drain()
            write_log(record)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve_asyncio():
    server = await asyncio.start_server(serve_connection, "127.0.0.1", 0, backlog=4096)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--ttft-ms", type=float, default=50)
    parser.add_argument("--gap-ms", type=float, default=10)
    parser.add_argument("--tokens-per-chunk", type=int, default=1)
    parser.add_argument("--tokenize", default="none")
    parser.add_argument("--expect-key", default=None)
    parser.add_argument("--fail", default="")
    parser.add_argument("--log", default=None)
    parser.add_argument("--asyncio", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), default=None,
                        help="serve HTTPS with this certificate and key (PEM), threaded mode only")
    ARGS = parser.parse_args()
    ARGS.fail = {int(k): v for k, v in (item.split("=") for item in ARGS.fail.split(",") if item)}
    if ARGS.asyncio:
        if ARGS.fail or ARGS.tokenize != "none" or ARGS.expect_key:
            parser.error("--asyncio serves plain streams only: no --fail, --tokenize or --expect-key")
        asyncio.run(serve_asyncio())
        return
    server = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*ARGS.tls)
        # The handshake happens in each connection's own thread, on its first read, so a client
        # that refuses the certificate cannot hold up the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
