#!/usr/bin/env bash
# Writes the HTML report of a site (a fixture folder by default) and screenshots it with headless
# Chromium, so the page a reviewer sees can be looked at. Prints the report and PNG paths.
#
#   scripts/screenshot.sh [SITE] [check options…]
#   scripts/screenshot.sh fixtures/sites/kr-cafe24-complete --lang ko
#
# Environment: OUT (folder, default target/screenshots), WIDTH (default 1280), HEIGHT (default
# 3400), MOBILE=1 also takes a 390-pixel-wide shot, CHROME (browser, default chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

site="${1:-fixtures/sites/kr-missing-refund}"
shift || true
out="${OUT:-target/screenshots}"
width="${WIDTH:-1280}"
height="${HEIGHT:-3400}"
chrome="${CHROME:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chrome" ]; then
  echo "screenshot: no Chromium found (apt-get install chromium, or set CHROME)" >&2
  exit 2
fi

cargo build --quiet
mkdir -p "$out"
name="$(basename "$site")"
for a in "$@"; do
  case "$a" in ko|en) name="$name-$a" ;; esac
done
stem="$out/$name"
# Exit 1 only means the site is not ready; the report is written all the same.
./target/debug/siteready check "$site" --rate 0 -q --format both -o "$stem" "$@" || [ $? -eq 1 ]

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
shoot() {
  # No network: every host name resolves to nothing and background services are off.
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --no-default-browser-check \
    --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
    --force-device-scale-factor=1 --window-size="$1,$2" --screenshot="$3" \
    "file://$(realpath "$stem.html")" >/dev/null 2>&1
}
shoot "$width" "$height" "$stem.png"
echo "report: $stem.html"
echo "screenshot: $(realpath "$stem.png")"
if [ "${MOBILE:-0}" = 1 ]; then
  shoot 390 2400 "$stem-mobile.png"
  echo "screenshot: $(realpath "$stem-mobile.png")"
fi
