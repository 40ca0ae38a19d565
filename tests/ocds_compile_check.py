#!/usr/bin/env python3
"""Compiles the system's OCDS releases with ocdskit (the Open Contracting Partnership's own
merge, ocdsmerge) and compares each compiled release with the one the system publishes.

usage: ocds_compile_check.py [--schema RELEASE_SCHEMA | --schema-zip STANDARD_ZIP]
                             [--ocdskit CMD] FILE.json...

Each FILE is a record package or a release package, as the tests write them under target/.
- Every record of a record package: its embedded releases, compiled by `ocdskit compile`, must
  equal its `compiledRelease`.
- Every process of a release package (a bulk file) whose releases are exactly those of a record
  given: compiled by ocdskit, it must equal that record's `compiledRelease` too (the bulk file
  and the record tell the same story). Processes without such a record are compiled (ocdskit
  must accept them) and counted.

Expected differences, the only ones ignored:
- the compiled release's top-level `id`: the system names it `<ocid>-compiled`; ocdsmerge
  makes one up from the ocid and the newest release's date. OCDS 1.1 leaves a compiled
  release's id to the publisher (it is not a release of any event), so neither is wrong.

`--schema` names the release schema ocdskit's merge reads its rules from, or `--schema-zip` the
standard's schema zip to take release-schema.json from (local, so the check runs offline;
without either ocdskit fetches the schema). Exit 1 on any other difference, printing where the
two disagree.
"""
import argparse
import atexit
import os
import json
import shlex
import re
import subprocess
import sys
import tempfile
import zipfile

IGNORED_TOP_LEVEL = {"id"}


def diff(a, b, path=""):
    """Paths where two JSON values differ (objects by key, arrays in order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if path == "" and k in IGNORED_TOP_LEVEL:
                continue
            p = f"{path}/{k}"
            if k not in a:
                out.append(f"{p}: only in ocdskit's: {json.dumps(b[k], ensure_ascii=False)[:200]}")
            elif k not in b:
                out.append(f"{p}: only in the system's: {json.dumps(a[k], ensure_ascii=False)[:200]}")
            else:
                out.extend(diff(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items in the system's, {len(b)} in ocdskit's"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(diff(x, y, f"{path}/{i}"))
        return out
    if a != b:
        return [f"{path}: system {json.dumps(a, ensure_ascii=False)} ≠ ocdskit {json.dumps(b, ensure_ascii=False)}"]
    return []


def compile_all(cmd, schema, releases):
    """ocdskit's compiled releases of `releases`, by ocid."""
    args = shlex.split(cmd) + ["compile"]
    if schema:
        args += ["--schema", schema]
    package = {"uri": "urn:check", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1",
               "publisher": {"name": "check"}, "releases": releases}
    run = subprocess.run(args, input=json.dumps(package), capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"ocdskit compile failed: {run.stderr.strip()[-2000:]}")
    out = {}
    for line in run.stdout.splitlines():
        if line.strip():
            c = json.loads(line)
            out[c["ocid"]] = c
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema")
    ap.add_argument("--schema-zip")
    ap.add_argument("--ocdskit", default="ocdskit")
    ap.add_argument("files", nargs="+")
    opts = ap.parse_args()
    if opts.schema_zip:
        with zipfile.ZipFile(opts.schema_zip) as z:
            name = next(n for n in z.namelist() if re.search(r"/schema/release-schema\.json$", n))
            tmp = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)
            tmp.write(z.read(name))
            tmp.close()
            atexit.register(os.unlink, tmp.name)
            opts.schema = tmp.name
    records, bulk = [], []
    for f in opts.files:
        with open(f, encoding="utf-8") as fh:
            data = json.load(fh)
        if "records" in data:
            records.extend((f, r) for r in data["records"])
        elif "releases" in data:
            bulk.append((f, data["releases"]))
        else:
            sys.exit(f"{f}: neither a record package nor a release package")
    problems, compared = [], 0
    own = {}
    for f, r in records:
        theirs = compile_all(opts.ocdskit, opts.schema, r["releases"]).get(r["ocid"])
        if theirs is None:
            problems.append(f"{f} {r['ocid']}: ocdskit compiled nothing")
            continue
        d = diff(r["compiledRelease"], theirs)
        problems.extend(f"{f} {r['ocid']} {x}" for x in d)
        compared += 1
        own[r["ocid"]] = (sorted(x["id"] for x in r["releases"]), r["compiledRelease"])
    from_bulk = other = 0
    for f, releases in bulk:
        compiled = compile_all(opts.ocdskit, opts.schema, releases)
        for ocid, theirs in compiled.items():
            ids = sorted(x["id"] for x in releases if x["ocid"] == ocid)
            if ocid in own and own[ocid][0] == ids:
                d = diff(own[ocid][1], theirs)
                problems.extend(f"{f} {ocid} (bulk) {x}" for x in d)
                from_bulk += 1
            else:
                other += 1
    print(f"ocdskit compile: {compared} records' releases and {from_bulk} bulk processes match the "
          f"system's compiled releases; {other} more bulk processes compiled without a record to "
          f"compare; {len(problems)} differences")
    for p in problems[:40]:
        print("  " + p)
    if compared == 0 or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
