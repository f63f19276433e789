#!/usr/bin/env bash
# Screenshots of the web app as a reviewer sees it: starts `siteready serve` on a temporary
# database, checks a few fixture shops through it, and shoots the start page (form and recent
# checks with their verdict chips) and one finished check with headless Chromium.
#
#   scripts/webapp-screenshot.sh            # writes docs/webapp.png and docs/webapp-check.png
#
# Environment: BIN (default target/debug/siteready, built when missing), OUT (folder, default
# docs), CHROME (browser, default chromium). Nothing leaves 127.0.0.1. Korean text needs a
# Korean font (Debian: apt-get install fonts-nanum), else it shows as boxes.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${OUT:-docs}"
chrome="${CHROME:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chrome" ]; then
  echo "webapp-screenshot: no Chromium found (apt-get install chromium, or set CHROME)" >&2
  exit 2
fi
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --bin siteready --example serve
  bin=target/debug/siteready
  serve_ex=target/debug/examples/serve
else
  bin="$BIN"
  serve_ex="$(dirname "$BIN")/examples/serve"
  [ -x "$serve_ex" ] || cargo build --quiet --release --example serve
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

shop() { # DIR VAR: serves a fixture folder, sets VAR to its URL
  local f="$work/shop-$RANDOM"
  "$serve_ex" "$1" >"$f" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
  printf -v "$2" '%s' "$(head -n1 "$f")"
}
shop fixtures/sites/kr-cafe24-complete a
shop fixtures/sites/kr-missing-refund b
shop fixtures/sites/en-shopify-complete c

"$bin" serve --listen 127.0.0.1:0 --db "$work/app.db" --allow-private --rate 0 --render never \
  --lang ko -q 2>"$work/serve.log" &
pids+=($!)
base=""
for _ in $(seq 200); do
  base="$(grep -so 'listening on http://[0-9.:]*' "$work/serve.log" | head -n1 | sed 's/listening on //')" || true
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { cat "$work/serve.log" >&2; exit 1; }

post() { curl -s -X POST -H 'content-type: application/json' -d "$1" "$base/api/checks" >/dev/null; }
post "{\"url\": \"$b\"}"
post "{\"url\": \"$c\"}"
post "{\"url\": \"$a\", \"expect\": {\"name\": \"테스트 상점\"}}"
post "{\"url\": \"$b\"}"
for id in 1 2 3 4; do
  for _ in $(seq 400); do
    curl -s "$base/api/checks/$id" | grep -q '"status":"done"\|"status":"failed"' && break
    sleep 0.05
  done
done

mkdir -p "$out"
if command -v fc-list >/dev/null && ! fc-list :lang=ko | grep -q .; then
  echo "webapp-screenshot: no Korean font; Korean text will show as boxes (apt-get install fonts-nanum)" >&2
fi
shoot() { # URL WIDTH HEIGHT FILE
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --no-default-browser-check \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --user-data-dir="$work/profile" \
    --force-device-scale-factor=1 --window-size="$2,$3" --screenshot="$4" "$1" >/dev/null 2>&1
  echo "screenshot: $(realpath "$4")"
}
shoot "$base/" 1200 900 "$out/webapp.png"
shoot "$base/checks/4" 1200 1400 "$out/webapp-check.png"
