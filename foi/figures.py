"""The story's figures: every `published:` figure of metadata.yml checked against this build.

The contract (also in metadata.yml's header and README.md, "A new story"):
- a figure is a canned query with `published:`, a list of figures, each with `sentence:` (as
  published), `value:` (the number published), and optionally `label:`, `column:`, `release:` and
  `source_url:`. Most are one block that says what they count (foi/figure_blocks.py derives the
  `sql:` read here from it); a total kept as published gives its own `sql:`;
- the figure is the query's single value: one row, one column. With `column:` (on the figure
  or on the query), that column of the row. With `label:`, the one row of several whose other
  columns hold the label;
- `release:` names the manifest release the figure comes from: when that release is not in this
  build, the figure is "not in this build", never DIFFERS (a query that reads a table this build
  lacks is the same);
- a figure whose query reads only tables of counts releases (a total kept as published, such as
  Buckinghamshire's) cannot fail by recomputing: it is "as published, not recomputed";
- `source_url:` is where the sentence was published (default: the manifest's `story: url:`).
An SQL error names the query; `build.py --strict` fails on a figure that differs or is not in this
build.
"""
import re
import sqlite3
import time

from datasette.utils import escape_fts

from . import clean
from .errors import ReleaseError

STATUSES = ("matches", "differs", "as published", "not in this build")


def tables_read_by(conn, sql):
    """The tables a query reads, looking through views: SQLite's authorizer reports each one.
    It replaces the connection's own authorizer (the site's plugins/sqlite_limits.py sets one), so
    give it a connection of its own. SQL that does not compile reads nothing."""
    tables = set()

    def authorizer(action, table, column, database, source):
        if action == sqlite3.SQLITE_READ and table:
            tables.add(table)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)
    try:
        conn.execute("explain " + sql)
    except sqlite3.Error:
        pass
    finally:
        conn.set_authorizer(None)
    return tables


def check(db, queries, releases, story_url, metadata_path="metadata.yml"):
    """Run every headline query; -> one dict per published figure (the headline_figures table)."""
    conn = db.conn
    counts_tables = {r["table"] for r in releases if r["kind"] == "counts"}
    release_ids = {r["id"] for r in releases}
    figures = []
    for name, query in queries.items():
        published = query.get("published") or []
        if not published:
            continue
        if not isinstance(published, list):
            raise ReleaseError(metadata_path, f"headline query {name}: `published:` must be a list of figures",
                               "write each figure as `- sentence: ...` with `value:` under it")
        absent = all(isinstance(f, dict) and f.get("release") and f["release"] not in release_ids for f in published)
        rows, columns, missing = run(conn, name, query, metadata_path, absent)
        read = set() if missing else tables_read_by(conn, query["sql"])
        as_published = bool(read) and read <= counts_tables
        for figure in published:
            if not isinstance(figure, dict) or "sentence" not in figure or "value" not in figure:
                raise ReleaseError(metadata_path, f"headline query {name}: a figure needs `sentence:` and `value:`",
                                   "write it as `- sentence: \"...\"` with `value: 12` under it")
            label = figure.get("label")
            release = figure.get("release")
            if missing or (release and release not in release_ids):
                status, computed = "not in this build", None
            else:
                computed = value_of(name, query, figure, rows, columns, metadata_path)
                status = ("as published" if as_published else
                          "matches" if computed == figure["value"] else "differs")
            figures.append({
                "query": name, "label": "" if label is None else str(label), "release_id": release,
                "published_sentence": figure["sentence"], "published_value": figure["value"],
                "computed_value": computed, "status": status,
                "matches": None if status == "not in this build" else int(computed == figure["value"]),
                "recomputed": int(status in ("matches", "differs")),
                "source_url": figure.get("source_url") or story_url,
            })
    return figures


def run(conn, name, query, metadata_path, absent=False):
    """-> (rows, columns, missing). `absent`: every figure of the query names a release that is not in
    this build, so a table or column it lacks means "not in this build"; otherwise it is an error,
    with SQLite's own message."""
    if not query.get("sql"):
        raise ReleaseError(metadata_path, f"headline query {name} has no `sql:`", "add the SQL that counts the figure")
    try:
        cursor = conn.execute(query["sql"])
        return cursor.fetchall(), [d[0] for d in cursor.description], False
    except sqlite3.OperationalError as e:
        if absent and ("no such table" in str(e) or "no such column" in str(e)):
            return [], [], True
        raise ReleaseError(metadata_path, f"headline query {name} failed: SQLite says {e}",
                           "fix its `sql:` (a table or column name spelt as in the database?); if the figure comes "
                           "from a release that is not in this build, name that release in the figure's `release:`"
                           ) from None
    except sqlite3.Error as e:
        raise ReleaseError(metadata_path, f"headline query {name} failed: SQLite says {e}", "fix its `sql:`") from None


def check_queries(conn, queries, metadata_path="metadata.yml", seconds=2.0):
    """Every canned query of the site, and each figure's `breakdown:`, run once against the new
    database with its parameters blank (the site's own default): any that fail stop the build, each
    named with SQLite's message, so an old story's leftovers never reach the public. A query still
    running after `seconds` compiled and ran: it is stopped there, not an error."""
    conn.create_function("normalise_offence_code", 1, clean.normalise_offence_code, deterministic=True)
    conn.create_function("escape_fts", 1, escape_fts)
    failed = {}
    for name, query in queries.items():
        for key in ("sql", "breakdown"):
            sql = query.get(key) if isinstance(query, dict) else None
            if not sql:
                continue
            params = {p: "" for p in re.findall(r"(?<!:):(\w+)", sql)}
            deadline = time.monotonic() + seconds
            conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
            try:
                conn.execute(sql, params).fetchmany(1000)
            except sqlite3.Error as e:
                if str(e) != "interrupted":
                    failed.setdefault(name, []).append(f"its `{key}:`: SQLite says {e}")
            finally:
                conn.set_progress_handler(None, 0)
    if failed:
        raise ReleaseError(metadata_path, f"{len(failed)} canned quer{'ies fail' if len(failed) > 1 else 'y fails'} on "
                           "this build's database:" + "".join(f"\n    {name}: {'; '.join(why)}"
                                                             for name, why in failed.items()),
                           "fix the SQL; a query of an earlier story (its tables or columns are not in this build) "
                           "is deleted from metadata.yml's `queries:` (README.md, 'A new story')")


def value_of(name, query, figure, rows, columns, metadata_path):
    column = figure.get("column") or query.get("column")
    if column is None and len(columns) == 1:
        column = columns[0]
    if column not in columns:
        raise ReleaseError(metadata_path, f"headline query {name} returns the columns {', '.join(columns)}: "
                           + (f"none is called {column!r}" if column else "which one holds the figure?"),
                           "name it with `column:` on the query (or on the figure)")
    at = columns.index(column)
    label = figure.get("label")
    if label is not None:
        rows = [r for r in rows if str(label) in {str(v) for i, v in enumerate(r) if i != at}]
        if len(rows) > 1:
            raise ReleaseError(metadata_path, f"headline query {name}: {len(rows)} rows are labelled {label!r}",
                               "make the label name one row, or the query return one row per label")
    elif len(rows) > 1:
        raise ReleaseError(metadata_path, f"headline query {name} returns {len(rows)} rows for a figure with no `label:`",
                           "give each figure of this query the `label:` of its row, or make the query return one row")
    return rows[0][at] if rows else None
