#!/usr/bin/env bash
# Scale-out on a real Slurm cluster (docs/scale-out.md): installs slurm-wlm and munge from Debian
# when missing, starts a single-node cluster on this machine (munged, slurmctld, slurmd; no
# systemd: proctrack/linuxproc, task/none, state and logs under a temporary folder, SlurmUser
# root), runs a sharded sweep of the shipped trace as a 4-task job array through
# deploy/slurm/cmbench-array.sbatch, merges through deploy/slurm/cmbench-merge.sbatch, and
# compares the merged table, JSON and CSV with the unsharded run byte for byte. It stops the
# daemons it started by their PIDs, on success and on failure, and leaves nothing behind.
#
#   CMBENCH=.build/debug/cmbench bash ci/slurm-check.sh      (called by ci/test.sh; as root)
#   CMBENCH_SKIP_SLURM=1 skips it, saying so (a machine where you are not root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -n "${CMBENCH_SKIP_SLURM:-}" ]; then
  echo "slurm-check: skipped (CMBENCH_SKIP_SLURM is set)" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-check: needs root (it installs packages and runs slurmd with SlurmUser=root);" \
    "run as root, or set CMBENCH_SKIP_SLURM=1 to skip it explicitly" >&2
  exit 1
fi
binary=$(realpath "${CMBENCH:-.build/debug/cmbench}")
[ -x "$binary" ] || { echo "slurm-check: no cmbench binary at $binary (build first)" >&2; exit 66; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  echo "slurm-check: installing slurm-wlm and munge" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y slurm-wlm munge >/dev/null || { apt-get update >/dev/null && apt-get install -y slurm-wlm munge >/dev/null; }
fi
t_installed=$(now)

work=$(mktemp -d /tmp/cmbench-slurm.XXXXXX)
pids=()
cleanup() {
  local status=$?
  # Only the daemons this script started, by PID, newest first; then wait for them to go.
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    echo "slurm-check: failed (status $status); the daemons' logs:" >&2
    tail -n 20 "$work"/log/*.log "$work"/out/* >&2 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work"/{state,spool,log,out,shards}
chmod 700 "$work"

# munge: a fresh key and a private socket, so no system munged is touched.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --foreground --force --key-file="$work/munge.key" --socket="$work/munge.sock" \
  --pid-file="$work/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munged.seed" \
  >"$work/log/munged.stderr.log" 2>&1 &
pids+=($!)

host=$(hostname -s)
# Ports away from the defaults (6817/6818), so a system Slurm on this machine is not disturbed.
port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/slurm.conf" <<CONF
ClusterName=cmbench-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
for _ in $(seq 50); do [ -S "$work/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.stderr.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.stderr.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { echo "slurm-check: the node did not come up (state '${state:-none}')" >&2; exit 1; }
t_started=$(now)

# The sweep: the shipped trace's first 1,000 requests over six decode batch caps.
sweep=(sweep traces/default.csv.zst --over backend:decode_batch_per_die --values 8,16,24,32,48,64
       --max-requests 1000 --slo ttft=2s,tpot=50ms)
env=(--export="ALL,CMBENCH=$binary,CMBENCH_SHARDS=$work/shards" --chdir="$root")
timeout 300 sbatch --wait --quiet --array=0-3 "${env[@]}" --output="$work/out/shard-%a.out" \
  deploy/slurm/cmbench-array.sbatch "${sweep[@]}"
t_array=$(now)
for format in table json; do
  extra=(); [ "$format" = json ] && extra=(--json --csv "$work/merged.csv")
  timeout 120 sbatch --wait --quiet "${env[@]}" --output="$work/out/merged.$format" \
    deploy/slurm/cmbench-merge.sbatch "${sweep[@]}" "${extra[@]}"
done
t_merged=$(now)

"$binary" "${sweep[@]}" > "$work/single.table" 2>/dev/null
"$binary" "${sweep[@]}" --json --csv "$work/single.csv" > "$work/single.json" 2>/dev/null
# The merge job's output file holds stdout and stderr; the result is stdout, which comes first
# in the file only once stderr lines are dropped (each starts with "cmbench: ").
for format in table json; do
  grep -v '^cmbench: ' "$work/out/merged.$format" > "$work/merged.$format.stdout"
  cmp "$work/single.$format" "$work/merged.$format.stdout"
done
cmp "$work/single.csv" "$work/merged.csv"
cmp "$work/single.csv.meta.json" "$work/merged.csv.meta.json"
shards=$(ls "$work"/shards/shard-*.db | wc -l)
[ "$shards" -eq 4 ] || { echo "slurm-check: expected 4 shard stores, found $shards" >&2; exit 1; }
echo "slurm-check: 4-task array sweep merged byte-identical to the unsharded run (table, JSON, CSV)" \
  "- install/check $(awk -v a="$t0" -v b="$t_installed" 'BEGIN{printf "%.1f", b-a}') s," \
  "cluster start $(awk -v a="$t_installed" -v b="$t_started" 'BEGIN{printf "%.1f", b-a}') s," \
  "array $(awk -v a="$t_started" -v b="$t_array" 'BEGIN{printf "%.1f", b-a}') s," \
  "merge jobs $(awk -v a="$t_array" -v b="$t_merged" 'BEGIN{printf "%.1f", b-a}') s, total $(since "$t0") s" >&2
