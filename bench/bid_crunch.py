#!/usr/bin/env python3
"""Deadline crunch (issue 6): 2,000 sealed bids from 500 organizations in the last 60 seconds
before a consultation's deadline, against the release build on SQLite and/or PostgreSQL.

Reports, per backend: accepted and refused submissions, p50/p95/p99 latency of the accepted
ones (target p99 < 250 ms), bids lost (a receipt was returned but the bid is not stored, or it
does not decrypt to its receipt's digest: target 0), bids stored after the deadline (target 0),
late submissions accepted (target 0), whether the opening record holds each organization's last
receipted digest, and whether the server log holds any price or proposal text (target: none).

With --kill, the server is killed with SIGKILL half-way through the wave and restarted at once;
every bid whose receipt was returned before the kill must still be there and decrypt to the
digest on its receipt.

    bench/bid_crunch.py [sqlite|postgres|both] [--kill] [--orgs 500] [--bids 2000]
"""
import argparse
import concurrent.futures as cf
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "huoban")
PORT = 18090
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "bench-password-2026"
PG_ADMIN = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PROPOSAL_MARK = "压测技术方案标记"


def sh(args, cwd, **kw):
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True, **kw).stdout


def keys(cwd):
    return "".join(sh([BIN, "gen-key", k], cwd) for k in ["cookie_secret", "audit_hmac", "bid_sealing", "identity"])


def start(cwd, log):
    p = subprocess.Popen([BIN, "serve"], cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            if requests.get(BASE + "/api/v1/health", timeout=1).ok:
                return p
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def login(email, org, number):
    s = requests.Session()
    # Each bidder is its own client (the login throttle counts attempts per address).
    i = int(email[len("bidder"):email.index("@")])
    s.headers["X-Real-IP"] = f"10.{i // 250}.{i % 250}.2"
    page = s.get(BASE + "/login").text
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    r = s.post(BASE + "/login", data={"_csrf": token, "email": email, "password": PASSWORD}, allow_redirects=False)
    assert r.status_code == 303, (email, r.status_code)
    page = s.get(f"{BASE}/projects/{number}/bid/{org}").text
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    return {"session": s, "token": token, "org": org, "email": email}


def submit(b, number, price):
    files = {
        "_csrf": (None, b["token"]),
        "price": (None, price),
        "proposal": (None, f"{PROPOSAL_MARK}：{price}。" + "社区服务方案内容。" * 40),
    }
    t0 = time.perf_counter()
    try:
        r = b["session"].post(f"{BASE}/projects/{number}/bid/{b['org']}", files=files, timeout=30)
        ms = (time.perf_counter() - t0) * 1000
        m = re.search(r'id="receipt-digest">([0-9a-f]{64})<', r.text)
        return r.status_code, ms, (m.group(1) if m else None)
    except requests.RequestException:
        return None, (time.perf_counter() - t0) * 1000, None


def run(kind, args):
    work = tempfile.mkdtemp(prefix=f"huoban-crunch-{kind}-")
    if kind == "sqlite":
        url = f"sqlite://{work}/bench.sqlite3?mode=rwc"
    else:
        db = f"huoban_crunch_{os.getpid()}"
        subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {db} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"], check=True)
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + db
    with open(os.path.join(work, "Huoban.toml"), "w") as f:
        f.write(f'database_url = "{url}"\nport = {PORT}\nlog_level = "normal"\njobs = true\nmax_connections = 16\nip_header = "X-Real-IP"\n'
                f'uploads_dir = "{work}/uploads"\n'
                "[password_hash]\nm_cost_kib = 1024\nt_cost = 1\np_cost = 1\n[keys]\n" + keys(work))
    sh([BIN, "demo"], work)
    sh([BIN, "demo", "--orgs", str(args.orgs * 2)], work)
    # The deadline leaves time to sign every bidder in before the last minute begins.
    lead = 60 + max(30, args.orgs // 8)
    out = sh([BIN, "bench-bidders", "--orgs", str(args.orgs), "--deadline-secs", str(lead), "--password", PASSWORD], work)
    lines = out.strip().splitlines()
    number = lines[0].split()[1]
    deadline = int(lines[1].split()[1]) / 1000.0
    bidders = [l.split() for l in lines[2:]]
    log = open(os.path.join(work, "serve.log"), "w")
    server = start(work, log)
    print(f"== {kind}: {len(bidders)} bidders, project {number}; signing in", flush=True)
    with cf.ThreadPoolExecutor(8) as pool:
        sessions = list(pool.map(lambda b: login(b[0], int(b[1]), number), bidders))
    wait = deadline - 60 - time.time()
    if wait < 0:
        raise SystemExit(f"signing in took too long ({-wait:.0f} s past the start of the last minute)")
    time.sleep(wait)
    # 2,000 bids in the last 60 seconds (each organization bids, then replaces), and a few
    # late ones in the 3 seconds after the deadline.
    rnd = random.Random(6)
    plan = []
    for i in range(args.bids):
        b = sessions[i % len(sessions)]
        at = deadline - 60 + rnd.uniform(0, 59.5)
        plan.append((at, b, f"{rnd.randint(100000, 999999)}.{rnd.randint(10, 99)}", False))
    for i in range(40):
        plan.append((deadline + rnd.uniform(0.2, 3.0), sessions[i], f"{rnd.randint(100000, 999999)}.{rnd.randint(10, 99)}", True))
    plan.sort(key=lambda x: x[0])
    results = []
    lock = threading.Lock()
    killed = {"at": None}

    def one(item):
        at, b, price, late = item
        status, ms, digest = submit(b, number, price)
        with lock:
            results.append({"at": at, "org": b["org"], "price": price, "late": late, "status": status,
                            "ms": ms, "digest": digest, "done": time.time()})

    kill_at = deadline - 30 if args.kill else None
    with cf.ThreadPoolExecutor(64) as pool:
        for item in plan:
            now = time.time()
            if kill_at and now >= kill_at and killed["at"] is None:
                server.send_signal(signal.SIGKILL)
                server.wait()
                killed["at"] = time.time()
                print(f"   SIGKILL at deadline-{deadline - killed['at']:.1f} s; restarting", flush=True)
                server = start(work, log)
                print(f"   back after {time.time() - killed['at']:.1f} s", flush=True)
            if item[0] > now:
                time.sleep(item[0] - now)
            pool.submit(one, item)
    # The opening job runs every 5 seconds.
    for _ in range(60):
        page = requests.get(f"{BASE}/projects/{number}").text
        if "开标记录：投标人" in page:
            break
        time.sleep(1)
    server.send_signal(signal.SIGTERM)
    server.wait()
    log.close()
    verify = subprocess.run([BIN, "bench-verify-bids", number], cwd=work, capture_output=True, text=True)
    stored = {}
    for line in verify.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] in ("ok", "BAD"):
            stored[parts[1]] = (int(parts[2]), parts[3])
    on_time = [r for r in results if not r["late"]]
    late = [r for r in results if r["late"]]
    accepted = [r for r in on_time if r["status"] == 200 and r["digest"]]
    refused = [r for r in on_time if r["status"] != 200]
    lost = [r for r in accepted + [r for r in late if r["digest"]] if r["digest"] not in stored or stored[r["digest"]][1] != "ok"]
    after = [d for d, (t, _) in stored.items() if t >= deadline * 1000]
    late_accepted = [r for r in late if r["status"] == 200]
    lat = sorted(r["ms"] for r in accepted)
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")
    last = {}
    for r in sorted(accepted, key=lambda r: r["done"]):
        last[r["org"]] = r["digest"]
    missing_in_opening = [o for o, d in last.items() if d not in page]
    logtext = open(os.path.join(work, "serve.log")).read()
    leaked = [r["price"] for r in results if r["price"] in logtext] + ([PROPOSAL_MARK] if PROPOSAL_MARK in logtext else [])
    print(f"   submissions in the last minute: {len(on_time)}; accepted {len(accepted)}; refused {len(refused)}"
          f" ({sorted(set(str(r['status']) for r in refused))})")
    if killed["at"]:
        before_kill = [r for r in accepted if r["done"] < killed["at"]]
        print(f"   receipts returned before the kill: {len(before_kill)}; of them lost: "
              f"{sum(1 for r in before_kill if r['digest'] not in stored or stored[r['digest']][1] != 'ok')}")
    print(f"   latency of accepted bids: p50 {q(0.50):.1f} ms, p95 {q(0.95):.1f} ms, p99 {q(0.99):.1f} ms, max {lat[-1] if lat else 0:.1f} ms")
    print(f"   stored bids {len(stored)}, all decrypt to their digest: {verify.returncode == 0}")
    print(f"   lost {len(lost)}; stored after the deadline {len(after)}; late submissions {len(late)}, accepted {len(late_accepted)}")
    print(f"   organizations whose last receipt is in the opening record: {len(last) - len(missing_in_opening)}/{len(last)}")
    print(f"   prices or proposal text in the server log: {len(leaked)}")
    if kind == "postgres":
        subprocess.run(["psql", PG_ADMIN, "-qc", f"DROP DATABASE {db}"], check=False)
    bad = lost or after or late_accepted or missing_in_opening or leaked or verify.returncode != 0
    return not bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="?", default="both")
    ap.add_argument("--kill", action="store_true")
    ap.add_argument("--orgs", type=int, default=500)
    ap.add_argument("--bids", type=int, default=2000)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    ok = True
    for kind in (["sqlite", "postgres"] if args.which == "both" else [args.which]):
        ok = run(kind, args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
