#!/usr/bin/env python3
"""Checks deploy/kubernetes/*.yaml without a cluster (none is reachable from CI): each file parses
as YAML, and the Jobs have what a batch/v1 Job needs, the sharded one what an Indexed Job needs
(completionMode Indexed, completions = parallelism = CMBENCH_SHARD_COUNT, --shard auto and a
store per index on a mounted shared volume backed by the claim the file declares). PyYAML comes
from Debian's python3-yaml, installed when missing. This is a schema check, not a run."""
import glob
import os
import subprocess
import sys

try:
    import yaml
except ImportError:
    subprocess.run(["apt-get", "install", "-y", "python3-yaml"], check=True, stdout=subprocess.DEVNULL)
    import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
problems = []


def need(condition, where, what):
    if not condition:
        problems.append(f"{where}: {what}")


def check_pod(pod, where, claims):
    spec = pod.get("spec") or {}
    need(spec.get("restartPolicy") in ("Never", "OnFailure"), where, "a Job's pods need restartPolicy Never or OnFailure")
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    containers = spec.get("containers") or []
    need(containers, where, "spec.template.spec.containers is empty")
    for c in containers:
        need(c.get("name") and c.get("image"), where, "every container needs a name and an image")
        for mount in c.get("volumeMounts") or []:
            volume = volumes.get(mount.get("name"))
            need(volume is not None, where, f"volumeMount {mount.get('name')} names no volume")
            claim = ((volume or {}).get("persistentVolumeClaim") or {}).get("claimName")
            need(claim in claims, where, f"volume {mount.get('name')} needs a claim this file declares (have {sorted(claims)})")
    return containers


def main():
    files = sorted(glob.glob(os.path.join(root, "deploy", "kubernetes", "*.yaml")))
    need(files, "deploy/kubernetes", "no manifests")
    documents = []
    for path in files:
        with open(path) as f:
            documents += [(os.path.relpath(path, root), d) for d in yaml.safe_load_all(f) if d]
    claims = {d["metadata"]["name"] for _, d in documents if d.get("kind") == "PersistentVolumeClaim"}
    for _, d in documents:
        if d.get("kind") == "PersistentVolumeClaim":
            need("ReadWriteMany" in (d.get("spec") or {}).get("accessModes", []), d["metadata"]["name"], "the shared volume must be ReadWriteMany")
    indexed = 0
    for path, d in documents:
        if d.get("kind") != "Job":
            continue
        where = f"{path} Job {d.get('metadata', {}).get('name')}"
        need(d.get("apiVersion") == "batch/v1", where, "apiVersion must be batch/v1")
        spec = d.get("spec") or {}
        need(isinstance(spec.get("completions"), int) and spec["completions"] >= 1, where, "spec.completions must be a positive integer")
        containers = check_pod(spec.get("template") or {}, where, claims)
        text = " ".join(" ".join(c.get("command") or []) + " " + " ".join(c.get("args") or []) for c in containers)
        if spec.get("completionMode") == "Indexed":
            indexed += 1
            count = spec.get("completions")
            need(spec.get("parallelism", count) <= count, where, "parallelism above completions")
            env = {e.get("name"): e.get("value") for c in containers for e in c.get("env") or []}
            need(env.get("CMBENCH_SHARD_COUNT") == str(count), where, f"CMBENCH_SHARD_COUNT must be spec.completions ({count}), is {env.get('CMBENCH_SHARD_COUNT')}")
            need("--shard auto" in text, where, "the shards run cmbench with --shard auto")
            need("--store" in text and "JOB_COMPLETION_INDEX" in text, where, "each index needs its own --store, named by JOB_COMPLETION_INDEX")
        else:
            need("runs merge" in text and "--from-store" in text, where, "the merge Job runs cmbench runs merge, then --from-store")
    need(indexed >= 1, "deploy/kubernetes", "no Job with completionMode: Indexed")
    for p in problems:
        print(f"check-k8s-manifest: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check-k8s-manifest: {len(files)} files, {len(documents)} documents: YAML and batch/v1 Indexed Job fields OK (no cluster: not applied)", file=sys.stderr)


main()
