#!/usr/bin/env python3
"""The page census (issue 26, item 1): every GET route of the authorization matrix
(`target/census-routes.json`, written by `tests/it/authz.rs`), requested as an identity allowed
to see it, signed in through the real login form, CONC at a time, R requests per route (R_EXPORT
for streamed exports, measured by time to first byte). HTML pages get a fresh query string per
request so no page cache answers; the API, OCDS and dataset files refuse unknown parameters, so
they are asked as they are (no validators are sent, so no 304s). Prints p50/p95/p99, bytes,
server CPU per request and the server's peak RSS per route, saves the table as JSON, and exits
1 when a route is over its budget or answered 5xx.

A route with keys in its path (`/purchase/contracts/<id>`) is first probed: with DB set (the
SQLite file or a PostgreSQL URL the server uses), the keys are taken from the data — as far as
possible ones the signed-in identity may see (its organizations' contracts, its panels) — and
every identity the matrix allows is tried with them until one answers 200; the route is then
measured as that identity at that path. A route that found no 200 is measured as it is and its
status shown (`probe` says how it was chosen).

    census.py BASE ROUTES PID OUT.json   (env: R, R_EXPORT, CONC, BUDGET_MS, BUDGET_TTFB_MS, BUDGET_RSS_MB, DB)
"""
import http.client
import json
import os
import re
import subprocess
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

DB = os.environ.get("DB", "")
# ONLY=REGEX measures only the routes whose path matches (a re-measurement after a fix).
ONLY = re.compile(os.environ["ONLY"]) if os.environ.get("ONLY") else None

# Keys from the data, per route pattern: (path format, SQL giving the format's values). `{email}`
# in the SQL is the identity probing (the keys it may see come first).
MINE_ORGS = "SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = {email}"
KEYS = {
    "/organizations/<id>": ("/organizations/{0}", "SELECT id FROM organizations ORDER BY id DESC LIMIT 3"),
    "/organizations/<id>/certificate": ("/organizations/{0}/certificate",
                                        "SELECT id FROM organizations WHERE uscc IS NOT NULL ORDER BY id LIMIT 6"),
    "/applications/<id>": ("/applications/{0}", f"SELECT id FROM applications WHERE org_id IN ({MINE_ORGS}) OR applicant_user_id IN (SELECT id FROM users WHERE email = {{email}}) ORDER BY id DESC LIMIT 6"),
    "/applications/<id>/<section>": ("/applications/{0}/basics", "SELECT id FROM applications ORDER BY id DESC LIMIT 8"),
    "/applications/<id>/check": ("/applications/{0}/check", "SELECT id FROM applications ORDER BY id DESC LIMIT 8"),
    "/applications/<id>/attachments/<att>": ("/applications/{0}/attachments/{1}",
                                             "SELECT application_id, id FROM attachments ORDER BY id DESC LIMIT 8"),
    "/registry/applications/<id>": ("/registry/applications/{0}", "SELECT id FROM applications WHERE status <> 'draft' ORDER BY id DESC LIMIT 8"),
    "/history/<entity>/<id>": ("/history/org/{0}", "SELECT id FROM organizations ORDER BY id LIMIT 2"),
    "/registry/orgs/<org>": ("/registry/orgs/{0}", "SELECT id FROM organizations ORDER BY id LIMIT 8"),
    "/orgs/<org>/members": ("/orgs/{0}/members", MINE_ORGS),
    "/orgs/<org>/registry": ("/orgs/{0}/registry", MINE_ORGS),
    "/orgs/<org>/evaluation": ("/orgs/{0}/evaluation", MINE_ORGS),
    "/orgs/<org>/contracts": ("/orgs/{0}/contracts", MINE_ORGS),
    "/orgs/<org>/procurement": ("/orgs/{0}/procurement", MINE_ORGS),
    "/orgs/<org>/relations": ("/orgs/{0}/relations", MINE_ORGS),
    "/orgs/<org>/contracts/<id>": ("/orgs/{0}/contracts/{1}",
                                   f"SELECT org_id, id FROM contracts WHERE org_id IN ({MINE_ORGS}) ORDER BY id DESC LIMIT 6"),
    "/orgs/<org>/low-price/<id>": ("/orgs/{0}/low-price/{1}",
                                   f"SELECT org_id, id FROM low_price_queries WHERE org_id IN ({MINE_ORGS}) ORDER BY id DESC LIMIT 6"),
    "/evaluation/rounds/<id>": ("/evaluation/rounds/{0}", "SELECT id FROM eval_rounds ORDER BY id DESC LIMIT 6"),
    "/evaluation/rounds/<id>/notice": ("/evaluation/rounds/{0}/notice", "SELECT id FROM eval_rounds ORDER BY id LIMIT 6"),
    "/evaluation/rounds/<id>/objections": ("/evaluation/rounds/{0}/objections", "SELECT id FROM eval_rounds ORDER BY id LIMIT 6"),
    "/evaluation/applications/<id>": ("/evaluation/applications/{0}", "SELECT id FROM eval_applications ORDER BY id DESC LIMIT 8"),
    "/scoring/<id>": ("/scoring/{0}", "SELECT a.eval_application_id FROM eval_assignments a JOIN users u ON u.id = a.expert_user_id WHERE u.email = {email} ORDER BY a.id DESC LIMIT 6"),
    "/evaluation/evidence/<id>": ("/evaluation/evidence/{0}", "SELECT id FROM eval_evidence ORDER BY id DESC LIMIT 6"),
    "/grades/<id>/certificate": ("/grades/{0}/certificate", "SELECT id FROM org_grades ORDER BY id DESC LIMIT 6"),
    "/intentions/<id>": ("/intentions/{0}", "SELECT id FROM intentions ORDER BY id DESC LIMIT 6"),
    "/projects/<number>": ("/projects/{0}", "SELECT number FROM projects WHERE status <> 'draft' ORDER BY id DESC LIMIT 6"),
    "/projects/<number>/documents?<org>": ("/projects/{0}/documents?org={1}",
        f"SELECT p.number, d.org_id FROM doc_obtained d JOIN projects p ON p.id = d.project_id WHERE d.org_id IN ({MINE_ORGS}) ORDER BY d.at DESC LIMIT 6"),
    "/projects/<number>/bid/<org>": ("/projects/{0}/bid/{1}",
        f"SELECT p.number, b.org_id FROM bids b JOIN projects p ON p.id = b.project_id WHERE b.org_id IN ({MINE_ORGS}) ORDER BY b.id DESC LIMIT 6"),
    "/projects/<number>/bid/<org>/receipt/<bid>": ("/projects/{0}/bid/{1}/receipt/{2}",
        f"SELECT p.number, b.org_id, b.id FROM bids b JOIN projects p ON p.id = b.project_id WHERE b.org_id IN ({MINE_ORGS}) ORDER BY b.id DESC LIMIT 6"),
    "/projects/<number>/award": ("/projects/{0}/award",
        "SELECT p.number FROM awards a JOIN projects p ON p.id = a.project_id WHERE a.confirmed_at IS NOT NULL ORDER BY a.id DESC LIMIT 6"),
    "/projects/<number>/challenges/<org>": ("/projects/{0}/challenges/{1}",
        f"SELECT p.number, b.org_id FROM bids b JOIN projects p ON p.id = b.project_id WHERE b.org_id IN ({MINE_ORGS}) AND p.status IN ('awarded', 'contracted') ORDER BY b.id DESC LIMIT 6"),
    "/projects/<number>/bids/<bid>": ("/projects/{0}/bids/{1}",
        "SELECT p.number, b.id FROM bids b JOIN projects p ON p.id = b.project_id WHERE p.status = 'opened' ORDER BY b.id DESC LIMIT 6"),
    "/contracts/<id>": ("/contracts/{0}", "SELECT id FROM contracts ORDER BY id DESC LIMIT 3"),
    "/complaints/<id>": ("/complaints/{0}", "SELECT id FROM complaints ORDER BY id DESC LIMIT 6"),
    "/complaints/<id>/decision": ("/complaints/{0}/decision", "SELECT id FROM complaints ORDER BY id DESC LIMIT 6"),
    "/complaints/<id>/report": ("/complaints/{0}/report", "SELECT id FROM complaints ORDER BY id DESC LIMIT 6"),
    "/purchase/projects/<id>": ("/purchase/projects/{0}", "SELECT id FROM projects ORDER BY id DESC LIMIT 6"),
    "/purchase/projects/<id>/award": ("/purchase/projects/{0}/award", "SELECT project_id FROM awards ORDER BY id DESC LIMIT 6"),
    "/purchase/projects/<id>/report": ("/purchase/projects/{0}/report", "SELECT project_id FROM awards ORDER BY id DESC LIMIT 6"),
    "/purchase/contracts/<id>": ("/purchase/contracts/{0}", "SELECT id FROM contracts ORDER BY id DESC LIMIT 6"),
    "/purchase/contracts/<id>/accept": ("/purchase/contracts/{0}/accept", "SELECT id FROM contracts ORDER BY id DESC LIMIT 6"),
    "/finance/contracts/<id>": ("/finance/contracts/{0}", "SELECT id FROM contracts ORDER BY id DESC LIMIT 6"),
    "/reviews/<rid>": ("/reviews/{0}", "SELECT id FROM perf_reviews ORDER BY id DESC LIMIT 6"),
    "/panel/<member>": ("/panel/{0}", "SELECT m.id FROM panel_members m JOIN users u ON u.id = m.user_id WHERE u.email = {email} ORDER BY m.id DESC LIMIT 6"),
    "/panel/<member>/low-prices": ("/panel/{0}/low-prices", "SELECT m.id FROM panel_members m JOIN users u ON u.id = m.user_id WHERE u.email = {email} ORDER BY m.id DESC LIMIT 6"),
    "/suppliers/<id>": ("/suppliers/{0}", "SELECT id FROM suppliers ORDER BY id DESC LIMIT 6"),
    "/suppliers/<id>/certificate": ("/suppliers/{0}/certificate", "SELECT id FROM suppliers ORDER BY id DESC LIMIT 6"),
    "/admin/users/<id>": ("/admin/users/{0}", "SELECT id FROM users ORDER BY id DESC LIMIT 3"),
}


def query(sql):
    """Rows of `sql` on DB (a SQLite file or a PostgreSQL URL); none without DB or on error."""
    if not DB:
        return []
    try:
        if DB.startswith("postgres"):
            out = subprocess.run(["psql", DB, "-AtF", "\t", "-c", sql], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
            return [tuple(line.split("\t")) for line in out.splitlines() if line]
        import sqlite3
        con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except Exception:  # a table or column this data set lacks: no keys from it
        return []


def candidates(row, email):
    """The paths to try for a route, the matrix's own first."""
    out = [row["path"]]
    if row["uri"] in KEYS:
        fmt, sql = KEYS[row["uri"]]
        quoted = "'" + (email or "").replace("'", "''") + "'"
        for values in query(sql.replace("{email}", quoted)):
            path = fmt.format(*values)
            if path not in out:
                out.append(path)
    if row["uri"] == "/ocds/records/<ocid>":
        c = conn()
        c.request("GET", "/ocds/releases.json")
        r = c.getresponse()
        try:
            ocid = json.loads(r.read())["releases"][0]["ocid"]
            out.append(f"/ocds/records/{ocid}.json")
        except (ValueError, KeyError, IndexError):
            pass
    return out


def status_of(path, cookie):
    c = conn()
    c.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = c.getresponse()
    r.read()
    return r.status


def session(login_):
    if not login_:
        return None
    key = login_[0]
    if key not in sessions:
        sessions[key] = login(*login_)
    return sessions[key]


def choose(row):
    """(path, login, how) to measure the route with: the first identity and path answering 200."""
    logins = row.get("logins") or [row["login"]]
    if "<" not in row["uri"].split("?")[0] and row["uri"] != "/ocds/records/<ocid>":
        return row["path"], row["login"], "as listed"
    first = None
    for login_ in logins:
        cookie = session(login_)
        for path in candidates(row, login_[0] if login_ else None)[:8]:
            st = status_of(path, cookie)
            first = first or (path, login_, f"no 200 found (first: {st})")
            if st == 200:
                return path, login_, "probed"
    return first


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
    if row["path"] in SKIP or (ONLY and not ONLY.search(row["path"])):
        continue
    path, login_, how = choose(row)
    cookie = session(login_)
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
    rec = {"path": path, "uri": row["uri"], "as": login_[0] if login_ else "anonymous", "probe": how,
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
