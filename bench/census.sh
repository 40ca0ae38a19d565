#!/usr/bin/env bash
# The page census (issue 26, item 1): every GET route of the authorization matrix, as a role
# allowed to see it, CONC at a time, R requests each with fresh query strings (bench/census.py),
# on the demo alone (default; a smoke test) or with the benchmark's data set (WORK=DIR holding
# bench.sqlite3 from bench/ocds_feed.sh or bench/portal.sh). Fails on any route over budget
# (p95 < 50 ms for pages, TTFB < 200 ms for streamed exports, server RSS < 200 MB).
#
# The server is started by this script and stopped by its PID only. Only 127.0.0.1 is contacted.
#
#   bench/census.sh                         demo data, release build
#   WORK=/work/feedbench bench/census.sh    the data set in WORK
#   BIN=target/debug/huoban R=3 CONC=2 BUDGET_MS=2000 BUDGET_TTFB_MS=5000 bench/census.sh   (CI smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
HERE="$PWD"
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/huoban"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
# The route list from the matrix (tests/it/authz.rs writes it).
cargo test -q --test it authz::the_census_route_list_follows_the_matrix > /dev/null
PORT="${PORT:-18093}"
SERVER=""
TMP=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
if [ -n "${WORK:-}" ]; then
  cd "$WORK"
  sed -i "s/^port = .*/port = $PORT/" Huoban.toml
  "$BIN" serve > "$WORK/census-serve.log" 2>&1 &
else
  TMP="$(mktemp -d)"
  cd "$TMP"
  HUOBAN_PORT="$PORT" HUOBAN_ADDRESS=127.0.0.1 HUOBAN_LOG_LEVEL=critical "$BIN" > serve.log 2>&1 &
fi
SERVER=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
# The figures the server computes once at start-up (the statistics and the home page's counts,
# platform::kept) are waited for and their time reported, so the routes are measured as they run
# afterwards; the first visitors after a start wait this long once.
t0=$(date +%s%N)
curl -sf -o /dev/null "http://127.0.0.1:$PORT/statistics"
echo "start-up figures ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms (/statistics, first request)"
OUT="${OUT:-$TARGET/census.json}"
# The data the keys of keyed routes are taken from: the database URL in WORK's Huoban.toml, or
# the SQLite file the server made (DB=... overrides).
if [ -z "${DB:-}" ]; then
  [ -f Huoban.toml ] && DB="$(sed -n 's/^database_url = "\(postgres[^"]*\)".*/\1/p; s/^database_url = "sqlite:\/\/\([^?"]*\).*/\1/p' Huoban.toml | head -1)"
  [ -n "${DB:-}" ] || DB="$(find "$PWD" -maxdepth 2 -name '*.sqlite3' | head -1)"
fi
export DB
python3 "$HERE/bench/census.py" "http://127.0.0.1:$PORT" "$TARGET/census-routes.json" "$SERVER" "$OUT"
