#!/usr/bin/env python3
"""Helpers of ci/live-check.sh: the small trace, the tokenizer, AIPerf's figures as a run document.

Standard library only, except `tokenizer` (gguf, tokenizers: run it with the check's virtualenv).
Each subcommand prints an error and exits nonzero on failure; ci/live-check.sh says which step.

  wait URL SECONDS PID                  until GET URL/v1/models answers 200 (the server PID alive)
  service-time URL MODEL INPUT OUTPUT   seconds the server takes for one request of that size
  build-trace SOURCE OUT_CSV OUT_JSONL --requests N --gap-s G [--block 64 --max-input 512 --max-output 64]
  tokenizer GGUF HUB_DIR NAME           a Hugging Face tokenizer from the GGUF's vocabulary
  aiperf-doc PROFILE_JSON TRACE_CSV URL OUT_JSON
  table AIPERF_DOC [OPENAI_DOC]         the side-by-side table of both clients' figures
"""

import argparse
import hashlib
import json
import math
import os
import sys
import time
import urllib.error
import urllib.request


def fail(message):
    print(f"live_check: {message}", file=sys.stderr)
    sys.exit(1)


def wait(args):
    deadline = time.monotonic() + args.seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            os.kill(args.pid, 0)
        except OSError:
            fail(f"the server (pid {args.pid}) exited before answering {args.url}/v1/models")
        try:
            with urllib.request.urlopen(args.url + "/v1/models", timeout=2) as response:
                if response.status == 200:
                    models = json.load(response).get("data", [])
                    print(", ".join(m.get("id", "?") for m in models) or "(no model listed)")
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            last = str(error)
        time.sleep(0.5)
    fail(f"{args.url}/v1/models did not answer within {args.seconds} s (last: {last})")


def completion(url, model, prompt, max_tokens):
    # min_tokens: llama-cpp-python ignores ignore_eos; min_tokens keeps EOS away until then.
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": max_tokens, "min_tokens": max_tokens,
                       "ignore_eos": True, "temperature": 0}).encode()
    request = urllib.request.Request(url + "/v1/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


WORDS = "river stone cloud maple quiet orange window seven garden copper lantern violet".split()


def service_time(args):
    """Seconds one request of INPUT prompt tokens and OUTPUT output tokens takes, prefill
    included: each prompt starts differently, so the server's prefix cache (it keeps the last
    prompt) cannot skip its prefill."""
    def prompt(seed):
        words = [WORDS[(seed * 7 + i * (seed + 3)) % len(WORDS)] for i in range(args.input)]
        return f"{seed} " + " ".join(words)
    try:
        completion(args.url, args.model, prompt(1), 4)  # warm-up: the first request pays one-off costs
        times = []
        for seed in (2, 3):
            start = time.monotonic()
            answer = completion(args.url, args.model, prompt(seed), args.output)
            times.append(time.monotonic() - start)
    except (urllib.error.URLError, OSError, ValueError) as error:
        fail(f"a calibration request to {args.url}/v1/completions failed: {error}")
    usage = answer.get("usage", {})
    print(f"{sum(times) / len(times):.3f}")
    print(f"calibration: {usage.get('prompt_tokens')} prompt + {usage.get('completion_tokens')} output tokens "
          f"in {sum(times) / len(times):.3f} s (mean of 2)", file=sys.stderr)


def read_cmbench_csv(path):
    rows = []
    with open(path) as lines:
        header = None
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split(",")
            if header is None:
                header = cells
                continue
            rows.append(dict(zip(header, cells)))
    if header is None:
        fail(f"{path}: no header line (not cmbench's trace format)")
    return rows


def build_trace(args):
    """The first N requests of SOURCE with a prompt of at most --max-input tokens, outputs capped at
    --max-output, arrivals spaced by the source's own gaps scaled to a mean of --gap-s, prefix
    hashes re-cut into --block-token blocks; written in cmbench's format and as Mooncake JSONL."""
    source = read_cmbench_csv(args.source)
    chosen = [r for r in source if 0 < int(r["input_tokens"]) <= args.max_input and int(r["output_tokens"]) > 0]
    chosen = chosen[: args.requests]
    if len(chosen) < args.requests:
        fail(f"{args.source}: only {len(chosen)} requests have a prompt of at most {args.max_input} tokens")
    arrivals = [int(r["arrival_ns"]) for r in chosen]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    mean_gap = sum(gaps) / len(gaps) if gaps else 1
    scale = args.gap_s * 1e9 / mean_gap if mean_gap > 0 else 1
    block_ids = {}
    unique = iter(range(10**9, 2 * 10**9))
    with open(args.out_csv, "w") as csv, open(args.out_jsonl, "w") as jsonl:
        csv.write(f"# {len(chosen)} requests of {os.path.basename(args.source)} with prompts <= {args.max_input} "
                  f"tokens, outputs capped at {args.max_output}, gaps scaled to a mean of {args.gap_s:.3f} s "
                  f"(ci/live-check.sh)\n")
        csv.write("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids\n")
        for row, arrival in zip(chosen, arrivals):
            # Whole milliseconds: Mooncake's timestamps are, and both files must say the same.
            ms = round((arrival - arrivals[0]) * scale / 1e6)
            tokens = int(row["input_tokens"])
            output = min(int(row["output_tokens"]), args.max_output)
            first = (row.get("prefix_hash_ids") or "").split()
            root = first[0] if first else f"unique-{ms}"
            # Full blocks of one source prefix share ids across requests; the partial last block is
            # the request's own (its text differs from the next request's).
            blocks = math.ceil(tokens / args.block)
            ids = []
            for k in range(blocks):
                if (k + 1) * args.block <= tokens:
                    ids.append(block_ids.setdefault((root, k), len(block_ids)))
                else:
                    ids.append(next(unique))
            csv.write(f"{ms * 1_000_000},{tokens},{output},{row.get('session_id', '')},{args.block},"
                      f"{' '.join(map(str, ids))}\n")
            jsonl.write(json.dumps({"timestamp": ms, "input_length": tokens, "output_length": output,
                                    "hash_ids": ids}) + "\n")
    span = (arrivals[-1] - arrivals[0]) * scale / 1e9
    print(f"{len(chosen)} requests over {span:.1f} s; prompts {min(int(r['input_tokens']) for r in chosen)}–"
          f"{max(int(r['input_tokens']) for r in chosen)} tokens; outputs ≤ {args.max_output}", file=sys.stderr)


def tokenizer(args):
    """The recipe's tokenizer: GGUF vocabulary and merges as a byte-level BPE, in the Hugging Face
    cache layout AIPerf's workers read offline (models--local--NAME/snapshots/abc)."""
    from gguf import GGUFReader
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    reader = GGUFReader(args.gguf)

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8", "replace") for i in field.data]

    tokens, merges = strings("tokenizer.ggml.tokens"), strings("tokenizer.ggml.merges")
    bpe = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)},
                               merges=[tuple(m.split(" ", 1)) for m in merges]))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    repo = os.path.join(args.hub, f"models--local--{args.name}")
    snapshot = os.path.join(repo, "snapshots", "abc")
    os.makedirs(snapshot, exist_ok=True)
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    bpe.save(os.path.join(snapshot, "tokenizer.json"))
    with open(os.path.join(snapshot, "tokenizer_config.json"), "w") as config:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast"}, config)
    with open(os.path.join(repo, "refs", "main"), "w") as ref:
        ref.write("abc")
    print(f"tokenizer local/{args.name}: {len(tokens)} tokens, {len(merges)} merges", file=sys.stderr)


# AIPerf's metric tags and cmbench's names for the same quantity (docs/live-check.md says why
# AIPerf's inter_token_latency is cmbench's TPOT).
AIPERF_METRICS = {
    "time_to_first_token": "ttft_ms",
    "inter_token_latency": "tpot_ms",
    "inter_chunk_latency": "itl_ms",
    "request_latency": "e2e_ms",
}
AIPERF_SCALARS = {
    "output_token_throughput": "output_tokens_per_s",
    "request_throughput": "request_throughput_rps",
    "request_count": "completed_requests",
    "error_request_count": "rejected_requests",
    "output_sequence_length": "output_tokens_per_request",
    "input_sequence_length": "input_tokens_per_request",
}
STATS = {"avg": "mean", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "min": "min", "max": "max"}


def aiperf_doc(args):
    """AIPerf's profile_export_aiperf.json as a flat run document `cmbench compare` reads."""
    try:
        with open(args.profile) as file:
            profile = json.load(file)
    except (OSError, ValueError) as error:
        fail(f"{args.profile}: cannot read AIPerf's export: {error}")
    records = profile.get("records", profile)
    metrics = {}
    for tag, name in {**AIPERF_METRICS, **AIPERF_SCALARS}.items():
        record = records.get(tag)
        if not isinstance(record, dict):
            continue
        unit = record.get("unit", "")
        factor = 1e-6 if unit == "ns" else 1.0  # cmbench's latencies are in ms
        if tag in AIPERF_METRICS:
            for stat, suffix in STATS.items():
                if isinstance(record.get(stat), (int, float)):
                    metrics[f"{name}.{suffix}"] = record[stat] * factor
        elif isinstance(record.get("avg"), (int, float)):
            metrics[name] = record["avg"]
    if "ttft_ms.p50" not in metrics:
        fail(f"{args.profile}: no time_to_first_token in AIPerf's export (keys: {', '.join(sorted(records))})")
    requests = sum(1 for line in open(args.trace) if line[:1].isdigit())
    metrics["total_requests"] = requests
    digest = hashlib.sha256(open(args.trace, "rb").read()).hexdigest()
    document = {
        "schema": "cmbench.metrics/1",
        "backend": "aiperf",
        "metrics": metrics,
        "provenance": {
            "command": "aiperf profile (converted by ci/live_check.py)",
            # The requests AIPerf replayed are this cmbench trace's, written as Mooncake JSONL.
            "trace": args.trace,
            "trace_sha256": digest,
            "configuration": {"backend": "aiperf", "url": args.url, "aiperf_export": args.profile},
        },
    }
    with open(args.out, "w") as out:
        json.dump(document, out, indent=2, sort_keys=True)
        out.write("\n")


def flat(document):
    """cmbench's metric names of a run document: a flat one's `metrics`, a replay's nested keys."""
    if document.get("schema") == "cmbench.metrics/1":
        return document["metrics"]
    values = {}
    for key, value in document.items():
        if isinstance(value, dict) and key not in ("provenance", "backend"):
            for stat, number in value.items():
                if isinstance(number, (int, float)):
                    values[f"{key}.{stat}"] = number
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            values[key] = value
    return values


def table(args):
    aiperf = flat(json.load(open(args.aiperf)))
    cmbench = flat(json.load(open(args.openai))) if args.openai else None
    rows = [("TTFT", "ttft_ms"), ("TPOT (AIPerf: inter_token_latency)", "tpot_ms"),
            ("ITL (AIPerf: inter_chunk_latency)", "itl_ms"), ("E2E", "e2e_ms")]
    header = ["metric", "cmbench openai" if cmbench is not None else "cmbench openai (not in this build)", "AIPerf",
              "cmbench vs AIPerf"]
    lines = []

    def cell(values, key):
        if values is None:
            return "—"
        value = values.get(key)
        return f"{value:.2f}" if isinstance(value, (int, float)) else "—"

    def error(key):
        a = aiperf.get(key)
        b = cmbench.get(key) if cmbench else None
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or a == 0:
            return "—"
        return f"{(b - a) / abs(a) * 100:+.1f} %"

    for label, key in rows:
        for stat in ("mean", "p50", "p99"):
            name = f"{key}.{stat}"
            lines.append([f"{label} {stat} (ms)", cell(cmbench, name), cell(aiperf, name), error(name)])
    for label, key in [("input tokens per request", "input_tokens_per_request"),
                       ("output tokens per request", "output_tokens_per_request"),
                       ("output throughput (tok/s)", "output_tokens_per_s"),
                       ("request throughput (req/s)", "request_throughput_rps"),
                       ("completed requests", "completed_requests")]:
        lines.append([label, cell(cmbench, key), cell(aiperf, key), error(key)])
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(4)]
    for i, row in enumerate([header, ["-" * w for w in widths]] + lines):
        print("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(row)).rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    # Each subcommand: its function and its positional arguments (name, type).
    commands = {
        "wait": (wait, [("url", str), ("seconds", float), ("pid", int)]),
        "service-time": (service_time, [("url", str), ("model", str), ("input", int), ("output", int)]),
        "build-trace": (build_trace, [("source", str), ("out_csv", str), ("out_jsonl", str)]),
        "tokenizer": (tokenizer, [("gguf", str), ("hub", str), ("name", str)]),
        "aiperf-doc": (aiperf_doc, [("profile", str), ("trace", str), ("url", str), ("out", str)]),
        "table": (table, [("aiperf", str)]),
    }
    subparsers = {}
    for name, (function, positionals) in commands.items():
        subparsers[name] = p = sub.add_parser(name)
        for argument, kind in positionals:
            p.add_argument(argument, type=kind)
        p.set_defaults(run=function)
    subparsers["table"].add_argument("openai", nargs="?")
    trace = subparsers["build-trace"]
    trace.add_argument("--requests", type=int, required=True)
    trace.add_argument("--gap-s", type=float, required=True)
    for option, default in [("--block", 64), ("--max-input", 512), ("--max-output", 64)]:
        trace.add_argument(option, type=int, default=default)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
