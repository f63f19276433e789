#!/usr/bin/env bash
# Our own check of `siteready serve`, run against the release binary as an operator would:
#   - a ready shop and an injection-laden site through the JSON API, both reports valid against
#     schema/report.schema.json, the report page of the hostile site free of live injected markup;
#   - a burst of 12 checks, all `done` (and the server's peak memory meanwhile);
#   - kill -9 in the middle of a run, restart on the same database: every check `done`, the
#     history intact;
#   - a 127.0.0.1 URL refused with a 4xx JSON error without --allow-private;
#   - --listen 0.0.0.0:… without --token-file refused (exit code 2);
#   - SIGTERM: a clean exit; the database size after 100 checks.
# Prints one PASS/FAIL line per point and the measurements; exits 1 if anything failed.
#
#   scripts/webapp-check.sh            # BIN=target/release/siteready by default
#
# Every server listens on 127.0.0.1 with an ephemeral port; the shops are fixture folders.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${BIN:-target/release/siteready}"
serve_ex="target/release/examples/serve"
[ -x "$bin" ] || cargo build --release --quiet --bin siteready
[ -x "$serve_ex" ] || cargo build --release --quiet --example serve
command -v python3 >/dev/null || { echo "webapp-check: python3 is needed" >&2; exit 2; }
python3 -c 'import jsonschema' 2>/dev/null || { echo "webapp-check: python3 -m pip install jsonschema" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; failed=1; }

# Serves a fixture folder and sets the variable named $2 to its URL.
shop() {
  local out="$work/shop-$RANDOM.url"
  "$serve_ex" "$1" >"$out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
  printf -v "$2" '%s' "$(head -n1 "$out")"
}

# Starts the server on a database: sets $base and $srv_pid; extra flags follow.
start() {
  local db="$1"; shift
  local log="$work/serve-$RANDOM.log"
  "$bin" serve --listen 127.0.0.1:0 --db "$db" --render never --timeout 5 --max-time 30 -q "$@" 2>"$log" &
  srv_pid=$!
  pids+=("$srv_pid")
  base=""
  for _ in $(seq 200); do
    base="$(grep -so 'listening on http://[0-9.:]*' "$log" | head -n1 | sed 's/listening on //')" || true
    [ -n "$base" ] && break
    sleep 0.05
  done
  [ -n "$base" ] || { cat "$log" >&2; echo "webapp-check: the server did not start" >&2; exit 1; }
}

jfield() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1], {}, {"v": v}))' "$1"; }
submit() {
  curl -s -X POST -H 'content-type: application/json' -d "{\"url\": \"$1\"}" "$base/api/checks" | jfield 'v["id"]'
}
status_of() { curl -s "$base/api/checks/$1" | jfield 'v["status"]'; }
wait_done() { # id [seconds]
  local limit=$(( ${2:-60} * 20 ))
  for _ in $(seq "$limit"); do
    case "$(status_of "$1")" in done|failed) return 0 ;; esac
    sleep 0.05
  done
  return 1
}
now_ms() { date +%s%3N; }

ready_dir=fixtures/sites/kr-cafe24-complete
shop "$ready_dir" ready_url
shop fixtures/hostile/xss-shop xss_url
shop fixtures/sites/en-shopify-complete other1
shop fixtures/sites/kr-missing-refund other2

# 1. A ready shop and the hostile site through the API.
start "$work/a.db" --allow-private --rate 0
# Submit, then follow the check's Server-Sent Events to its `done` event: prints "id ms".
read -r id ms < <(python3 - "$base" "$ready_url" <<'EOF'
import json, sys, time, urllib.request
base, url = sys.argv[1], sys.argv[2]
t = time.perf_counter()
req = urllib.request.Request(base + "/api/checks", data=json.dumps({"url": url}).encode(),
                             headers={"content-type": "application/json"})
cid = json.load(urllib.request.urlopen(req))["id"]
for line in urllib.request.urlopen(f"{base}/api/checks/{cid}/events", timeout=60):
    if line.startswith(b"event: done"):
        break
print(cid, round(1000 * (time.perf_counter() - t)))
EOF
)
wait_done "$id" || fail "ready shop: no verdict"
curl -s "$base/api/checks/$id" >"$work/ready.json"
if [ "$(jfield 'v["status"], v["report"]["verdict"]["ready"]' <"$work/ready.json")" = "('done', True)" ]; then
  pass "ready shop checked through the API: ready (submit → verdict $ms ms, followed by SSE)"
else
  fail "ready shop: $(head -c 300 "$work/ready.json")"
fi
xid="$(submit "$xss_url")"
wait_done "$xid" || fail "hostile site: no verdict"
curl -s "$base/api/checks/$xid" >"$work/xss.json"
[ "$(jfield 'v["status"]' <"$work/xss.json")" = done ] && pass "injection-laden site checked through the API" \
  || fail "hostile site: $(head -c 300 "$work/xss.json")"
if python3 - "$work/ready.json" "$work/xss.json" <<'EOF'
import json, sys, jsonschema
schema = json.load(open("schema/report.schema.json"))
for path in sys.argv[1:]:
    jsonschema.validate(json.load(open(path))["report"], schema)
EOF
then pass "both reports validate against schema/report.schema.json"; else fail "schema validation"; fi
curl -s "$base/checks/$xid" >"$work/xss.html"
if python3 - "$work/xss.html" <<'EOF'
import sys
from html.parser import HTMLParser
bad = []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "svg", "textarea", "base"):
            if not (tag == "script" and dict(attrs).get("src") == "/static/live.js"):
                bad.append(tag)
        for k, v in attrs:
            if k.lower().startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                bad.append(f"{tag} {k}={v!r}")
html = open(sys.argv[1], encoding="utf-8").read()
P().feed(html)
assert "onerror=alert" in html, "the hostile strings are shown (as text)"
if bad:
    sys.exit(f"live markup: {bad[:5]}")
EOF
then pass "hostile report page: injected strings shown as text, no live markup"; else fail "hostile report page has live markup"; fi
kill -TERM "$srv_pid"; wait "$srv_pid" 2>/dev/null || true

# 2. Without --allow-private, a loopback URL is refused with a 4xx JSON error.
start "$work/b.db"
code="$(curl -s -o "$work/priv.json" -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -d "{\"url\": \"$ready_url\"}" "$base/api/checks")"
if [[ "$code" == 4* ]] && jfield 'v["error"]' <"$work/priv.json" | grep -q "private"; then
  pass "127.0.0.1 refused without --allow-private ($code: $(jfield 'v["error"]' <"$work/priv.json"))"
else
  fail "127.0.0.1 URL: $code $(cat "$work/priv.json")"
fi
kill -TERM "$srv_pid"; wait "$srv_pid" 2>/dev/null || true

# 3. 0.0.0.0 without a token.
set +e
"$bin" serve --listen 0.0.0.0:0 --db "$work/c.db" 2>"$work/open.err"
rc=$?
set -e
if [ "$rc" = 2 ] && grep -q "without --token-file" "$work/open.err"; then
  pass "--listen 0.0.0.0 without --token-file refused (exit 2)"
else
  fail "--listen 0.0.0.0 without a token: exit $rc, $(cat "$work/open.err")"
fi

# 4. A burst of 12 with 2 workers.
start "$work/d.db" --allow-private --rate 0 --workers 2
urls=("$ready_url" "$other1" "$other2")
burst=()
for i in $(seq 0 11); do submit "${urls[$((i % 3))]}" >"$work/burst-$i.id" & burst+=($!); done
for p in "${burst[@]}"; do wait "$p"; done
t0="$(now_ms)"
for _ in $(seq 1200); do
  [ "$(curl -s "$base/api/checks?limit=50" | jfield 'sum(c["status"] in ("done", "failed") for c in v)')" = 12 ] && break
  sleep 0.1
done
t1="$(now_ms)"
ok="$(curl -s "$base/api/checks?limit=50" | jfield 'sum(c["status"] == "done" for c in v)')"
rss="$(awk '/VmHWM/ {print $2}' "/proc/$srv_pid/status")"
[ "$ok" = 12 ] && pass "burst of 12: all done ($((t1 - t0)) ms after the last submit; peak RSS $((rss / 1024)) MiB with 2 workers)" \
  || fail "burst of 12: $ok done"
kill -TERM "$srv_pid"; wait "$srv_pid" 2>/dev/null || true

# 5. kill -9 mid-run, restart on the same database.
db="$work/e.db"
start "$db" --allow-private --rate 2 --workers 2
ids=()
for _ in $(seq 6); do ids+=("$(submit "$ready_url")"); done
for _ in $(seq 200); do [ "$(status_of "${ids[0]}")" = running ] && break; sleep 0.05; done
sleep 0.7
kill -9 "$srv_pid"; wait "$srv_pid" 2>/dev/null || true
running="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from checks where status=\"running\"").fetchone()[0])' "$db")"
start "$db" --allow-private --rate 0 --workers 2
ok=0
for id in "${ids[@]}"; do wait_done "$id" 60 && [ "$(status_of "$id")" = done ] && ok=$((ok + 1)); done
hist="$(curl -s "$base/api/checks?url=$ready_url" | jfield 'len(v)')"
if [ "$running" -ge 1 ] && [ "$ok" = 6 ] && [ "$hist" = 6 ]; then
  pass "kill -9 with $running checks running, restart: all 6 done, history intact ($hist checks)"
else
  fail "kill -9 + restart: $running running at the kill, $ok of 6 done, history $hist"
fi
kill -TERM "$srv_pid"; wait "$srv_pid" 2>/dev/null || true

# 6. 100 checks: database size; SIGTERM exits cleanly.
db="$work/f.db"
start "$db" --allow-private --rate 0 --workers 2
last=""
for i in $(seq 0 99); do last="$(submit "${urls[$((i % 3))]}")"; done
ok=0
for id in $(seq 1 100); do wait_done "$id" 120 && ok=$((ok + 1)); done
kill -TERM "$srv_pid"
set +e; wait "$srv_pid"; rc=$?; set -e
size="$(du -k "$db" | cut -f1)"
wal="$( [ -f "$db-wal" ] && du -k "$db-wal" | cut -f1 || echo 0)"
[ "$ok" = 100 ] && [ "$last" = 100 ] && pass "100 checks finished; database ${size} KiB (+ WAL ${wal} KiB)" \
  || fail "100 checks: $ok finished"
[ "$rc" = 0 ] && pass "SIGTERM: clean exit" || fail "SIGTERM: exit $rc"

if [ "$failed" = 0 ]; then echo "webapp-check: all passed"; else echo "webapp-check: FAILED"; exit 1; fi
