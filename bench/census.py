#!/usr/bin/env python3
"""The page census (issue 26, item 1): every GET route of the authorization matrix
(`target/census-routes.json`, written by `tests/it/authz.rs`), requested as an identity allowed
to see it, signed in through the real login form, CONC at a time, R requests per route (R_EXPORT
for streamed exports, measured by time to first byte). HTML pages get a fresh query string per
request so no page cache answers; the API, OCDS and dataset files refuse unknown parameters, so
they are asked as they are (no validators are sent, so no 304s). Prints p50/p95/p99, bytes,
server CPU per request and the server's peak RSS per route, saves the table as JSON, and exits
1 when a route is over its budget or answered 5xx.

    census.py BASE ROUTES PID OUT.json   (env: R, R_EXPORT, CONC, BUDGET_MS, BUDGET_TTFB_MS, BUDGET_RSS_MB)
"""
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

BASE, ROUTES, PID, OUT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
R = int(os.environ.get("R", "200"))
R_EXPORT = int(os.environ.get("R_EXPORT", "10"))
CONC = int(os.environ.get("CONC", "8"))
BUDGET_MS = float(os.environ.get("BUDGET_MS", "50"))
BUDGET_TTFB_MS = float(os.environ.get("BUDGET_TTFB_MS", "200"))
BUDGET_RSS_MB = float(os.environ.get("BUDGET_RSS_MB", "200"))
# Routes that only redirect or answer a one-time link: counted, not held to a page budget.
SKIP = {"/lang"}
host = urllib.parse.urlparse(BASE)
TICK = os.sysconf("SC_CLK_TCK")


def conn():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=120)


def cpu_ms():
    with open(f"/proc/{PID}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) * 1000 / TICK


def status_kb(key):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def login(email, password):
    """A session cookie from the real login form."""
    c = conn()
    c.request("GET", "/login")
    r = c.getresponse()
    body = r.read().decode()
    cookies = [h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie"]
    token = re.search(r'name="_csrf" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"_csrf": token, "email": email, "password": password})
    c.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(cookies)})
    r = c.getresponse()
    r.read()
    jar = dict(x.split("=", 1) for x in cookies)
    for k, h in r.getheaders():
        if k.lower() == "set-cookie":
            name, value = h.split(";")[0].split("=", 1)
            jar[name] = value
    if r.status != 303:
        raise SystemExit(f"login as {email}: {r.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def is_export(path):
    return bool(re.search(r"\.(csv|xlsx)$|^/ocds/bulk", path))


def is_data(path):
    return path.startswith(("/api/", "/ocds/", "/data/", "/feeds/", "/static/")) or path.endswith(
        (".csv", ".xlsx", ".json", ".atom"))


local = threading.local()


def one(path, cookie, n, export):
    c = getattr(local, "c", None)
    if c is None:
        c = local.c = conn()
    url = path if is_data(path) else f"{path}{'&' if '?' in path else '?'}census={n}"
    headers = {"Cookie": cookie} if cookie else {}
    t0 = time.perf_counter()
    try:
        c.request("GET", url, headers=headers)
        r = c.getresponse()
        first = r.read(1)
        ttfb = time.perf_counter() - t0
        rest = r.read()
    except (http.client.HTTPException, OSError):
        local.c = None
        return (599, 0.0, 0.0, 0)
    total = time.perf_counter() - t0
    if r.getheader("Connection", "").lower() == "close":
        local.c = None
    return (r.status, total * 1000, ttfb * 1000, len(first) + len(rest))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else 0.0


routes = json.load(open(ROUTES))
sessions = {}
results, failures = [], []
print(f"{'route':58} {'as':26} {'st':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'bytes':>9} {'cpu/req':>8} {'rss MB':>7}")
for row in routes:
    path, login_ = row["path"], row["login"]
    if path in SKIP:
        continue
    cookie = None
    if login_:
        key = login_[0]
        if key not in sessions:
            sessions[key] = login(*login_)
        cookie = sessions[key]
    export = is_export(path)
    n = R_EXPORT if export else R
    peak = [status_kb("VmRSS")]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], status_kb("VmRSS"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    c0 = cpu_ms()
    with ThreadPoolExecutor(max_workers=1 if export else CONC) as pool:
        got = list(pool.map(lambda i: one(path, cookie, i, export), range(n)))
    cpu = (cpu_ms() - c0) / n
    done.set()
    sampler.join()
    statuses = sorted({g[0] for g in got})
    times = [g[2] if export else g[1] for g in got]
    rec = {"path": path, "uri": row["uri"], "as": login_[0] if login_ else "anonymous",
           "statuses": statuses, "requests": n, "measure": "ttfb" if export else "total",
           "p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1),
           "p99_ms": round(pct(times, 99), 1), "bytes": max(g[3] for g in got),
           "cpu_ms_per_request": round(cpu, 2), "peak_rss_mb": round(peak[0] / 1024, 1)}
    budget = BUDGET_TTFB_MS if export else BUDGET_MS
    over = []
    if any(s >= 500 for s in statuses):
        over.append("5xx")
    if rec["p95_ms"] > budget:
        over.append(f"p95 {rec['p95_ms']} ms > {budget}")
    if rec["peak_rss_mb"] > BUDGET_RSS_MB:
        over.append(f"RSS {rec['peak_rss_mb']} MB > {BUDGET_RSS_MB}")
    rec["over_budget"] = over
    results.append(rec)
    if over:
        failures.append(f"{path}: {', '.join(over)}")
    flag = " !" if over else ""
    print(f"{path[:58]:58} {rec['as'][:26]:26} {','.join(map(str, statuses)):>4} {rec['p50_ms']:7.1f} "
          f"{rec['p95_ms']:7.1f} {rec['p99_ms']:7.1f} {rec['bytes']:9d} {rec['cpu_ms_per_request']:8.2f} "
          f"{rec['peak_rss_mb']:7.1f}{flag}", flush=True)

summary = {"routes": len(results), "requests_per_route": R, "concurrency": CONC,
           "load_average": os.getloadavg(), "peak_rss_mb": round(status_kb("VmHWM") / 1024, 1),
           "budgets": {"p95_ms": BUDGET_MS, "ttfb_ms": BUDGET_TTFB_MS, "rss_mb": BUDGET_RSS_MB},
           "over_budget": failures, "results": results}
json.dump(summary, open(OUT, "w"), ensure_ascii=False, indent=1)
print(f"\n{len(results)} routes; server peak RSS {summary['peak_rss_mb']} MB; load {os.getloadavg()[0]:.2f}; saved {OUT}")
if failures:
    print("over budget:\n  " + "\n  ".join(failures))
    sys.exit(1)
