#!/usr/bin/env bash
# Public portal benchmark (issue 9), release build, SQLite: N organizations (default 1,000,000)
# and P finished processes (default 100,000, bench/gen_projects.py). Side by side in one run,
# nginx (Debian package) serving the very response bytes Huoban gave as static files:
#   the award-notice list (/awards), an organization profile, a directory search (宁波);
# wrk, 64 connections, 2 threads, 15 s each; Huoban's requests per second as a share of nginx's,
# and p99. The stylesheet (a static body Rocket serves from memory) shows the framework's own
# ceiling beside them. Then the same list with a new address every request (no page cache: query and
# rendering each time), and the bulk OCDS export of every process with the server's peak RSS.
# Only 127.0.0.1 is contacted.
#
#   bench/portal.sh [N] [P]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
P="${2:-100000}"
DUR="${DUR:-15s}"
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need sqlite3 sqlite3
need nginx nginx-light
# BIN=path measures another build (say, an earlier commit's) against the same data set.
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="$PWD/target/release/huoban"
fi
# WORK=DIR reuses a directory made by an earlier run (its data set is kept; generation is long).
REUSE="${WORK:-}"
WORK="${WORK:-$(mktemp -d)}"
PORT=18080
NGINX_PORT=18081
SERVER=""
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  # Only the server this script started (by its PID): never another on the machine.
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
}
trap cleanup EXIT

keys() { for k in cookie_secret audit_hmac bid_sealing identity; do "$BIN" gen-key "$k"; done; }
DB="$WORK/bench.sqlite3"
[ -n "$REUSE" ] && [ -f "$DB" ] || {
{ printf 'database_url = "sqlite://%s?mode=rwc"\nport = %s\nlog_level = "critical"\njobs = false\nmax_connections = 16\n[keys]\n' "$DB" "$PORT"; keys; } > "$WORK/Huoban.toml"
cd "$WORK"
"$BIN" demo > /dev/null
t0=$(date +%s)
"$BIN" demo --orgs "$N" 2>/dev/null | tail -1
echo "organizations: $N in $(( $(date +%s) - t0 )) s"
python3 "$OLDPWD/bench/gen_projects.py" "$DB" "$P" 2>/dev/null
sqlite3 "$DB" "SELECT 'projects: ' || COUNT(*) FROM projects; SELECT 'award winners: ' || COUNT(*) FROM award_winners; SELECT 'organizations: ' || COUNT(*) FROM organizations"
echo "database: $(du -h "$DB" | cut -f1)"
}
cd "$WORK"
# A reused directory may have been left on another port (bench/census.sh sets its own).
sed -i "s/^port = .*/port = $PORT/" Huoban.toml

"$BIN" serve > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
# A contractor of the last process: its profile has a contract and a grade-less history.
ORG=$(sqlite3 "$DB" "SELECT org_id FROM contracts ORDER BY id DESC LIMIT 1")
# The same process's public project page, award notice and contract (issue 26 item 3: cached
# for anonymous visitors like the lists).
NUMBER=$(sqlite3 "$DB" "SELECT p.number FROM contracts k JOIN projects p ON p.id = k.project_id ORDER BY k.id DESC LIMIT 1")
CONTRACT=$(sqlite3 "$DB" "SELECT id FROM contracts ORDER BY id DESC LIMIT 1")
declare -A PAGES=(
  [awards]="/awards"
  [profile]="/organizations/$ORG"
  [directory]="/directory?q=%E5%AE%81%E6%B3%A2"
  [project]="/projects/$NUMBER"
  [notice]="/projects/$NUMBER/award"
  [contract]="/contracts/$CONTRACT"
  # Rocket's own floor: a static body from memory, no guard, no lookup, no page work.
  [stylesheet]="/static/app.css"
)
mkdir -p "$WORK/static"
ORDER=(awards profile directory project notice contract stylesheet)
for k in "${ORDER[@]}"; do
  # The first request renders and caches; the bytes nginx serves are the cached page's.
  curl -sf "http://127.0.0.1:$PORT${PAGES[$k]}" -o /dev/null
  curl -sf "http://127.0.0.1:$PORT${PAGES[$k]}" -o "$WORK/static/$k.html"
done
cat > "$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/static;
    default_type "text/html; charset=utf-8";
  }
}
EOF
nginx -c "$WORK/nginx.conf" -p "$WORK"

TCK=$(getconf CLK_TCK)
ticks() { # pids -> CPU time used so far (user + system), in clock ticks
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
# url header pids... -> "rps p99 cpu" (cpu: the server's CPU time per request, in µs; less
# sensitive than rps to how the two cores are shared with wrk)
measure() {
  local url="$1" header="$2"
  shift 2
  local t0 out
  t0=$(ticks "$@")
  out=$(wrk -t2 -c64 -d"$DUR" --latency ${header:+-H "$header"} "$url")
  awk -v used=$(( $(ticks "$@") - t0 )) -v tck="$TCK" \
    '/Requests\/sec/ {r=$2} / 99%/ {p=$2} / requests in / {n=$1} END {printf "%s %s %.1f\n", r, p, used / tck * 1e6 / n}' <<<"$out"
}
NGINX_PIDS="$(cat "$WORK/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' ')"
# A returning visitor sends the cookies a browser keeps from the home page (its form token, which
# the cached public pages neither read nor set); wrk alone sends none (a first visit). Both are
# measured.
curl -s -c "$WORK/jar" -o /dev/null "http://127.0.0.1:$PORT/"
COOKIE="Cookie: $(awk '($1 ~ /^#HttpOnly_/ || $1 !~ /^#/) && NF >= 7 {printf "%s=%s; ", $6, $7}' "$WORK/jar")"
echo
echo "rps at 64 connections; p99 latency; cpu = the server's CPU time per request (µs)"
printf '%-10s %6s | %9s %7s %5s | %9s %7s %5s %5s | %9s %7s %5s %5s\n' page bytes \
  nginx p99 cpu first p99 ratio cpu returning p99 ratio cpu
declare -A FIRST
for k in "${ORDER[@]}"; do
  # shellcheck disable=SC2086
  read -r nr np nc <<<"$(measure "http://127.0.0.1:$NGINX_PORT/$k.html" "" $NGINX_PIDS)"
  read -r hr hp hc <<<"$(measure "http://127.0.0.1:$PORT${PAGES[$k]}" "" "$SERVER")"
  read -r cr cp cc <<<"$(measure "http://127.0.0.1:$PORT${PAGES[$k]}" "$COOKIE" "$SERVER")"
  printf '%-10s %6s | %9.0f %7s %5s | %9.0f %7s %4.0f%% %5s | %9.0f %7s %4.0f%% %5s\n' "$k" \
    "$(stat -c %s "$WORK/static/$k.html")" "$nr" "$np" "$nc" \
    "$hr" "$hp" "$(python3 -c "print(100*$hr/$nr)")" "$hc" "$cr" "$cp" "$(python3 -c "print(100*$cr/$nr)")" "$cc"
  FIRST[$k]=$hr
done
echo
echo "first visits' requests per second as a share of the stylesheet's (Rocket's ceiling, same run):"
for k in "${ORDER[@]}"; do
  [ "$k" = stylesheet ] && continue
  printf '  %-10s %5.0f%%\n' "$k" "$(python3 -c "print(100*${FIRST[$k]}/${FIRST[stylesheet]})")"
done

echo
echo "== the award list's first pages, a new address every request (no page cache: count, query, render)"
cat > "$WORK/pages.lua" <<'EOF'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/awards?page=" .. ((n % 5) + 1) .. "&x=" .. n)
end
EOF
wrk -t2 -c64 -d"$DUR" --latency -s "$WORK/pages.lua" "http://127.0.0.1:$PORT" | sed -n '/Latency Distribution/,/Requests\/sec/p'

[ -n "${SKIP_BULK:-}" ] && exit 0
echo
echo "== bulk OCDS export of every process: time, size and the server's peak RSS"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
echo "RSS before: $(rss) kB"
PEAK=0
( while kill -0 "$SERVER" 2>/dev/null; do r=$(rss); echo "$r"; sleep 0.2; done ) > "$WORK/rss.log" &
SAMPLER=$!
t0=$(date +%s.%N)
BYTES=$(curl -sf "http://127.0.0.1:$PORT/ocds/bulk.json" | wc -c)
t1=$(date +%s.%N)
GZ=$(curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/ocds/bulk.json" | wc -c)
t2=$(date +%s.%N)
kill "$SAMPLER" 2>/dev/null || true
PEAK=$(sort -n "$WORK/rss.log" | tail -1)
python3 - "$BYTES" "$GZ" "$t0" "$t1" "$t2" "$PEAK" <<'EOF'
import sys
b, gz, t0, t1, t2, peak = sys.argv[1:]
print(f"plain: {int(b)/1e6:.1f} MB in {float(t1)-float(t0):.1f} s; gzip: {int(gz)/1e6:.1f} MB in {float(t2)-float(t1):.1f} s")
print(f"peak RSS of the server during both: {int(peak)/1024:.0f} MB")
EOF
