#!/usr/bin/env python3
"""Adds N finished processes to a Huoban SQLite database for the portal benchmark (issue 9).

Each process is what the application records for an open tender that ran to a contract: the
project, three sealed bids and their opening record, the award with its winner and notice, the
signed contract with its plan (30 % on signing, 70 % on acceptance), the events the OCDS
releases are built from (published, opened, awarded,
contract_signed) and, for every other contract, a first payment. Rows are cloned from the demo's
opened project (NBMZ-2026-018) where the schema has columns this script does not set, so it
keeps working when migrations add columns. Bidders are drawn from the organizations present
(run `huoban demo --orgs 1000000` first). Deterministic (seeded).

    bench/gen_projects.py DATABASE.sqlite3 [N]
"""
import json
import random
import sqlite3
import sys
import time

DB = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
random.seed(20261130)
con = sqlite3.connect(DB)
con.row_factory = sqlite3.Row
cur = con.cursor()


def one(sql, *args):
    return cur.execute(sql, args).fetchone()


def columns(table):
    return [r["name"] for r in cur.execute(f"PRAGMA table_info({table})")]


def inserter(table, template, fixed):
    """An INSERT for `table` taking the columns in `fixed` as parameters and the rest from
    `template` (a row of the same table) or NULL."""
    cols = [c for c in columns(table) if c != "id" or "id" in fixed]
    rest = [c for c in cols if c not in fixed]
    order = list(fixed) + rest
    sql = f"INSERT INTO {table} ({', '.join(order)}) VALUES ({', '.join('?' for _ in order)})"
    tail = tuple(template[c] if template is not None and c in template.keys() else None for c in rest)
    return sql, tail


tp = one("SELECT * FROM projects WHERE number = 'NBMZ-2026-018'")
if tp is None:
    sys.exit("the demo project NBMZ-2026-018 is missing: run `huoban demo` first")
tb = one("SELECT * FROM bids WHERE project_id = ? LIMIT 1", tp["id"])
to = one("SELECT * FROM openings WHERE project_id = ? LIMIT 1", tp["id"])
published = json.loads(one("SELECT data FROM project_events WHERE project_id = ? AND kind = 'published'", tp["id"])["data"])
cats = [r[0] for r in cur.execute("SELECT code FROM service_categories ORDER BY pos")]
depts = [r[0] for r in cur.execute("SELECT id FROM departments ORDER BY id")]
orgs = one("SELECT MAX(id) AS m FROM organizations")["m"]
user = one("SELECT id FROM users ORDER BY id LIMIT 1")["id"]
names = {}


def ids(table):
    return (one(f"SELECT COALESCE(MAX(id), 0) AS m FROM {table}")["m"] or 0) + 1


pid, bid, oid, aid, wid, kid, eid, lid = (ids(t) for t in (
    "projects", "bids", "openings", "awards", "award_winners", "contracts", "project_events", "ledger_entries"))

P_SQL, P_T = inserter("projects", tp, ["id", "number", "title", "category_code", "department_id", "budget_fen",
                                       "method", "status", "notice_at", "deadline_at", "created_at", "updated_at"])
# A bid's reference (migration 0043) is unique: one per bid, when the column exists.
B_REF = "reference" in columns("bids")
B_SQL, B_T = inserter("bids", tb, ["id", "project_id", "org_id", "status", "submitted_at", "digest"]
                      + (["reference"] if B_REF else []))
O_SQL, O_T = inserter("openings", to, ["id", "project_id", "opened_at", "outcome", "bid_count"])
OB_SQL = "INSERT INTO opening_bids (opening_id, bid_id, org_id, price_fen, digest, submitted_at) VALUES (?, ?, ?, ?, ?, ?)"
A_SQL = ("INSERT INTO awards (id, project_id, round, ranking, report_at, confirm_due_at, confirmed_at, confirmed_by, "
         "notice_at, notice_end_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)")
W_SQL = ("INSERT INTO award_winners (id, award_id, bid_id, org_id, rank, amount_fen, status, created_at) "
         "VALUES (?, ?, ?, ?, 1, ?, 'winner', ?)")
K_SQL = ("INSERT INTO contracts (id, project_id, award_id, winner_id, org_id, kind, amount_fen, starts_on, ends_on, "
         "signed_at, signed_by, published_at, filing_due_at) VALUES (?, ?, ?, ?, ?, 'contract', ?, ?, ?, ?, ?, ?, ?)")
# The plan: 30 % on signing (paid on every other contract), 70 % on acceptance; with the
# running sum beside each installment once migration 0050 has added it.
I_PAID = "paid_fen" in columns("installments")
I_SQL = ("INSERT INTO installments (contract_id, pos, amount_fen, condition, review_name"
         + (", paid_fen" if I_PAID else "") + ") VALUES (?, ?, ?, ?, NULL" + (", ?" if I_PAID else "") + ")")
E_SQL = "INSERT INTO project_events (id, project_id, round, at, kind, data, actor_user_id) VALUES (?, ?, 1, ?, ?, ?, ?)"
L_SQL = ("INSERT INTO ledger_entries (id, contract_id, installment_pos, amount_fen, value_date, voucher_no, payee_account, "
         "invoice_no, approved_by, recorded_by, recorded_at, idempotency_key) VALUES (?, ?, 1, ?, ?, ?, '-', ?, ?, ?, ?, ?)")

DAY = 86_400_000
START = 1_704_038_400_000  # 2024-01-01 00:00 Beijing
t0 = time.time()
cur.execute("BEGIN")
rows = {k: [] for k in ("p", "b", "o", "ob", "a", "w", "k", "e", "l", "i")}


def flush():
    for key, sql, tail in (("p", P_SQL, P_T), ("b", B_SQL, B_T), ("o", O_SQL, O_T), ("ob", OB_SQL, ()),
                           ("a", A_SQL, ()), ("w", W_SQL, ()), ("k", K_SQL, ()), ("e", E_SQL, ()), ("l", L_SQL, ()),
                           ("i", I_SQL, ())):
        cur.executemany(sql, [r + tail for r in rows[key]])
        rows[key].clear()


def org_name(o):
    if o not in names:
        r = one("SELECT name, uscc FROM organizations WHERE id = ?", o)
        names[o] = (r["name"], r["uscc"])
    return names[o]


for i in range(1, N + 1):
    number = f"BM-2026-{i:06d}"
    notice = START + (i * 1000 * DAY) // N + random.randrange(DAY)
    deadline = notice + 20 * DAY
    budget = random.randrange(100_000, 1_000_000) * 100
    cat = cats[i % len(cats)]
    title = f"宁波市社区服务项目 第{i}号（{cat}）"
    rows["p"].append((pid, number, title, cat, depts[i % len(depts)], budget, "open_tender", "contracted",
                      notice, deadline, notice, deadline + 10 * DAY))
    data = dict(published, title=title, budget_fen=budget, notice_at=notice, deadline_at=deadline,
                method="open_tender", number=number)
    rows["e"].append((eid, pid, notice, "published", json.dumps(data, ensure_ascii=False), user)); eid += 1
    opened = deadline + 60_000
    rows["o"].append((oid, pid, opened, "opened", 3))
    bidders = random.sample(range(1, orgs + 1), 3)
    listed = []
    first = None
    for j, o in enumerate(bidders):
        price = budget - random.randrange(1, 50_000) * 100
        digest = f"{i:032x}{j:032x}"
        submitted = deadline - (j + 1) * 3_600_000
        rows["b"].append((bid, pid, o, "opened", submitted, digest) + ((f"BM{bid:010X}",) if B_REF else ()))
        rows["ob"].append((oid, bid, o, price, digest, submitted))
        name, uscc = org_name(o)
        listed.append({"bid_id": bid, "digest": digest, "org_id": o, "org_name": name, "price_fen": price,
                       "submitted_at": submitted, "uscc": uscc})
        if first is None:
            first = (bid, o, price)
        bid += 1
    rows["e"].append((eid, pid, opened, "opened", json.dumps({"bid_count": 3, "bids": listed}, ensure_ascii=False),
                      None)); eid += 1
    report = opened + 5 * DAY
    notice_at = report + DAY
    rows["a"].append((aid, pid, "[]", report, report + 7 * DAY, notice_at, user, notice_at, notice_at + 3 * DAY))
    rows["w"].append((wid, aid, first[0], first[1], first[2], report))
    rows["e"].append((eid, pid, notice_at, "awarded",
                      json.dumps({"award": aid, "winners": [{"org_id": first[1], "amount_fen": first[2]}]}), user))
    eid += 1
    signed = notice_at + 5 * DAY
    y = time.strftime("%Y", time.gmtime((signed + 8 * 3_600_000) / 1000))
    rows["k"].append((kid, pid, aid, wid, first[1], first[2], f"{y}-01-01", f"{y}-12-31", signed, user, signed,
                      signed + 7 * DAY))
    rows["e"].append((eid, pid, signed, "contract_signed",
                      json.dumps({"contract": kid, "amount_fen": first[2], "starts_on": f"{y}-01-01",
                                  "ends_on": f"{y}-12-31"}), user))
    eid += 1
    on_signing = first[2] * 3 // 10
    paid = on_signing if i % 2 == 0 else 0
    for pos, amount, cond, done in ((1, on_signing, "signing", paid), (2, first[2] - on_signing, "acceptance", 0)):
        rows["i"].append((kid, pos, amount, cond) + ((done,) if I_PAID else ()))
    if i % 2 == 0:
        rows["l"].append((lid, kid, paid, f"{y}-02-01", f"记-{i}", f"INV-{i}", user, user, signed + 30 * DAY,
                          f"bench-{i}"))
        lid += 1
    pid, oid, aid, wid, kid = pid + 1, oid + 1, aid + 1, wid + 1, kid + 1
    if i % 5000 == 0:
        flush()
        print(f"{i} processes", file=sys.stderr)
flush()
# The ledger's running sums by department and category (migration 0055), when the table exists;
# otherwise the migration works them out from the entries when it runs.
if columns("spending_totals"):
    cur.execute("DELETE FROM spending_totals")
    cur.execute("INSERT INTO spending_totals (department_id, category_code, paid_fen) "
                "SELECT p.department_id, p.category_code, SUM(e.amount_fen) FROM ledger_entries e "
                "JOIN contracts k ON k.id = e.contract_id JOIN projects p ON p.id = k.project_id "
                "GROUP BY p.department_id, p.category_code")
cur.execute("COMMIT")
cur.execute("ANALYZE")
print(f"{N} processes in {time.time() - t0:.1f} s")
