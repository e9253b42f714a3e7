"""A round robin to all 43 territorial forces (data/reference/forces.csv), for the tests of the
replies page: replies of every status (answered, partial, refused under s.12 and s.14, no reply),
added to a built database as a request of its own, beside any request the build made, so the
page is tested with several requests in the database. Its numbers are test data from a seeded
generator, flagged is_sample, and never shipped: the build's own requests and replies tables
are the round-robin build's to test.
"""
import csv
import random
import sqlite3
from pathlib import Path

from foi.schema import REPLIES_COLUMNS, REQUESTS_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FORCES = ROOT / "data" / "reference" / "forces.csv"
REQUEST_ID = "test-all-forces"
SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "REAL"}
# The section each refusal cites, as the manifest gives it, and as the page writes it.
REFUSALS = {"s.12 (cost)": "s.12 cost", "s.14 (vexatious)": "s.14 vexatious"}


def forces():
    with FORCES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def status_of(i):
    """Every status, spread through the list: 3 refused, 3 with no reply, 4 in part."""
    if i in (4, 20, 33):
        return "refused"
    if i in (9, 27, 40):
        return "no reply"
    if i in (2, 15, 24, 38):
        return "partial"
    return "answered"


def replies(seed=20):
    rng = random.Random(seed)
    out = []
    for i, force in enumerate(forces()):
        status = status_of(i)
        has_total = status in ("answered", "partial")
        total = rng.randint(150, 9000) if has_total else None
        recorded = rng.randint(40_000, 800_000)
        home_office = round(total * rng.uniform(0.9, 1.1)) if has_total else None
        days = rng.randint(8, 35) if status != "no reply" else None
        out.append({
            "request_id": REQUEST_ID, "authority": force["name"], "force_code": force["ons_code"],
            "country": force["country"], "status": status,
            "refusal": ("s.12 (cost)" if i != 33 else "s.14 (vexatious)") if status == "refused" else None,
            "sent": "2017-03-01", "answered": None if status == "no reply" else "2017-03-29",
            "working_days": days, "late": None if days is None else int(days > 20),
            "release_id": None if status == "no reply" else f"test-reply-{force['ons_code'].lower()}",
            "total": total, "home_office_cautions": home_office,
            "ratio_to_home_office": round(total / home_office, 3) if has_total else None,
            "recorded_crime": recorded,
            "rate_per_1000_crimes": round(1000 * total / recorded, 2) if has_total else None,
            "is_sample": 1,
        })
    return out


def create(conn, name, columns):
    conn.execute(f"create table if not exists [{name}] ("
                 + ", ".join(f"[{c}] {SQL_TYPES[t]}" for c, t in columns.items()) + ")")


def add_round_robin(db_path):
    """Add the 43-force request, its replies and a release row for each reply that has one."""
    rows = replies()
    with sqlite3.connect(db_path) as conn:
        create(conn, "requests", REQUESTS_COLUMNS)
        create(conn, "replies", REPLIES_COLUMNS)
        count = {s: sum(1 for r in rows if r["status"] == s) for s in ("answered", "partial", "refused", "no reply")}
        request = {"id": REQUEST_ID, "question": "How many crimes did your force resolve by a caution "
                   "between 1 April 2015 and 31 March 2017? (test request)", "sent": "2017-03-01",
                   "recipients": "all territorial forces", "period_from": "2015-04-01", "period_to": "2017-03-31",
                   "authorities": len(rows), "answered": count["answered"], "partial": count["partial"],
                   "refused": count["refused"], "no_reply": count["no reply"], "comparison": None, "is_sample": 1}
        conn.execute(f"insert into requests ({', '.join(request)}) values ({', '.join('?' * len(request))})",
                     list(request.values()))
        for row in rows:
            conn.execute(f"insert into replies ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                         list(row.values()))
            if row["release_id"]:
                conn.execute("insert into releases (id, kind, title, authority, foi_reference, answered, is_sample, "
                             "description) values (?, 'counts', ?, ?, ?, ?, 1, ?)",
                             [row["release_id"], f"{row['authority']}: reply to the test request", row["authority"],
                              f"TEST {row['force_code']}", row["answered"],
                              "Test reply (tests/replies_fixture.py), not a real answer"])
    return rows
