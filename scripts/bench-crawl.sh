#!/usr/bin/env bash
# Whole-crawl benchmark: siteready against spider_cli and wget on the same generated shop, served
# on 127.0.0.1 by siteready's own folder server, in one session on one machine; then the number
# of requests siteready needs to reach a verdict, best-first against breadth-first.
#
#   scripts/bench-crawl.sh
#
# Prints siteready, spider_cli and wget pages/s and their ratios, siteready's CPU ms per page and
# peak RSS, and requests to verdict (on the verdict shop and on the buried-policy shop). Slow
# (minutes): never run from tests or CI.
#
# Environment:
#   PAGES         pages of the throughput shop (default 20000)
#   RUNS          rounds of the three crawlers, interleaved; medians are compared (default 3)
#   CONCURRENCY   requests in flight for siteready and spider_cli (default 8)
#   BENCH_DIR     work folder; the generated shops are kept and reused (default /tmp/siteready-bench)
#   SKIP_SPIDER=1, SKIP_WGET=1   leave a baseline out
#   SERVE_THREADS server worker threads (default 1, so the crawler under test keeps a core)
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES="${PAGES:-20000}"
RUNS="${RUNS:-3}"
CONCURRENCY="${CONCURRENCY:-8}"
WORK="${BENCH_DIR:-/tmp/siteready-bench}"
export SERVE_THREADS="${SERVE_THREADS:-1}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/siteready"
mkdir -p "$WORK"

say() { printf '%s\n' "$*" >&2; }

# ---- tools ------------------------------------------------------------------------------------
apt_install() {
  # Installs Debian packages when they are missing and we may install them; never fails the run.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} (apt-get)"
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } ||
      say "could not install ${missing[*]}"
  elif command -v sudo >/dev/null; then
    sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || say "could not install ${missing[*]}"
  else
    say "missing ${missing[*]}: install them to get every figure"
  fi
}
[ -x /usr/bin/time ] || apt_install time
[ "${SKIP_WGET:-0}" = 1 ] || command -v wget >/dev/null || apt_install wget

export PATH="$HOME/.cargo/bin:$PATH"
if [ "${SKIP_SPIDER:-0}" != 1 ] && ! command -v spider >/dev/null; then
  say "installing spider_cli into $HOME/.cargo/bin (once; later runs reuse it)"
  nice -n 10 cargo install spider_cli --locked --quiet || say "could not install spider_cli"
fi

say "building siteready (release)"
cargo build --release --quiet --bin siteready --example genshop --example serve
GENSHOP="$TARGET/release/examples/genshop"
SERVE="$TARGET/release/examples/serve"

# ---- the throughput shop ----------------------------------------------------------------------
SHOP="$WORK/shop-$PAGES"
if [ ! -f "$SHOP/.complete" ]; then
  say "generating a $PAGES-page shop in $SHOP"
  rm -rf "$SHOP"
  "$GENSHOP" "$SHOP" --pages "$PAGES" >/dev/null
  touch "$SHOP/.complete"
fi
# Warm the page cache so the first crawler does not pay for the disk.
cat $(find "$SHOP" -name index.html | head -100000) >/dev/null 2>&1 || true

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

"$SERVE" "$SHOP" >"$WORK/serve.url" &
SERVER_PID=$!
for _ in $(seq 100); do
  [ -s "$WORK/serve.url" ] && break
  sleep 0.05
done
URL="$(head -n1 "$WORK/serve.url")"
[ -n "$URL" ] || { say "the server did not start"; exit 1; }
say "serving $SHOP at $URL"

now() { date +%s.%N; }
# field NAME FILE: a value from /usr/bin/time -v output.
field() { grep -F "$1" "$2" | head -n1 | awk -F': ' '{print $2}'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# ---- throughput: RUNS rounds, the three crawlers interleaved in each ------------------------
# A shared machine drifts; interleaving gives each crawler the same drift, and the median of
# the rounds is what is compared.
run_siteready() { # -> "pages wall user sys rss_kb ready"
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$WORK/siteready.time" "$BIN" check "$URL" \
    --rate 0 --max-pages "$PAGES" --exhaustive --max-per-pattern 0 --max-depth 50 \
    --concurrency "$CONCURRENCY" --allow-private --max-time 600 -q -o "$WORK/siteready.json" || true
  t1=$(now)
  echo "$(grep -o '"pages_fetched": *[0-9]*' "$WORK/siteready.json" | grep -o '[0-9]*$') \
$(calc "%.3f" "$t1 - $t0") \
$(field "User time (seconds)" "$WORK/siteready.time") \
$(field "System time (seconds)" "$WORK/siteready.time") \
$(field "Maximum resident set size (kbytes)" "$WORK/siteready.time") \
$(grep -o '"ready": *[a-z]*' "$WORK/siteready.json" | head -n1 | grep -o '[a-z]*$')"
}
run_spider() { # -> "pages wall"
  local t0 t1
  t0=$(now)
  # spider_cli 2.x has no concurrency flag: it picks its own (its default, as shipped).
  spider --url "$URL" --depth 100 --limit $((PAGES * 2)) \
    crawl --output-links >"$WORK/spider.links" 2>"$WORK/spider.err" || true
  t1=$(now)
  echo "$(grep -c . "$WORK/spider.links" || true) $(calc "%.3f" "$t1 - $t0")"
}
run_wget() { # -> "pages wall"
  local t0 t1
  rm -rf "$WORK/wget"
  t0=$(now)
  # -nv instead of -q: one log line per page, so the pages can be counted.
  wget --recursive --level=inf --no-parent --delete-after -nv -o "$WORK/wget.log" \
    -P "$WORK/wget" "$URL" || true
  t1=$(now)
  echo "$(grep -c ' URL:' "$WORK/wget.log" || true) $(calc "%.3f" "$t1 - $t0")"
}
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

have_spider=0; [ "${SKIP_SPIDER:-0}" != 1 ] && command -v spider >/dev/null && have_spider=1
have_wget=0; [ "${SKIP_WGET:-0}" != 1 ] && command -v wget >/dev/null && have_wget=1
: >"$WORK/runs.txt"
for round in $(seq "$RUNS"); do
  say "round $round/$RUNS: siteready"
  read -r p w u s r ready <<<"$(run_siteready)"
  echo "siteready $p $w $u $s $r $ready" >>"$WORK/runs.txt"
  if [ "$have_spider" = 1 ]; then
    say "round $round/$RUNS: spider_cli"
    echo "spider $(run_spider)" >>"$WORK/runs.txt"
  fi
  if [ "$have_wget" = 1 ]; then
    say "round $round/$RUNS: wget"
    echo "wget $(run_wget)" >>"$WORK/runs.txt"
  fi
done
# pages/s of each complete run, and the medians. A run that fetched fewer than 99% of the shop
# stopped early (spider_cli sometimes ends with part of the shop unvisited, and says nothing);
# its rate is not comparable, so it is listed but left out.
pps_of() { awk -v c="$1" -v p="$PAGES" '$1 == c && $2 >= 0.99 * p { printf "%.1f\n", $2 / $3 }' "$WORK/runs.txt"; }
runs_of() { awk -v c="$1" -v p="$PAGES" '$1 == c && $2 >= 0.99 * p { n++ } END { print n + 0 }' "$WORK/runs.txt"; }
sr_pps=$(pps_of siteready | median)
sp_pps=$(pps_of spider | median)
wg_pps=$(pps_of wget | median)
sr_cpu_ms=$(awk -v p="$PAGES" '$1 == "siteready" && $2 >= 0.99 * p { printf "%.3f\n", ($4 + $5) * 1000 / $2 }' "$WORK/runs.txt" | median)
sr_rss_mb=$(awk '$1 == "siteready" { printf "%.1f\n", $6 / 1024 }' "$WORK/runs.txt" | sort -g | tail -n1)
sr_ready=$(awk '$1 == "siteready" { print $7 }' "$WORK/runs.txt" | sort -u | paste -sd/)
stop_server

# ---- requests to a verdict --------------------------------------------------------------------
VSHOP="$WORK/verdict-shop"
if [ ! -f "$VSHOP/.complete" ]; then
  rm -rf "$VSHOP"
  "$GENSHOP" "$VSHOP" --verdict >/dev/null
  touch "$VSHOP/.complete"
fi
say "requests to a verdict: best-first (default settings)"
"$BIN" check "$VSHOP" -q -o "$WORK/verdict-best.json" || true
say "requests to a verdict: breadth-first (diagnostic order; --rate 0 only to save time)"
"$BIN" check "$VSHOP" --order breadth-first --max-pages 5000 --rate 0 --max-time 600 -q \
  -o "$WORK/verdict-bfs.json" || true
v_best=$(grep -o '"pages_fetched": *[0-9]*' "$WORK/verdict-best.json" | grep -o '[0-9]*$')
v_best_ready=$(grep -o '"ready": *[a-z]*' "$WORK/verdict-best.json" | head -n1 | grep -o '[a-z]*$')
v_bfs=$(grep -o '"pages_fetched": *[0-9]*' "$WORK/verdict-bfs.json" | grep -o '[0-9]*$')
v_bfs_ready=$(grep -o '"ready": *[a-z]*' "$WORK/verdict-bfs.json" | head -n1 | grep -o '[a-z]*$')
# The buried-policy shop: home → category → product, and only product pages link the policies,
# the cart and the order form (in their footer).
BSHOP="$WORK/buried-shop"
if [ ! -f "$BSHOP/.complete" ]; then
  rm -rf "$BSHOP"
  "$GENSHOP" "$BSHOP" --buried >/dev/null
  touch "$BSHOP/.complete"
fi
say "requests to a verdict on the buried-policy shop: best-first (default settings)"
"$BIN" check "$BSHOP" -q -o "$WORK/buried-best.json" || true
b_best=$(grep -o '"pages_fetched": *[0-9]*' "$WORK/buried-best.json" | grep -o '[0-9]*$')
b_best_ready=$(grep -o '"ready": *[a-z]*' "$WORK/buried-best.json" | head -n1 | grep -o '[a-z]*$')

# ---- summary ----------------------------------------------------------------------------------
ratio() { # time per page of siteready / time per page of the other = other pages/s / siteready pages/s
  if [ -n "$1" ] && [ -n "$sr_pps" ]; then calc "%.2f" "$1 / $sr_pps"; else echo "n/a"; fi
}
echo
echo "siteready bench-crawl — $(nproc) cores, $(uname -sr), shop of $PAGES pages at $URL, $RUNS rounds"
printf '%-38s %8s %9s %9s\n' "run" "pages" "wall s" "pages/s"
awk -v p="$PAGES" '{ name = $1 == "siteready" ? "siteready (all rules, c='"$CONCURRENCY"')" : $1 == "spider" ? "spider_cli (links only, own default)" : "wget --recursive";
       printf "%-38s %8d %9.3f %9.0f%s\n", name, $2, $3, ($2 > 0 ? $2 / $3 : 0), ($2 < 0.99 * p ? "   stopped early: left out" : "") }' "$WORK/runs.txt"
echo "complete runs: siteready $(runs_of siteready), spider_cli $(runs_of spider), wget $(runs_of wget) of $RUNS"
echo "median pages/s: siteready ${sr_pps:-n/a}, spider_cli ${sp_pps:-n/a}, wget ${wg_pps:-n/a}"
echo "ratio siteready/spider_cli (time per page, medians): $(ratio "$sp_pps")"
echo "ratio siteready/wget (time per page, medians):       $(ratio "$wg_pps")"
echo "siteready CPU per page (median): $sr_cpu_ms ms"
echo "siteready peak RSS (highest run): $sr_rss_mb MB"
echo "siteready verdict on the throughput shop: ready=$sr_ready"
echo "requests to a verdict (500 blog links first, policies and order only in the footer):"
echo "  best-first (defaults):  $v_best requests, ready=$v_best_ready"
echo "  breadth-first:          $v_bfs requests, ready=$v_bfs_ready"
echo "requests to a verdict on the buried-policy shop (home → category → product; policies and order only in product pages' footer):"
echo "  best-first (defaults):  $b_best requests, ready=$b_best_ready"
