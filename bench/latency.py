#!/usr/bin/env python3
"""Directory search latency, measured over HTTP against a running Huoban: for each class of
query (1, 2, 3+ characters, with a filter, exact USCC, filters only) it sends each query of the
class sequentially, several rounds, and prints p50/p95/max in milliseconds.

usage: latency.py BASE_URL DB_KIND DB_LOCATION [rounds]
  DB_KIND sqlite: DB_LOCATION is the database file; postgres: a connection URL (psql).
The exact-USCC queries are sampled from the database itself. Every request carries a fresh
`nocache` parameter so that the public page cache never answers it."""
import http.client, json, random, statistics, subprocess, sys, time, urllib.parse

base, kind, location = sys.argv[1], sys.argv[2], sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
u = urllib.parse.urlparse(base)

def sample_codes(n=20):
    sql = f"SELECT uscc FROM organizations WHERE uscc IS NOT NULL ORDER BY id DESC LIMIT 5000"
    if kind == "sqlite":
        out = subprocess.run(["sqlite3", location, sql], capture_output=True, text=True, check=True).stdout
    else:
        out = subprocess.run(["psql", location, "-tAc", sql], capture_output=True, text=True, check=True).stdout
    codes = [l.strip() for l in out.splitlines() if l.strip()]
    random.seed(7)
    return random.sample(codes, min(n, len(codes)))

CLASSES = {
    "1 character": [{"q": q} for q in ["社", "会", "老", "慈", "港", "书", "甬", "童"]],
    "2 characters": [{"q": q} for q in ["宁波", "社工", "养老", "海曙", "慈善", "助残", "环保", "阳光", "青少", "调解"]],
    "3+ characters": [{"q": q} for q in ["养老服务", "社会工作服务中心", "海曙区阳光", "宁波市慈善", "志愿服务协会", "青少年发展", "居家养老服务社", "法律援助"]],
    "2 characters + filter": [
        {"q": "养老", "district": "330225"}, {"q": "社工", "org_type": "foundation"}, {"q": "宁波", "status": "revoked"},
        {"q": "阳光", "category": "science_technology"}, {"q": "慈善", "district": "330281", "org_type": "social_group"},
        {"q": "助学", "district": "330206", "status": "deregistered"},
    ],
    "3+ characters + filter": [
        {"q": "养老服务", "district": "330212"}, {"q": "社会工作", "org_type": "social_group"}, {"q": "宁波市海曙区", "status": "revoked"},
        {"q": "志愿服务", "category": "charity", "district": "330282"},
    ],
    "filters only": [{"district": "330226"}, {"org_type": "foundation", "status": "revoked"}, {"category": "other", "district": "330211"}],
}
CLASSES["exact USCC"] = [{"q": c} for c in sample_codes()]
# Grades (issue 5): the filter starts from the organizations holding the grade in force.
CLASSES["grade filter"] = [
    {"grade": "4a"}, {"grade": "3a", "q": "养老"}, {"grade": "5a", "district": "330203"},
    {"grade": "2a", "q": "社会工作服务中心"}, {"grade": "1a", "org_type": "foundation"},
]

conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
nonce = [int(time.time() * 1000) * 1000]  # distinct from any earlier run
def get(params):
    # A parameter the route ignores makes every address new, so the page cache never answers:
    # this measures the search and the rendering. (The load test measures the cache.)
    nonce[0] += 1
    path = "/directory?" + urllib.parse.urlencode({**params, "nocache": nonce[0]})
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        raise SystemExit(f"{path}: HTTP {r.status}")
    return ms, body

# warm up
for qs in CLASSES.values():
    for p in qs:
        get(p)
results = {}
for name, qs in CLASSES.items():
    times = []
    for _ in range(rounds):
        for p in qs:
            ms, _ = get(p)
            times.append(ms)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    results[name] = {"n": len(times), "p50": round(statistics.median(times), 2), "p95": round(p95, 2), "max": round(times[-1], 2)}
    print(f"{name:24} n={len(times):4}  p50={results[name]['p50']:7.2f} ms  p95={p95:7.2f} ms  max={times[-1]:7.2f} ms", flush=True)
worst = max(r["p95"] for r in results.values())
print(f"worst p95: {worst:.2f} ms ({'meets' if worst < 50 else 'MISSES'} the 50 ms target)")
print(json.dumps(results))
