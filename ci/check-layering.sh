#!/usr/bin/env bash
# The layer rules the compiler cannot check. `swift build --explicit-target-dependency-import-check
# error` (ci/test.sh) refuses an import outside a target's declared dependency closure; this adds:
#   1. every dependency in Package.swift points down the layer table below (no upward or sideways
#      edge, e.g. the cost model can never depend on the paper's reproduction);
#   2. every import of a package module is a *direct* dependency (the compiler accepts one reached
#      transitively, which hides the real graph);
#   3. the modules without I/O have none: no file, stream or console API in their own code.
# Imports are read in every form: `import`, `@testable`, `@_exported`, `public`/`package`/`internal`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package dump-package > .build/package-dump.json 2>/dev/null || { mkdir -p .build; swift package dump-package > .build/package-dump.json; }
python3 - <<'PY'
import json, os, re, sys

# Lower layers first; a target may depend only on targets of a lower layer.
layers = {
    "CZstd": 0, "CSQLite": 0, "COpenSSL": 0, "CCurl": 0,
    "Digest": 1,
    "DiscreteEvent": 2, "FileOutput": 2, "ZstdStream": 2, "SystemDescription": 2, "RegressionGate": 2, "ResultsStore": 2,
    "Serving": 3, "CostModel": 3, "Reporting": 3,
    "ServingMetrics": 4, "Replay": 4, "TraceFormats": 4,
    "DisaggregatedServing": 5, "AggregatedServing": 5, "LiveEndpoint": 5,
    "PaperReproduction": 6, "Planning": 6,
    "CMBenchCLI": 7,
    "cmbench": 8,
}
# Modules whose own code does no I/O (what they are given, they compute on).
pure = ["Digest", "DiscreteEvent", "Serving", "ServingMetrics", "Replay", "CostModel", "DisaggregatedServing", "AggregatedServing", "Planning"]
io_apis = re.compile(r"\b(FileManager|FileHandle|fopen|fwrite|Data\(contentsOf|contentsOfFile|fileURLWithPath|print\(|readLine\(|open\(|opendir|STDOUT_FILENO|STDERR_FILENO)")
import_line = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|@_implementationOnly\s+)?(?:public\s+|package\s+|internal\s+|fileprivate\s+|private\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)

package = json.load(open(".build/package-dump.json"))
status = 0
def fail(message):
    global status
    print("layering: " + message, file=sys.stderr)
    status = 1

targets = {t["name"]: t for t in package["targets"]}
def dependencies(target):
    names = []
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.append(dependency[kind][0])
    return names

for name, target in targets.items():
    if target["type"] in ("test", "plugin") or name == "CMBenchTestSupport":
        continue
    if name not in layers:
        fail(f"{name} has no layer: add it to ci/check-layering.sh")
        continue
    declared = dependencies(target)
    for dependency in declared:
        if dependency in layers and layers[dependency] >= layers[name]:
            fail(f"{name} (layer {layers[name]}) depends on {dependency} (layer {layers[dependency]}): dependencies point down")
    path = target.get("path") or os.path.join("Sources", name)
    for root, _, files in os.walk(path):
        for file in files:
            if not file.endswith(".swift"):
                continue
            source = os.path.join(root, file)
            text = open(source, encoding="utf-8").read()
            for imported in import_line.findall(text):
                if imported in targets and imported not in declared and imported != name:
                    fail(f"{source} imports {imported}, which is not a direct dependency of {name} in Package.swift")
            if name in pure:
                for number, line in enumerate(text.split("\n"), 1):
                    stripped = line.strip()
                    if stripped.startswith("//"):
                        continue
                    match = io_apis.search(line)
                    if match:
                        fail(f"{source}:{number}: {match.group(1)} in {name}, a module without I/O")
sys.exit(status)
PY
