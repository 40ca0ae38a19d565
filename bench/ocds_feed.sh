#!/usr/bin/env bash
# OCDS release feed benchmark (issue 24 item 3, issue 26 item 2), release build, SQLite:
# the demo plus P finished processes (bench/gen_projects.py; default 10,000, `100000` for the
# issue's data set), then `/ocds/releases.json` pages of 100 releases by keyset — the first
# page, a middle page and the last page, each requested R times (default 50) one after another
# with a fresh query string — p50/p95 per page, and the server's RSS before and its peak (VmHWM)
# after. Target: every page < 50 ms at 100,000 processes. Then one year's bulk file (time, size,
# peak RSS) to show a streamed export keeps memory flat.
#
# The server is started by this script and stopped by its PID only. Only 127.0.0.1 is contacted.
#
#   bench/ocds_feed.sh [P]          P processes (default 10000)
#   WORK=DIR bench/ocds_feed.sh P   reuse (or keep) the data set in DIR
#   BIN=path                        measure another build
#   SKIP_BULK=1                     pages only
set -euo pipefail
cd "$(dirname "$0")/.."
P="${1:-10000}"
R="${R:-50}"
ORGS="${ORGS:-20000}"
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need sqlite3 sqlite3
need curl curl
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/huoban"
fi
REUSE="${WORK:-}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
PORT="${PORT:-18090}"
SERVER=""
cleanup() {
  # Only the server this script started.
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
}
trap cleanup EXIT

keys() { for k in cookie_secret audit_hmac bid_sealing identity; do "$BIN" gen-key "$k"; done; }
DB="$WORK/bench.sqlite3"
HERE="$PWD"
if [ -z "$REUSE" ] || [ ! -f "$DB" ]; then
  { printf 'database_url = "sqlite://%s?mode=rwc"\nport = %s\nlog_level = "critical"\njobs = false\nmax_connections = 16\n[keys]\n' "$DB" "$PORT"; keys; } > "$WORK/Huoban.toml"
  cd "$WORK"
  "$BIN" demo > /dev/null
  "$BIN" demo --orgs "$ORGS" > /dev/null 2>&1
  t0=$(date +%s)
  python3 "$HERE/bench/gen_projects.py" "$DB" "$P" 2>/dev/null
  echo "generated $P processes in $(( $(date +%s) - t0 )) s"
fi
cd "$WORK"
sqlite3 "$DB" "SELECT 'projects: ' || COUNT(*) FROM projects; SELECT 'events: ' || COUNT(*) FROM project_events"
echo "database: $(du -h "$DB" | cut -f1)"

"$BIN" serve > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER/status"; }

# Cursors straight from the database: the key of the release event before the middle and
# before the last hundred (the feed's own cursor format, `<at>.<event id>.1`).
KINDS="'published','amendment','cancelled','opened','final_opened','failed','final_failed','review_failed','compliance_failed','awarded','awarded_by_rule','winner_changed','contract_accepted','contract_signed','contract_addon','contract_terminated','payment','payment_reversed','review'"
TOTAL=$(sqlite3 "$DB" "SELECT COUNT(*) FROM project_events WHERE kind IN ($KINDS)")
cursor() { sqlite3 "$DB" "SELECT at || '.' || id || '.1' FROM project_events WHERE kind IN ($KINDS) ORDER BY at, id LIMIT 1 OFFSET $1"; }
MIDDLE=$(cursor $(( TOTAL / 2 )))
LAST=$(cursor $(( TOTAL > 101 ? TOTAL - 101 : 0 )))
echo "release events: $TOTAL (about $(( TOTAL / 100 )) pages of 100)"
echo "RSS before: $(( $(rss VmRSS) / 1024 )) MB"

measure() { # name path -> p50/p95 (ms), releases on the page, bytes
  local name="$1" path="$2" sep="?"
  [[ "$path" == *\?* ]] && sep="&"
  : > "$WORK/t.$name"
  for i in $(seq 1 "$R"); do
    # A fresh query string each time would be refused (unknown parameter); the feed has no
    # cache, and no validator is sent, so every request is built anew.
    curl -s -o "$WORK/body.$name" -w '%{time_total}\n' "http://127.0.0.1:$PORT$path" >> "$WORK/t.$name"
  done
  python3 - "$name" "$WORK/t.$name" "$WORK/body.$name" <<'EOF'
import json, statistics, sys
name, times, body = sys.argv[1:]
t = sorted(float(x) * 1000 for x in open(times))
p = lambda q: t[min(len(t) - 1, int(round(q * (len(t) - 1))))]
b = open(body, "rb").read()
n = len(json.loads(b).get("releases", []))
print(f"{name:<8} p50 {p(0.5):7.1f} ms  p95 {p(0.95):7.1f} ms  max {t[-1]:7.1f} ms  {n} releases  {len(b)} bytes")
EOF
}
echo
echo "== /ocds/releases.json, $R requests per page, one at a time"
measure first "/ocds/releases.json"
measure middle "/ocds/releases.json?after=$MIDDLE"
measure last "/ocds/releases.json?after=$LAST"
measure since "/ocds/releases.json?since=2026-06-01T00:00:00%2B08:00"
echo "RSS after the pages: $(( $(rss VmRSS) / 1024 )) MB, peak $(( $(rss VmHWM) / 1024 )) MB"

[ -n "${SKIP_BULK:-}" ] && exit 0
echo
echo "== one year's bulk file (streamed, process by process)"
YEAR=$(sqlite3 "$DB" "SELECT strftime('%Y', (MAX(at) + 8 * 3600000) / 1000, 'unixepoch') FROM project_events")
t0=$(date +%s.%N)
BYTES=$(curl -sf "http://127.0.0.1:$PORT/ocds/bulk/$YEAR.json" | wc -c)
t1=$(date +%s.%N)
python3 -c "print(f'/ocds/bulk/$YEAR.json: {$BYTES/1e6:.1f} MB in {$t1-$t0:.1f} s')"
echo "RSS after: $(( $(rss VmRSS) / 1024 )) MB, peak $(( $(rss VmHWM) / 1024 )) MB"
