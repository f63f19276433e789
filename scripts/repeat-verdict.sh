#!/usr/bin/env bash
# Runs `siteready check` on one site N times and prints the four statuses of every run; exits 1
# when two runs disagree. A verdict must not depend on timing (rendering, concurrency, the
# order in which pages answer).
#
#   scripts/repeat-verdict.sh [SITE] [N] [-- EXTRA CHECK ARGS]
#
# SITE defaults to the JavaScript-built fixture shop (rendered when Chromium is present),
# N to 10. Uses target/release/siteready (built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SITE="${1:-fixtures/sites/spa-shop}"
N="${2:-10}"
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
BIN="${CARGO_TARGET_DIR:-target}/release/siteready"
[ -x "$BIN" ] || cargo build --release --quiet --bin siteready
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$N"); do
  "$BIN" check "$SITE" -q -o "$out/$i.json" "$@" || true
  python3 - "$out/$i.json" <<'PY' >> "$out/statuses"
import json, sys
r = json.load(open(sys.argv[1]))
rendered = sum(1 for p in (r.get("crawl") or {}).get("pages", []) if p.get("rendered"))
print(" ".join(f"{c['id']}={c['status']}" for c in r["checks"] if not c.get("advisory")), f"(rendered pages: {rendered})")
PY
done
cat -n "$out/statuses"
distinct=$(sed 's/ (rendered pages: [0-9]*)//' "$out/statuses" | sort -u | wc -l)
echo "$N runs, $distinct distinct verdict(s)"
[ "$distinct" -eq 1 ]
