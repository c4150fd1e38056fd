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
                     received/first/last chunk times on time.monotonic() (CLOCK_MONOTONIC)

Prompt tokens are counted as whitespace-separated words plus one (a BOS token); a chat request
adds 4 more (its template). Each content chunk carries K tokens (the word "tok" K times).
"""
import argparse
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()


def count_tokens(text):
    return len(text.split()) + 1


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
        data = ("data: " + payload + "\n\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
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
        chat = path.endswith("chat/completions")
        prompt = body["messages"][0]["content"] if chat else body["prompt"]
        prompt_tokens = count_tokens(prompt) + (4 if chat else 0)
        max_tokens = int(body.get("max_tokens", 16))
        record = {"path": path, "id": self.headers.get("X-Request-Id"), "max_tokens": max_tokens,
                  "ignore_eos": body.get("ignore_eos"), "prompt_head": prompt[:200], "received": received,
                  "auth": self.headers.get("Authorization") is not None}
        mode = ARGS.fail.get(max_tokens)
        try:
            self.stream(chat, prompt_tokens, max_tokens, mode, record)
        except (BrokenPipeError, ConnectionResetError):
            record["client_gone"] = True
        if ARGS.log:
            with LOG_LOCK, open(ARGS.log, "a") as log:
                log.write(json.dumps(record) + "\n")

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
            text = " tok" * n
            if chat:
                choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
            else:
                choice = {"index": 0, "text": text, "finish_reason": None}
            if mode == "malformed" and index == 1:
                self.chunk("{not json")
                time.sleep(5)
                return
            self.chunk(json.dumps({"id": "x", "object": "chunk", "choices": [choice]}))
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
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": sent, "total_tokens": prompt_tokens + sent}
        self.chunk(json.dumps({"id": "x", "object": "chunk", "choices": [], "usage": usage}))
        if mode != "nodone":
            self.chunk("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


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
    ARGS = parser.parse_args()
    ARGS.fail = {int(k): v for k, v in (item.split("=") for item in ARGS.fail.split(",") if item)}
    server = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
