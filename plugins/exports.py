"""Whole exports, or an honest refusal: never half a CSV answering 200.

Datasette streams a CSV (`?_stream=on`) page by page and stops at max_csv_mb (100 MB), with
status 200 and its notice in the last line: at 1M rows, `cautions.csv?_stream=on` gave 480,809
rows of 1,000,000, cached for a day. So:

- An unfiltered streamed export of a table or view (`/cautions/<name>.csv?_stream=on`, with
  `_dl` if wanted: the home page's links, the table pages' "Export" link) is sent from the file
  `exports.py` wrote at build time for this database (EXPORTS, `exports/` beside it: serve.sh
  sets it), with its Content-Length: the whole table, at the cost of sending a file. The files
  are used only when `exports.json` names this database's sha256.
- Any other streamed CSV of a table or view (filtered, sorted, searched) is first measured: its
  row count and the size of its first rows, through Datasette's own JSON for the same address.
  One that would come near the cap (over MAX_STREAM_SHARE of it, its row count times the size
  of its first hundred rows as CSV), or whose rows could not be
  counted within the time limit, is refused up front (400) with what to do instead: the whole
  file's link, the database, or a narrower filter.
"""
import asyncio
import csv
import io
import json
import os
import sys
import urllib.parse
from pathlib import Path

from datasette.utils import tilde_decode

CHUNK = 256 * 1024
MAX_STREAM_SHARE = 0.8   # of max_csv_mb: a margin for rows bigger than the first hundred
FILE_PARAMETERS = {"_stream", "_dl"}  # an address that asks for nothing but the whole table


def exports_folder():
    folder = os.environ.get("EXPORTS")
    return Path(folder) if folder else None


def load_index(datasette):
    """{database name: {table or view: path of its whole CSV}} for the exports that belong to it."""
    folder = exports_folder()
    found = {}
    if folder is None or not (folder / "exports.json").exists():
        return found
    index = json.loads((folder / "exports.json").read_text())
    for name, db in datasette.databases.items():
        if db.is_mutable or db.is_memory or not db.path or Path(db.path).name != index.get("database"):
            continue
        if db.hash != index.get("database_sha256"):
            sys.stderr.write(f"exports.py: {folder}/exports.json was written for another build of {name}.db; "
                             "its files are not served (run make build)\n")
            continue
        found[name] = {table: folder / entry["file"] for table, entry in index["files"].items()
                       if (folder / entry["file"]).is_file()}
    return found


def parse(datasette, path):
    """(database, table or view) of a `/<db>/<name>.csv` path, else None."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[1].endswith(".csv") or parts[0] not in datasette.databases:
        return None
    return parts[0], tilde_decode(parts[1][: -len(".csv")])


async def send_file(send, file, filename, head, extra_headers):
    size = file.stat().st_size
    headers = [(b"content-type", b"text/csv; charset=utf-8"), (b"content-length", str(size).encode()),
               *extra_headers]
    if filename:
        headers.append((b"content-disposition", f'attachment; filename="{filename}"'.encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    with open(file, "rb") as f:
        while True:
            chunk = await asyncio.to_thread(f.read, CHUNK)
            more = len(chunk) == CHUNK
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
            if not more:
                return


async def measured(datasette, database, name, pairs):
    """(rows, bytes per row) of the streamed CSV these parameters ask for; rows None if not counted."""
    kept = [(k, v) for k, v in pairs if k not in ("_stream", "_dl", "_size", "_next", "_header", "_nocount")]
    path = datasette.urls.table(database, name, format="json") + "?" + urllib.parse.urlencode(
        kept + [("_size", str(min(100, datasette.setting("max_returned_rows")))), ("_nofacet", "1"), ("_shape", "objects")])
    response = await datasette.client.get(path)
    if response.status_code != 200:
        return None, 0
    data = response.json()
    rows = data.get("rows") or []
    out = io.StringIO()
    csv.writer(out).writerows([list(r.values()) for r in rows])  # as Datasette writes them
    per_row = len(out.getvalue().encode("utf-8")) / len(rows) if rows else 0
    return data.get("filtered_table_rows_count"), per_row


def refusal(message):
    return ({"type": "http.response.start", "status": 400,
             "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]},
            {"type": "http.response.body", "body": message.encode() + b"\n"})


def wrap(app, datasette):
    files = None

    async def exports(scope, receive, send):
        nonlocal files
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await app(scope, receive, send)
        found = parse(datasette, scope.get("path", ""))
        if found is None:
            return await app(scope, receive, send)
        pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        args = dict(pairs)
        if not args.get("_stream"):
            return await app(scope, receive, send)
        database, name = found
        if name in (datasette.metadata("queries", database=database) or {}):
            return await app(scope, receive, send)  # a canned query of that name: Datasette never streams it
        if files is None:
            files = load_index(datasette)
        whole = files.get(database, {}).get(name)
        if whole is not None and {k for k, _ in pairs} <= FILE_PARAMETERS:
            headers = [(b"access-control-allow-origin", b"*")] if datasette.cors else []
            filename = f"{name}.csv" if args.get("_dl") else None
            return await send_file(send, whole, filename, scope["method"] == "HEAD", headers)
        db = datasette.databases[database]
        if name not in set(await db.table_names()) | set(await db.view_names()):
            return await app(scope, receive, send)
        cap = datasette.setting("max_csv_mb") * 1024 * 1024
        if cap:
            rows, per_row = await measured(datasette, database, name, pairs)
            if rows is None or rows * per_row > cap * MAX_STREAM_SHARE:
                size = "too many rows to count in time" if rows is None else \
                    f"about {rows:,} rows, {rows * per_row / 1e6:,.0f} MB"
                where = datasette.urls.table(database, name, format="csv") + "?_stream=on&_dl=1"
                also = f" The whole {name} is a file: {where}." if whole is not None else ""
                message = (f"This export is too large to stream ({size}; this site streams at most "
                           f"{cap * MAX_STREAM_SHARE / 1e6:,.0f} MB).{also} Or download the whole database: "
                           f"{datasette.urls.path(database + '.db')}, or narrow the export with filters, "
                           f"or page through it with _size=1000 and _next.")
                for part in refusal(message):
                    await send(part)
                return
        await app(scope, receive, send)

    return exports
