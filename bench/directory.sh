#!/usr/bin/env bash
# Directory benchmark (issue 4): N organizations (default 1,000,000) on SQLite and on
# PostgreSQL, release build. Measures generation time, search latency per query class
# (bench/latency.py, p95 target < 50 ms; every request bypasses the page cache) and the
# directory page under load (wrk, 64 connections, p99 target < 50 ms): a hot query as visitors
# send it (served from the page cache), then fresh addresses (bench/nocache.lua, search and
# rendering every time). Only 127.0.0.1 is contacted.
#
#   bench/directory.sh [N] [sqlite|postgres|both]
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres (default) for the PostgreSQL run.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
WHICH="${2:-both}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk sqlite3 >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cargo build --release -q
BIN="$PWD/target/release/huoban"
WORK="$(mktemp -d)"
PORT=18080
SERVER=""
# Only the server this script started (by its PID): never another on the machine.
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap stop EXIT

keys() { for k in cookie_secret audit_hmac bid_sealing identity; do "$BIN" gen-key "$k"; done; }

run_one() { # kind database_url location
  local kind="$1" url="$2" loc="$3" dir="$WORK/$1"
  mkdir -p "$dir"
  { printf 'database_url = "%s"\nport = %s\nlog_level = "critical"\njobs = false\nmax_connections = 16\n[keys]\n' "$url" "$PORT"; keys; } > "$dir/Huoban.toml"
  (cd "$dir" && "$BIN" demo > /dev/null)
  echo "== $kind: generating $N organizations"
  local t0=$(date +%s)
  (cd "$dir" && "$BIN" demo --orgs "$N" 2>/dev/null | tail -1)
  echo "generation: $(( $(date +%s) - t0 )) s"
  # Grades in force for every 20th organization (a stress case: 5% graded, 1A–5A in turn).
  local grades="INSERT INTO org_grades (org_id, grade, announced_on, valid_from, valid_to, created_at) \
    SELECT id, CASE id % 100 WHEN 0 THEN '5a' WHEN 20 THEN '4a' WHEN 40 THEN '3a' WHEN 60 THEN '2a' ELSE '1a' END, \
    '2025-12-01', '2026-01-01', '2030-12-31', 0 FROM organizations WHERE id % 20 = 0"
  if [ "$kind" = sqlite ]; then sqlite3 "$loc" "$grades"; else psql "$loc" -qc "$grades"; fi
  cd "$dir"
  "$BIN" serve > "$dir/serve.log" 2>&1 &
  SERVER=$!
  cd - > /dev/null
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
  echo "== $kind: search latency (sequential)"
  python3 bench/latency.py "http://127.0.0.1:$PORT" "$kind" "$loc" 20
  echo "== $kind: directory page under load (wrk, 64 connections, 20 s)"
  wrk -t2 -c64 -d20s --latency "http://127.0.0.1:$PORT/directory?q=%E5%AE%81%E6%B3%A2" | sed -n '/Latency Distribution/,/Requests\/sec/p'
  echo "== $kind: the same, every request a new address (no page cache: search + rendering)"
  wrk -t2 -c64 -d20s --latency -s bench/nocache.lua "http://127.0.0.1:$PORT" | sed -n '/Latency Distribution/,/Requests\/sec/p'
  stop
}

if [ "$WHICH" != postgres ]; then
  run_one sqlite "sqlite://$WORK/sqlite/bench.sqlite3?mode=rwc" "$WORK/sqlite/bench.sqlite3"
fi
if [ "$WHICH" != sqlite ]; then
  DB="huoban_bench_$$"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
  URL="${PG_ADMIN_URL%/*}/$DB"
  run_one postgres "$URL" "$URL"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $DB" || true
fi
