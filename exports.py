"""Every table and view of the database as a whole CSV file, written once at build time.

    python exports.py [--database cautions.db] [--output exports]

`make build` runs it after build.py (so does the Dockerfile). The server (plugins/exports.py)
sends these files for an unfiltered streamed export (`/cautions/cautions.csv?_stream=on`,
`/cautions/rape_cautions_rows.csv?_stream=on&_dl=1`, the home page's links): the whole table,
with its Content-Length, never cut at Datasette's 100 MB stream cap, and at the cost of sending
a file. Each file holds the bytes Datasette streams for that URL (its columns, with `rowid`
first for a table without a primary key, then every row, written by Python's csv module), read
straight from SQLite. `exports.json` names the database's sha256, so a server never sends the
exports of another build.
"""
import argparse
import contextlib
import csv
import json
import os
import sqlite3
import sys
from pathlib import Path

from foi.manifest import sha256

INDEX = "exports.json"


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def exported_names(conn):
    """Tables and views a visitor can page through: not SQLite's own, not full-text index shadows."""
    rows = conn.execute("select name, type, sql from sqlite_master where type in ('table', 'view') "
                        "and name not like 'sqlite_%' order by name").fetchall()
    fts = {name for name, _, sql in rows if sql and "virtual table" in sql.lower()}
    shadow = {name for name, _, _ in rows for parent in fts if name.startswith(parent + "_")}
    return [(name, kind) for name, kind, _ in rows if name not in fts | shadow]


def select_sql(conn, name, kind):
    """The columns and order of Datasette's CSV: a table by its primary key, or its rowid (then
    the first column) when it has none; a view as SQLite gives it."""
    if kind == "view":
        return f"select * from {quoted(name)}"
    pks = sorted((row[5], row[1]) for row in conn.execute(f"pragma table_info({quoted(name)})") if row[5])
    if not pks:
        return f"select rowid, * from {quoted(name)} order by rowid"
    return f"select * from {quoted(name)} order by " + ", ".join(quoted(column) for _, column in pks)


def write_csv(conn, sql, destination):
    rows = 0
    with open(destination, "w", encoding="utf-8", newline="") as out:
        cursor = conn.execute(sql)
        writer = csv.writer(out)
        writer.writerow([d[0] for d in cursor.description])
        while batch := cursor.fetchmany(10_000):
            writer.writerows(batch)
            rows += len(batch)
    return rows


def write_exports(database, output):
    """Write output/<name>.csv for every table and view, then output/exports.json; returns the index."""
    output = Path(output)
    tmp = output.with_name(output.name + ".tmp")
    if tmp.exists():
        for f in tmp.iterdir():
            f.unlink()
    tmp.mkdir(parents=True, exist_ok=True)
    files = {}
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        for name, kind in exported_names(conn):
            file = tmp / f"{name}.csv"
            rows = write_csv(conn, select_sql(conn, name, kind), file)
            files[name] = {"file": file.name, "rows": rows, "bytes": file.stat().st_size}
    index = {"database": Path(database).name, "database_sha256": sha256(database), "files": files}
    (tmp / INDEX).write_text(json.dumps(index, indent=2) + "\n")
    if output.exists():
        for f in output.iterdir():
            f.unlink()
        output.rmdir()
    os.replace(tmp, output)
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cautions.db")
    parser.add_argument("--output", default="exports")
    args = parser.parse_args(argv)
    index = write_exports(args.database, args.output)
    total = sum(f["bytes"] for f in index["files"].values())
    print(f"exports.py: {len(index['files'])} CSV files, {total / 1e6:,.1f} MB, in {args.output}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
