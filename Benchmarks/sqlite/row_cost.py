#!/usr/bin/env python3
"""What one stored join costs SQLite alone: the join batcher's INSERT (rows as one JSON
array, ON CONFLICT DO NOTHING) into Bayan's own `endorsements` schema, in batches of
13 rows (the average batch of `scripts/bench`'s stored sign-ons), each batch its own
transaction, with and without each index and trigger. No HTTP, no Swift: the CPU time of
this process per row, the variants run interleaved in slices so the machine's drift
touches them alike.

    python3 Benchmarks/sqlite/row_cost.py [BAYAN_BIN] [BATCHES]

BAYAN_BIN (default .build/release/bayan) makes a scratch database whose schema is
copied. Python's sqlite3 uses the system's SQLite, not the one bundled in Bayan, so the
figures are of the same statements and schema, not of the same library build.
"""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BATCH = 13
INSERT = """INSERT INTO endorsements (id, statement_id, signer_kind, display_name, place, contact, version_hash, state,
 founding, visibility, imported, name_key, created_at, updated_at, signer_token_hash, email_key, confirm_token_hash,
 stamp_hash, join_network, email_domain)
 SELECT j.value ->> 0, 'S1', 'individual', j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, 'pending', 0,
 j.value ->> 5, 0, j.value ->> 6, CAST(j.value ->> 7 AS BIGINT), CAST(j.value ->> 7 AS BIGINT), j.value ->> 8,
 j.value ->> 9, j.value ->> 10, j.value ->> 11, j.value ->> 12, j.value ->> 13
 FROM json_each(?) AS j WHERE 1 ON CONFLICT DO NOTHING"""
TRIGGERS = {"endorsements_tally_insert", "endorsements_tally_update", "endorsements_tally_delete",
            "endorsements_hours_insert", "endorsements_hours_update", "endorsements_hours_delete"}


def bayan_schema(bayan, tmp):
    data = os.path.join(tmp, "data")
    subprocess.run([bayan, "import", os.path.join(ROOT, "docs", "sample-statement.md"), "--slug", "seed", "--publish",
                    "--data", data], check=True, capture_output=True)
    db = sqlite3.connect(os.path.join(data, "bayan.sqlite"))
    return [(name, sql) for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('endorsements', 'endorsement_tallies', 'endorsement_hours')"
        " AND sql IS NOT NULL")]


def scratch(path, schema, drop):
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-32768"):
        db.execute("PRAGMA " + pragma)
    for name, sql in schema:
        if name not in drop:
            db.execute(sql.replace("REFERENCES statements(id)", "").replace("REFERENCES organizations(id)", ""))
    return db


def rows(n, first, email_hex):
    """Keys shaped as Bayan makes them: ids and link hashes behind a time prefix (they
    grow at the end of their index), the email's keyed hash random."""
    out = []
    for i in range(n):
        t = int(time.time() * 1000)
        prefix = f"{t:012x}."
        out.append([f"{t:012x}{secrets.token_hex(8)}", f"person {first + i}", None, secrets.token_hex(40), "ab" * 32,
                    "public", secrets.token_hex(20), str(t), prefix + secrets.token_hex(32), secrets.token_hex(email_hex),
                    prefix + secrets.token_hex(32), prefix + secrets.token_hex(32), "127.0.0.0/24", "example.org"])
    return out


def main():
    bayan = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "bayan")
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
    tmp = tempfile.mkdtemp(prefix="bayan-rowcost-")
    schema = bayan_schema(bayan, tmp)
    indexes = [name for name, sql in schema if sql.startswith("CREATE INDEX") or sql.startswith("CREATE UNIQUE INDEX")]
    variants = {"Bayan's schema": (set(), 32), "email key of 96 bits (24 hex digits)": (set(), 12),
                "no triggers": (TRIGGERS, 32), "no secondary index": (set(indexes), 32)}
    for name in indexes:
        variants["without " + name] = ({name}, 32)
    data = {hexes: [json.dumps(rows(BATCH, k * BATCH, hexes)) for k in range(batches)] for hexes in {h for _, h in variants.values()}}
    dbs = {v: scratch(os.path.join(tmp, f"v{k}.sqlite"), schema, drop) for k, (v, (drop, _)) in enumerate(variants.items())}
    spent = {v: 0.0 for v in variants}
    for start in range(0, batches, 500):
        for v, db in dbs.items():
            began = time.process_time()
            for body in data[variants[v][1]][start:start + 500]:
                db.execute("BEGIN IMMEDIATE")
                db.execute(INSERT, (body,))
                db.execute("COMMIT")
            spent[v] += time.process_time() - began
    print(f"SQLite {sqlite3.sqlite_version}, {batches * BATCH} rows in batches of {BATCH}, CPU per row:")
    for v, seconds in spent.items():
        print(f"  {1e6 * seconds / (batches * BATCH):6.1f} µs  {v}")
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
