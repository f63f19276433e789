#!/usr/bin/env bash
# Runs the release binary against every hostile site (examples/hostile_server.rs, the same sites
# the tests in tests/hostile.rs use) under /usr/bin/time -v, and prints one line per case:
# wall time, exit code, the error kinds of the report, and peak memory (max RSS).
#
# Fails when a case takes longer than --max-time + 5 s or peaks above the memory limit.
#
#   scripts/hostile-memory.sh                 # every site
#   scripts/hostile-memory.sh drip gzip_bomb  # some sites
#
# Environment: MAX_TIME (default 6), TIMEOUT (default 2), LIMIT_MB (default 200).
set -euo pipefail

cd "$(dirname "$0")/.."
MAX_TIME=${MAX_TIME:-6}
TIMEOUT=${TIMEOUT:-2}
LIMIT_MB=${LIMIT_MB:-200}

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (GNU time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }

cargo build --release --quiet --bin siteready --example hostile_server
BIN=target/release/siteready
OUT=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$OUT"
}
trap cleanup EXIT

target/release/examples/hostile_server "$@" >"$OUT/sites" &
SERVER_PID=$!
# The server prints `site URL` per site, then `ready`.
for _ in $(seq 100); do
    grep -qx ready "$OUT/sites" && break
    sleep 0.1
done
grep -qx ready "$OUT/sites" || { echo "the hostile server did not start" >&2; exit 2; }

printf '%-20s %8s %5s  %-44s %9s\n' case wall_s exit "error kinds" peak_MB
fail=0
while read -r site url; do
    [ "$site" = ready ] && continue
    # The ssrf* sites redirect to 10.0.0.1 and 169.254.169.254: they run without
    # --allow-private, so the loopback target itself is refused before any connection (exit 3)
    # and nothing leaves the machine. The redirects are refused in tests/hostile.rs, where only
    # the test server's own address is allowed.
    extra=(--allow-private)
    case "$site" in ssrf*) extra=() ;; esac
    set +e
    /usr/bin/time -v "$BIN" check "$url" "${extra[@]}" --timeout "$TIMEOUT" --max-time "$MAX_TIME" \
        --rate 0 --render never -q -o "$OUT/$site.json" 2>"$OUT/$site.time" >/dev/null
    code=$?
    set -e
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/$site.time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/$site.time")
    secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$wall")
    if [ -s "$OUT/$site.json" ]; then
        kinds=$(jq -r '[.errors[].kind] | unique | join(",")' "$OUT/$site.json")
    else
        kinds="(no report) $(grep -m1 '^siteready:' "$OUT/$site.time" | cut -c1-40)"
    fi
    mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '%-20s %8s %5s  %-44s %9s\n' "$site" "$secs" "$code" "${kinds:--}" "$mb"
    if awk -v s="$secs" -v m="$MAX_TIME" 'BEGIN { exit !(s > m + 5) }'; then
        echo "  FAIL: $site took ${secs}s (> --max-time + 5 s)" >&2
        fail=1
    fi
    if awk -v mb="$mb" -v l="$LIMIT_MB" 'BEGIN { exit !(mb >= l) }'; then
        echo "  FAIL: $site peaked at ${mb} MB (>= ${LIMIT_MB} MB)" >&2
        fail=1
    fi
done <"$OUT/sites"
exit "$fail"
