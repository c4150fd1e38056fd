#!/usr/bin/env python3
"""Rewrites (or checks) the generated blocks of README.md and docs/*.md.

A generated block sits between two marker lines:

    <!-- BEGIN GENERATED: NAME -->
    ...
    <!-- END GENERATED -->

Every number inside comes from cmbench's own output (`reproduce --json`, `replay --json`,
`inspect --json`, and the text report of one replay); the labels and the grouping of rows
are written here. Machine-dependent figures (wall times, speeds) are never generated.

Called by ci/docs.sh, which picks the binary:

    render_docs.py --binary PATH [--check] [--traces DIR]

--check leaves the files alone, prints a unified diff of every block that differs from
what the code produces now, and exits 1. Blocks that need the real traces (--traces,
default ../shared/traces) are skipped, with a message, when that folder is absent.
Python 3 standard library only: this is a check script, not part of the product.
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys

MINUS = "\u2212"
BEGIN = re.compile(r"^<!-- BEGIN GENERATED: ([a-z0-9-]+) -->$")
END = "<!-- END GENERATED -->"
SLO = "ttft=2000ms,tpot=50ms"


class Fail(Exception):
    pass


# ---------------------------------------------------------------- running cmbench


class Runner:
    """Runs cmbench once per distinct command and keeps its stdout."""

    def __init__(self, binary, traces):
        self.binary = binary
        self.traces = traces
        self.cache = {}

    def text(self, *args):
        if args not in self.cache:
            proc = subprocess.run(
                [self.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            if proc.returncode != 0:
                raise Fail(
                    "cmbench %s exited %d:\n%s"
                    % (" ".join(args), proc.returncode, proc.stderr.decode(errors="replace"))
                )
            self.cache[args] = proc.stdout.decode()
        return self.cache[args]

    def json(self, *args):
        return json.loads(self.text(*args))

    def trace(self, name):
        return os.path.join(self.traces, name)


# ---------------------------------------------------------------- number formatting


def num(x, d=None):
    """47.2, 5,655, −1,234, 0.29: three significant figures unless d says otherwise."""
    if d is None:
        d = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    s = "{:,.{}f}".format(abs(x), d)
    if x < 0 and float(s.replace(",", "")) != 0:
        return MINUS + s
    return s


def trim(x, d=1):
    """41, 43.5: d decimals without a trailing .0."""
    s = num(x, d)
    return s[:-2] if s.endswith(".0") else s


def signed(x, d=1):
    s = num(x, d)
    if float(s.replace(",", "").replace(MINUS, "-")) == 0:
        return "0"
    return s if s.startswith(MINUS) else "+" + s


def paper_num(x):
    """The paper's value: an integer as an integer, otherwise like the model's."""
    if abs(x - round(x)) < 1e-9:
        return num(round(x), 0)
    return num(x)


def as_published(x):
    """The shortest form of a number (for the every-point table)."""
    if abs(x - round(x)) < 1e-9:
        return num(round(x), 0)
    s = repr(x)
    return (MINUS + s[1:]) if s.startswith("-") else s


def gain(ratio, d=1):
    """A with/without ratio as a gain in %: 1.058 → +5.8."""
    return signed((ratio - 1) * 100, d)


def joined(parts, unit=""):
    return " / ".join(parts) + unit


# ---------------------------------------------------------------- reproduce rows


class Points:
    def __init__(self, doc):
        self.doc = doc
        self.by_id = {p["id"]: p for p in doc["points"]}

    def __call__(self, *ids):
        missing = [i for i in ids if i not in self.by_id]
        if missing:
            raise Fail("cmbench reproduce --json has no point %s" % ", ".join(missing))
        return [self.by_id[i] for i in ids]

    def matching(self, pattern):
        found = [p for p in self.doc["points"] if re.fullmatch(pattern, p["id"])]
        if not found:
            raise Fail("cmbench reproduce --json has no point matching %s" % pattern)
        return found


# The paper's own wording for values it gives only approximately.
APPROXIMATE = {"R8c", "R16d", "R16e"}


def papers(points, fmt=paper_num, unit=""):
    return joined([("~" if p["id"] in APPROXIMATE else "") + fmt(p["paper"]) for p in points], unit)


def models(points, fmt=num, unit=""):
    return joined([fmt(p["model"]) for p in points], unit)


def errors(points, d=None, bold_misses=True):
    """−6.4 / −1.8 / +3.1 %; one value when all agree; misses in bold."""
    parts = []
    for p in points:
        e = p["error_pct"]
        digits = d if d is not None else (0 if abs(e) >= 50 else 1)
        parts.append((signed(e, digits), not p["within_tolerance"]))
    if len({s for s, _ in parts}) == 1 and not any(m for _, m in parts):
        return parts[0][0] + ("" if parts[0][0] == "0" else " %")
    out = []
    for i, (s, miss) in enumerate(parts):
        last = i == len(parts) - 1
        text = s + (" %" if last else "")
        out.append("**%s**" % text if miss and bold_misses else text)
    return " / ".join(out)


def error_range(points):
    lo = min(p["error_pct"] for p in points)
    hi = max(p["error_pct"] for p in points)
    return "%s … %s %%" % (signed(lo), signed(hi))


def error_within(points):
    return "within %s %%" % num(max(abs(p["error_pct"]) for p in points), 1)


def band(points):
    bands = sorted({p["tolerance_pct"] for p in points})
    return " / ".join("±%s %%" % trim(b) for b in bands)


def role(points, calibration=None, calibration_label=None):
    roles = {p["role"] for p in points}
    if roles == {"calibration"}:
        if calibration_label:
            return calibration_label
        return "**calibration %s**" % calibration if calibration else "calibration"
    if roles == {"prediction"}:
        return "prediction (miss)" if any(not p["within_tolerance"] for p in points) else "prediction"
    return " / ".join(p["role"] for p in points)


def within(points):
    words = ["yes" if p["within_tolerance"] else "**no**" for p in points]
    return words[0] if len(set(words)) == 1 else " / ".join(words)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [("| " + " | ".join(r) + " |").replace("|  |", "| |") for r in rows]
    return lines


def headline_rows(P):
    """R1–R7: the decode and prefill headline points."""
    rows = []
    labels = {
        "R1": "decode TPOT, 96/NPU, 4K+256, MTP",
        "R2": "decode TPOT, 128/NPU, 1K+1K",
        "R3": "decode TPOT, 112/NPU, 2K+256",
        "R4": "decode TPOT, 24/NPU, 4K+256",
        "R5": "decode TPOT, 8/NPU, 4K+256",
    }
    calibrations = {"R4": "C1", "R6": "C2"}
    for i, what in labels.items():
        ps = P(i)
        rows.append([i, what, papers(ps, unit=" ms"), models(ps, unit=" ms"), errors(ps), band(ps),
                     role(ps, calibrations.get(i))])
    for i, what in (("R6", "prefill, default EPLB, 16K tok/NPU, 4K prompts"), ("R7", "prefill, perfect EPLB")):
        ps = P(i)
        rows.append([i, what, papers(ps, unit=" tok/s/NPU"), models(ps), errors(ps), band(ps),
                     role(ps, calibrations.get(i))])
    return rows


HEADER_R = ["id", "what", "paper", "model", "error", "band", "role"]


def block_reproduce_headline(run):
    P = Points(run.json("reproduce", "--json"))
    return ["<!-- from: cmbench reproduce --json -->"] + table(HEADER_R, headline_rows(P))


def block_reproduce_summary(run):
    doc = run.json("reproduce", "--json")
    P = Points(doc)
    rows = headline_rows(P)

    ps = P("R8a", "R8b", "R8c")
    rows.append(["R8a/b/c", "decode layer: no MTP / MTP / busier stream", papers(ps, unit=" µs"), models(ps),
                 errors(ps), band(ps), role(ps)])
    ps = P("R9a", "R9b", "R9c")
    rows.append(["R9a/b/c", "decode microbatch gain at 64/96/128",
                 joined([gain(p["paper"]) for p in ps], " %"), joined([gain(p["model"]) for p in ps], " %"),
                 error_within(ps), band(ps), role(ps)])
    ps = P("R9d")
    rows.append(["R9d", "decode per-layer latency with/without microbatch", papers(ps), models(ps), errors(ps),
                 band(ps), role(ps)])
    a, b, c = ps = P("R10a", "R10b", "R10c")
    rows.append(["R10a/b/c", "prefill microbatch: layer ratio at 4K; gain low/high",
                 "%s; %s / %s %%" % (paper_num(a["paper"]), gain(b["paper"], 0), gain(c["paper"], 0)),
                 "%s; %s / %s %%" % (num(a["model"]), gain(b["model"], 0), gain(c["model"], 0)),
                 errors(ps), band(ps), role(ps)])
    ps = P("R11a", "R11b")
    rows.append(["R11a/b", "MTP gain at small / large batch", joined([gain(p["paper"], 0) for p in ps], " %"),
                 joined([gain(p["model"], 0) for p in ps], " %"), errors(ps), band(ps), role(ps)])
    ps = P.matching(r"R13-[DC]\d+")
    same = all(abs(p["error_pct"]) < 0.05 for p in ps)
    rows.append(["R13", "dispatch/combine latency, EP8–256", "Table 6", "same" if same else error_range(ps),
                 errors(ps) if same else error_range(ps), band(ps), role(ps, calibration_label="operator input")])
    ps = P("R13-DBW256", "R13-CBW256")
    rows.append(["R13 BW", "dispatch / combine bandwidth at EP256", papers(ps, unit=" GB/s"), models(ps),
                 errors(ps), band(ps), role(ps)])
    ps = P.matching(r"R15-[GB]\d+")
    rows.append(["R15", "INT8 GEMM utilisation and bandwidth (%d rows)" % len(ps), "Table 9", "",
                 error_range(ps), band(ps), role(ps)])

    counts = (len(P.matching(r"R13-[DC]\d+")), len(P.matching(r"R14-.*")), len(P.matching(r"R15-.*")))
    intro = ("`cmbench reproduce` (deployment `%s`, this commit); the full table also has the %d\n"
             "rows of Table 6, the %d of the UB table and the %d of Tables 7–9." % ((doc["deployment"],) + counts))
    return ["<!-- from: cmbench reproduce --json -->", intro, ""] + table(HEADER_R, rows)


def block_reproduce_serving(run):
    P = Points(run.json("reproduce", "--json"))
    rows = []

    def add(label, what, ps, paper, model, d=None):
        rows.append([label, what, paper, model, errors(ps, d, bold_misses=False), within(ps)])

    ps = P("R12a"); add("R12a", "prefill throughput, 50 % over 12.5 % reuse (UB)", ps, papers(ps, unit="×"), models(ps, unit="×"))
    ps = P("R12b"); add("R12b", "prefill throughput, 90 % reuse over no EMS", ps, papers(ps, unit="×"), models(ps, unit="×"))
    ps = P("R12c"); add("R12c", "UB over VPC, largest ratio", ps, papers(ps, unit="×"), models(ps, unit="×"))
    ps = P("R12d", "R12e")
    add("R12d/e", "TTFT change at 50 / 90 % reuse", ps, papers(ps, unit=" %"),
        models(ps, lambda x: num(x, 0), " %"), d=0)
    ps = P("R12f", "R12g")
    add("R12f/g", "TTFT change at 50 / 90 % reuse", ps, papers(ps, unit=" ms"), models(ps, unit=" ms"), d=0)
    ps = P("R16a", "R16b", "R16c")
    add("R16a/b/c", "cold start: no cache, local DRAM, EMS", ps, papers(ps, unit=" s"), models(ps, unit=" s"))
    ps = P("R16d", "R16e")
    add("R16d/e", "warm start, local DRAM / EMS", ps, papers(ps, unit=" s"), models(ps, unit=" s"), d=0)
    ps = P("R16f", "R16g", "R16h")
    add("R16f/g/h", "switch latency, no cache / local / EMS", ps, papers(ps, unit=" s"), models(ps, unit=" s"))
    ps = P("R16i", "R16j", "R16k", "R16l")
    same = all(abs(p["error_pct"]) < 0.05 for p in ps)
    add("R16i–l", "switch hit rates 12.5 / 100 %, DRAM copies 8× / 1×", ps, "",
        "same" if same else models(ps))
    bands = band(P.matching(r"R1[26].*"))
    header = ["id", "what", "paper", "model", "error", "within %s" % bands]
    return ["<!-- from: cmbench reproduce --json -->"] + table(header, rows)


def block_reproduce_gpu(run):
    P = Points(run.json("reproduce", "--json"))
    rows = []
    ps = P("B1")
    rows.append(["B1", "DeepSeek Profile, H800 prefill", papers(ps, unit=" tok/s/GPU"), models(ps), errors(ps)])
    ps = P("B2")
    rows.append(["B2", "DeepSeek Profile, H800 decode", papers(ps), models(ps), errors(ps)])
    ps = P("B3", "B4")
    rows.append(["B3 / B4", "SGLang, H100 prefill, default / simulated perfect EPLB", papers(ps), models(ps),
                 errors(ps)])
    ps = P("B5")
    rows.append(["B5", "SGLang, H100 decode, simulated MTP", papers(ps), models(ps), errors(ps)])

    def spread(points, key, fmt):
        values = [p[key] for p in points]
        return "%s–%s" % (fmt(min(values)), fmt(max(values)))

    d, c = P.matching(r"B6-D(16|32|64|128|256)"), P.matching(r"B6-C\d+")
    rows.append(["B6", "H800 DeepEP dispatch / combine latency, EP16–256 / EP8–256",
                 "%s / %s µs" % (spread(d, "paper", paper_num), spread(c, "paper", paper_num)),
                 "%s / %s µs" % (spread(d, "model", num), spread(c, "model", num)), error_range(d + c)])
    d, c = P.matching(r"B6-D(16|32|64|128|256)-bw"), P.matching(r"B6-C\d+-bw")
    rows.append(["B6 `-bw`", "H800 DeepEP dispatch / combine bandwidth, EP16–256 / EP8–256",
                 "%s / %s GB/s" % (spread(d, "paper", trim), spread(c, "paper", trim)),
                 "%s / %s GB/s" % (spread(d, "model", trim), spread(c, "model", trim)), error_range(d + c)])
    lat, bw = P("B6-D8", "B6-D8-bw")
    roles = {lat["role"], bw["role"]}
    rows.append(["B6-D8", "EP8 dispatch latency (and bandwidth)",
                 "%s µs (%s GB/s)" % (paper_num(lat["paper"]), paper_num(bw["paper"])),
                 "%s (%s)" % (num(lat["model"], 1), num(bw["model"], 1)),
                 "calibration C3" if roles == {"calibration"} else "%s (%s)" % (errors([lat]), errors([bw]))])
    return ["<!-- from: cmbench reproduce --json -->"] + table(["id", "what", "paper", "model", "error"], rows)


def block_aggregated_points(run):
    """AG1–AG2: the published aggregated points, each with what its replay shows (the row's note)."""
    P = Points(run.json("reproduce", "--json"))
    rows = []
    for ps in (P("AG1"), P("AG2")):
        point = ps[0]
        rows.append([point["id"], point["what"], papers(ps, unit=" tok/s/GPU"), models(ps), errors(ps), point["note"]])
    return ["<!-- from: cmbench reproduce --json -->"] + table(["id", "what", "published", "model", "error", "what the replay shows"], rows)


def block_other_models_points(run):
    """QT1–QT5, LT1–LT5: TensorRT-LLM's perf-overview rows of Qwen3 and Llama 3.3, with each row's note."""
    P = Points(run.json("reproduce", "--json"))
    rows = []
    for id in ("QT1", "QT2", "QT3", "QT4", "QT5", "LT1", "LT2", "LT3", "LT4", "LT5"):
        ps = P(id)
        point = ps[0]
        rows.append([point["id"], point["what"], papers(ps, unit=" tok/s/GPU"), models(ps), errors(ps), point["note"]])
    return ["<!-- from: cmbench reproduce --json -->"] + table(["id", "what", "published", "model", "error", "what the replay shows"], rows)


def block_ascend_qwen3_points(run):
    """Q5–Q7: SGLang's Ascend best-practice rows of Qwen3-235B-A22B with EAGLE-3, with each row's note."""
    P = Points(run.json("reproduce", "--json"))
    rows = []
    for id in ("Q5", "Q6", "Q7"):
        ps = P(id)
        point = ps[0]
        rows.append([point["id"], point["what"], papers(ps, unit=" tok/s/card"), models(ps), errors(ps), point["note"]])
    return ["<!-- from: cmbench reproduce --json -->"] + table(["id", "what", "published", "model", "error", "what the replay shows"], rows)


def block_reproduce_every_point(run):
    P = Points(run.json("reproduce", "--json"))
    rows = []
    for p in P.doc["points"]:
        model = p["model"]
        digits = 3 if abs(model) < 10 else 1 if abs(model) < 1000 else 0
        rows.append([p["id"], p["what"], as_published(p["paper"]), num(model, digits), p["unit"],
                     signed(p["error_pct"]), "±%s %%" % trim(p["tolerance_pct"]), p["role"],
                     "yes" if p["within_tolerance"] else "**no**"])
    header = ["id", "what", "paper", "model", "unit", "error %", "band", "role", "within"]
    return ["<!-- from: cmbench reproduce --json -->"] + table(header, rows)


# ---------------------------------------------------------------- replays


def block_replay_example(run):
    args = ("replay", "traces/default.csv.zst", "--slo", SLO)
    out = [normalise_build_line(line) for line in run.text(*args).rstrip("\n").split("\n")]
    return ["<!-- from: cmbench %s (stdout, verbatim but the build line) -->" % " ".join(args), "```console",
            "$ cmbench " + " ".join(args)] + out + ["```"]


def normalise_build_line(line):
    """The provenance line `built from REVISION with TOOLCHAIN` names the commit and compiler of
    the binary: a committed file cannot hold its own commit, and the toolchain varies by machine,
    so both are shown as placeholders."""
    if line.startswith("built from "):
        return "built from <git revision> with <swift --version>"
    return line


REAL_TRACES = (
    ("Mooncake conversation", "mooncake-conversation.jsonl"),
    ("Azure conversation 2023", "azure-llm-2023-conv.csv"),
)


def span(seconds):
    if seconds >= 3000:
        return "%s h" % trim(seconds / 3600, 1)
    return "%s min" % trim(seconds / 60, 1)


def percentiles(dist, d, unit):
    return joined([num(dist[k], d) for k in ("p50", "p90", "p99")], " " + unit)


def block_real_trace_replays(run):
    rows = []
    for label, name in REAL_TRACES:
        path = run.trace(name)
        r = run.json("replay", path, "--json", "--slo", SLO)
        i = run.json("inspect", path, "--json")
        overall = r["slo_attainment"]["overall"]
        share = "100 %" if overall == 1 else "%s %%" % num(overall * 100, 1)
        hit = r["prefix_cache_hit_rate"]
        hits = ("none (no hashes)" if hit is None else "%.3f of blocks (%.3f of input tokens)"
                % (hit, r["prefix_cache_token_hit_rate"]))
        rows.append(["%s (%s requests, %s)" % (label, num(r["total_requests"], 0), span(i["span_s"])),
                     percentiles(r["ttft_ms"], 0, "ms"), percentiles(r["tpot_ms"], 1, "ms"),
                     "%s of %s req/s (%s)" % (num(r["goodput_rps"], 2), num(r["request_throughput_rps"], 2), share),
                     hits])
    header = ["trace", "TTFT p50 / p90 / p99", "TPOT p50 / p90 / p99", "goodput (TTFT ≤ 2 s, TPOT ≤ 50 ms)",
              "prefix-cache hit rate"]
    source = "cmbench replay ../shared/traces/TRACE --json --slo %s; cmbench inspect ../shared/traces/TRACE --json" % SLO
    return ["<!-- from: %s -->" % source] + table(header, rows)


def block_gpu_real_trace(run):
    args = ("replay", run.trace("azure-llm-2023-conv.csv"), "--json", "--slo", "ttft=2s,tpot=50ms",
            "--backend-option", "deployment=deepseek-h800")
    r = run.json(*args)
    verdict = ("everything within the SLOs" if r["slo_attainment"]["overall"] == 1 else
               "%s %% of requests within the SLOs" % num(r["slo_attainment"]["overall"] * 100, 1))
    return ["<!-- from: cmbench %s -->" % " ".join(args).replace(run.traces, "../shared/traces"),
            "On the Azure conversation hour (`--slo ttft=2s,tpot=50ms`): TTFT p50 %s ms and TPOT p50 %s ms on\n"
            "DeepSeek's H800 deployment, %s." % (num(r["ttft_ms"]["p50"], 0), num(r["tpot_ms"]["p50"], 2), verdict)]


AGG_VS_DISAGG = [
    ("CloudMatrix-Infer, disaggregated (`cloudmatrix`, `cloudmatrix-infer`)", ()),
    ("aggregated on the same NPUs (`aggregated`, `aggregated-910c`)",
     ("--backend", "aggregated", "--backend-option", "deployment=aggregated-910c")),
]


def block_aggregated_vs_disaggregated(run):
    """The shipped trace through CloudMatrix-Infer's pools and through aggregated replicas on as many NPUs."""
    rows, commands = [], []
    for label, extra in AGG_VS_DISAGG:
        args = ("replay", "traces/default.csv.zst", *extra, "--json", "--slo", SLO)
        r = run.json(*args)
        commands.append("cmbench " + " ".join(args))
        b = r["backend"]
        rows.append([label, "%d %s" % (b["acceleratorCount"], b["acceleratorKind"]),
                     percentiles(r["ttft_ms"], 0, "ms"), percentiles(r["tpot_ms"], 1, "ms"),
                     "%s %%" % num(r["slo_attainment"]["overall"] * 100, 1),
                     num(r["output_tokens_per_s_per_accelerator"], 1),
                     "%.3f" % r["prefix_cache_token_hit_rate"]])
    header = ["system", "accelerators", "TTFT p50 / p90 / p99", "TPOT p50 / p90 / p99",
              "within TTFT ≤ 2 s and TPOT ≤ 50 ms", "output tok/s per NPU", "input tokens from the prefix cache"]
    return ["<!-- from: %s -->" % "; ".join(commands)] + table(header, rows)



# name → (needs the real traces, renderer)
PLAN_PLOTS = "docs/plots"
PLAN_EXAMPLE = ("plan", "traces/default.csv.zst", "--speed", "4", "--max-requests", "2000", "--slo", "ttft=2s,tpot=50ms",
                "--search", "prefill_npus=16", "--search", "mtp=on", "--plot", PLAN_PLOTS, "--no-progress")

# Files generated beside the blocks (the plan example's plots): path -> bytes.
GENERATED_FILES = {}


def block_plan_example(run):
    """The plan example's text, and its two plots written to docs/plots (compared in --check)."""
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        args = tuple(directory if a == PLAN_PLOTS else a for a in PLAN_EXAMPLE)
        text = run.text(*args)
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), "rb") as f:
                GENERATED_FILES[os.path.join(PLAN_PLOTS, name)] = f.read()
    out = text.rstrip("\n").split("\n")
    return ["<!-- from: cmbench %s (stdout, verbatim; the plots are docs/plots/*.svg) -->" % " ".join(PLAN_EXAMPLE),
            "```console", "$ cmbench " + " ".join(PLAN_EXAMPLE)] + out + ["```"]


def block_plan_decode(run):
    """Decode alone on the paper's decode workload: the planner's batch beside the paper's."""
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        trace = os.path.join(directory, "decode-4k-256.csv")
        run.text("synth", trace, "--requests", "30720", "--rate", "1000", "--input", "fixed:4096", "--output", "fixed:256")
        args = ("plan", trace, "--phase", "decode", "--slo", "tpot=50ms", "--search", "decode_npus=160",
                "--search", "decode_batch_per_die=8..80/4", "--search", "mtp=on", "--json", "--no-progress")
        plan = run.json(*args)
    system = plan["plan"]["systems"][0]
    best = system["mostEfficient"]
    chosen = system["chosen"]["summary"]
    with open(os.path.join("results", "reference", "cloudmatrix-paper.json"), encoding="utf-8") as f:
        reference = {p["id"]: p for p in json.load(f)["points"]}
    r1 = reference["R1"]
    paper_rate = re.search(r"\(([0-9,]+) tok/s/NPU\)", r1["source"]).group(1)
    paper_batch = re.search(r"batch ([0-9]+)/NPU", r1["what"]).group(1)
    rows = [
        ["batch per NPU", str(best["candidate"]["decodeBatchPerDie"] * 2), paper_batch],
        ["output tok/s per NPU", num(best["outputTokensPerSecondPerAccelerator"], 0), paper_rate],
        ["TPOT p99 / as published", "%s ms" % num(chosen["tpot_ms"]["p99"], 1), "%s ms" % paper_num(r1["value"])],
    ]
    return ["<!-- from: cmbench synth (30,720 requests of 4,096 + 256 tokens), then cmbench plan TRACE --phase decode "
            "--slo tpot=50ms --search decode_npus=160 --search decode_batch_per_die=8..80/4 --search mtp=on --json; "
            "paper: R1 of results/reference/cloudmatrix-paper.json, read for this table only -->"] + table(
        ["", "planner (prediction)", "paper v3 Tables 3-4 (its choice)"], rows)


BLOCKS = {
    "plan-example": (False, block_plan_example),
    "plan-decode": (False, block_plan_decode),
    "reproduce-headline": (False, block_reproduce_headline),
    "reproduce-summary": (False, block_reproduce_summary),
    "reproduce-serving": (False, block_reproduce_serving),
    "reproduce-gpu": (False, block_reproduce_gpu),
    "aggregated-points": (False, block_aggregated_points),
    "other-models-points": (False, block_other_models_points),
    "ascend-qwen3-points": (False, block_ascend_qwen3_points),
    "reproduce-every-point": (False, block_reproduce_every_point),
    "replay-example": (False, block_replay_example),
    "aggregated-vs-disaggregated": (False, block_aggregated_vs_disaggregated),
    "real-trace-replays": (True, block_real_trace_replays),
    "gpu-real-trace": (True, block_gpu_real_trace),
}


# ---------------------------------------------------------------- the files


def documents(root):
    files = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    if os.path.isdir(docs):
        files += sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))
    return [f for f in files if os.path.isfile(f)]


def render(path, text, run, have_traces, seen, skipped):
    """The file's text with every generated block rendered anew."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = BEGIN.match(line)
        if not m:
            if line.startswith("<!-- BEGIN GENERATED") or line == END:
                raise Fail("%s:%d: a marker line that is not of the form '<!-- BEGIN GENERATED: name -->' "
                           "… '%s'" % (path, i + 1, END))
            i += 1
            continue
        name = m.group(1)
        if name not in BLOCKS:
            raise Fail("%s:%d: unknown generated block '%s' (known: %s)" % (path, i + 1, name, ", ".join(BLOCKS)))
        try:
            end = lines.index(END, i + 1)
        except ValueError:
            raise Fail("%s:%d: block '%s' has no '%s' line" % (path, i + 1, name, END))
        if any(BEGIN.match(l) for l in lines[i + 1:end]):
            raise Fail("%s:%d: block '%s' holds another BEGIN line before its END" % (path, i + 1, name))
        seen.add(name)
        needs_traces, renderer = BLOCKS[name]
        if needs_traces and not have_traces:
            skipped.add(name)
            out.extend(lines[i + 1:end])
        else:
            out.extend(renderer(run))
        out.append(END)
        i = end + 1
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--traces", default=os.path.join("..", "shared", "traces"))
    parser.add_argument("--root", default=".")
    args = parser.parse_args()

    have_traces = os.path.isdir(args.traces)
    run = Runner(args.binary, args.traces)
    seen, skipped, changed = set(), set(), []
    try:
        for path in documents(args.root):
            with open(path, encoding="utf-8") as f:
                old = f.read()
            new = render(os.path.relpath(path, args.root), old, run, have_traces, seen, skipped)
            if new != old:
                changed.append((path, old, new))
    except Fail as e:
        print("docs: %s" % e, file=sys.stderr)
        return 65

    if skipped:
        print("docs: %s not found; left as committed: %s" % (args.traces, ", ".join(sorted(skipped))),
              file=sys.stderr)
    unused = sorted(set(BLOCKS) - seen)
    if unused:
        print("docs: note: no file holds the generated block(s) %s" % ", ".join(unused), file=sys.stderr)

    for rel, data in sorted(GENERATED_FILES.items()):
        path = os.path.join(args.root, rel)
        committed = None
        if os.path.isfile(path):
            with open(path, "rb") as f:
                committed = f.read()
        if committed != data:
            changed.append((path, committed, data))

    if args.check:
        for path, old, new in changed:
            if isinstance(new, bytes):
                print("docs: %s differs from what the code produces now" % os.path.relpath(path, args.root))
                continue
            rel = os.path.relpath(path, args.root)
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), "a/" + rel + " (committed)", "b/" + rel + " (generated)"))
        if changed:
            print("docs: %d file(s) differ from what the code produces now; run bash ci/docs.sh and commit"
                  % len(changed), file=sys.stderr)
            return 1
        print("docs: every generated block matches (%d blocks checked)" % (len(seen) - len(skipped)),
              file=sys.stderr)
        return 0

    for path, _, new in changed:
        tmp = path + ".tmp"
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "wb" if isinstance(new, bytes) else "w", **({} if isinstance(new, bytes) else {"encoding": "utf-8"})) as f:
            f.write(new)
        os.replace(tmp, path)
        print("docs: rewrote %s" % os.path.relpath(path, args.root), file=sys.stderr)
    if not changed:
        print("docs: nothing to change", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
