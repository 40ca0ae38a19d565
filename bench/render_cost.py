#!/usr/bin/env python3
"""Where an uncached public page's time goes (issue 26 item 3). Asks a server started with
`server_timing = true` (HUOBAN_SERVER_TIMING=true) for pages with a fresh query string each, so
every one is read and rendered, one at a time, and reads its `Server-Timing` header: `data` (the
queries and the context), `render` (the Tera template, escaping included) and `escape` (escaping
every text of the context once: the escaping's share). Prints p50/p95 of each and of the whole
request as the client saw it, per page.

    render_cost.py BASE [N]      (N requests per page, default 300)
"""
import http.client
import re
import sys
import time
import urllib.parse

BASE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
PAGES = [
    "/directory?q=%E5%AE%81%E6%B3%A2",
    "/directory",
    "/directory?grade=4a",
    "/awards",
    "/contracts",
    "/projects",
    "/grades",
]
host = urllib.parse.urlparse(BASE)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else 0.0


c = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
print(f"{'page':36} {'n':>4} {'total p50':>9} {'p95':>7} {'data p50':>9} {'p95':>7} {'render p50':>10} {'p95':>7} {'escape p50':>10} {'bytes':>8}")
for page in PAGES:
    parts = {"data": [], "render": [], "escape": []}
    total, size = [], 0
    for i in range(N):
        sep = "&" if "?" in page else "?"
        t0 = time.perf_counter()
        c.request("GET", f"{page}{sep}cost={i}")
        r = c.getresponse()
        body = r.read()
        total.append((time.perf_counter() - t0) * 1000)
        size = len(body)
        for name, dur in re.findall(r"(\w+);dur=([\d.]+)", r.getheader("Server-Timing", "")):
            if name in parts:
                parts[name].append(float(dur))
    if not parts["data"]:
        print(f"{page:36} no Server-Timing: start the server with server_timing = true")
        continue
    print(f"{page[:36]:36} {N:4d} {pct(total, 50):9.2f} {pct(total, 95):7.2f} "
          f"{pct(parts['data'], 50):9.2f} {pct(parts['data'], 95):7.2f} "
          f"{pct(parts['render'], 50):10.2f} {pct(parts['render'], 95):7.2f} "
          f"{pct(parts['escape'], 50):10.3f} {size:8d}")
