#!/usr/bin/env python3
"""Copies a Huoban SQLite database into a new PostgreSQL database, for the census and the
benchmarks on PostgreSQL with the same data set (bench/gen_projects.py writes SQLite only).
The schema comes from the application's own migrations (`huoban migrate` with the target
URL); every table's rows are then copied with COPY, foreign keys unchecked during the copy
(the source is a consistent database), and the identity sequences moved past the ids copied.

    to_postgres.py SOURCE.sqlite3 WORKDIR ADMIN_URL DBNAME BIN

WORKDIR/Huoban.toml is written with the source's keys (from SOURCE's Huoban.toml beside it)
and the PostgreSQL URL, so `BIN serve` in WORKDIR serves the copy.
"""
import csv
import io
import os
import sqlite3
import subprocess
import sys
import threading

SRC, WORK, ADMIN, NAME, BIN = sys.argv[1:6]
URL = ADMIN.rsplit("/", 1)[0] + "/" + NAME


def psql(url, sql, replica=False):
    """`sql` on `url`; with `replica`, as a copy applies rows: no triggers, no foreign key checks
    (the audit trail's append-only guard would refuse the TRUNCATE of what the migrations seeded)."""
    pre = ["-c", "SET session_replication_role = replica"] if replica else []
    r = subprocess.run(["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", *pre, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{sql[:80]}...: {r.stderr.strip()}")
    return r.stdout


psql(ADMIN, f"DROP DATABASE IF EXISTS {NAME}")
psql(ADMIN, f"CREATE DATABASE {NAME} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0")
os.makedirs(WORK, exist_ok=True)
src_toml = open(os.path.join(os.path.dirname(os.path.abspath(SRC)), "Huoban.toml")).read()
lines = [line for line in src_toml.splitlines() if not line.startswith("database_url")]
open(os.path.join(WORK, "Huoban.toml"), "w").write(f'database_url = "{URL}"\n' + "\n".join(lines) + "\n")
subprocess.run([BIN, "migrate"], cwd=WORK, check=True, capture_output=True)


con = sqlite3.connect(f"file:{SRC}?mode=ro", uri=True)
tables = [r[0] for r in con.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")]
pg_tables = set(psql(URL, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split())
common = [t for t in tables if t in pg_tables]
# Whatever the migrations seeded goes first, all at once (a table's TRUNCATE ... CASCADE on its
# own could empty one already copied).
psql(URL, f"TRUNCATE {', '.join(common)}", replica=True)
total = 0
for t in tables:
    if t not in pg_tables:
        print(f"skip {t}: not in the PostgreSQL schema")
        continue
    pg_cols = psql(URL, f"SELECT column_name FROM information_schema.columns WHERE table_name = '{t}' ORDER BY ordinal_position").split()
    src_cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
    cols = [c for c in src_cols if c in pg_cols]
    # One psql per table, foreign keys unchecked; `-c` with COPY FROM STDIN reads the rows
    # from psql's stdin.
    p = subprocess.Popen(["psql", URL, "-qAt", "-v", "ON_ERROR_STOP=1", "-c",
                          "SET session_replication_role = replica", "-c",
                          f"COPY {t} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"],
                         stdin=subprocess.PIPE, text=True)
    w = csv.writer(p.stdin, lineterminator="\n")
    n = 0
    for row in con.execute(f"SELECT {', '.join(cols)} FROM {t}"):
        w.writerow(["\\N" if v is None else v for v in row])
        n += 1
    p.stdin.close()
    if p.wait() != 0:
        sys.exit(f"copy of {t} failed")
    total += n
    if "id" in pg_cols:
        seq = psql(URL, f"SELECT pg_get_serial_sequence('{t}', 'id')").strip()
        if seq:
            psql(URL, f"SELECT setval('{seq}', (SELECT COALESCE(MAX(id), 1) FROM {t}))")
    if n > 10000:
        print(f"{t}: {n} rows", flush=True)
# Vacuumed as well as analyzed, as autovacuum would after a bulk load: without the visibility
# map no index-only scan looks cheap, and the planner walked every department's payable
# installments in contract order to find one department's five (issue 26: /purchase/delivery at
# p95 90 ms, 10 ms a query, on a cluster with autovacuum off, as CI's is).
psql(URL, "VACUUM ANALYZE")
print(f"copied {total} rows into {URL}")
