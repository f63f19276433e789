#!/usr/bin/env bash
# Writes the JSON report of every fixture site, with ports and timings blanked, into one folder:
# run it with two builds and `diff -r` the folders to see whether a change moved any report.
#   scripts/fixture-reports.sh [BIN] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/siteready}
out=${2:-target/fixture-reports}
mkdir -p "$out"
for d in fixtures/sites/*/; do
  name=$(basename "$d")
  "$bin" check "$d" --format json --rate 0 --concurrency 1 --max-time 60 -q -o "$out/$name.raw.json" \
    --inconclusive pass >/dev/null 2>&1 || true
  python3 - "$out/$name.raw.json" "$out/$name.json" <<'PY'
import json, re, sys
src, dst = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(src))
except Exception as e:
    open(dst, "w").write(f"no report: {e}\n"); sys.exit(0)
TIMING = {"duration_ms", "started_at", "elapsed_ms", "render_ms"}
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [clean(x) for x in v]
    if isinstance(v, str):
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", v)
    return v
json.dump(clean(r), open(dst, "w"), indent=1, ensure_ascii=False, sort_keys=True)
PY
  rm -f "$out/$name.raw.json"
done
echo "fixture reports in $out ($(ls "$out" | wc -l) files)"
