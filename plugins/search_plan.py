"""A table search picks its plan by how many crimes the words match.

`?_search=cannabis` on cautions is, in Datasette's SQL, `offence_description_id in (the
descriptions the full-text index matches)`, in id order, 101 rows at a time. SQLite picks one
plan for every word, whichever its statistics favour: the index on offence_description_id
(every match, then sorted) or a walk through the crimes in id order that stops at the 101st
match. For a common word (cannabis, 19% of crimes) the index fetches and sorts 190,000 rows to
show 101 (17 ms at 1M rows, 141-443 ms at 10M) where the walk reads about 530 rows (0.3 ms at
any size); for a rare one (firearm, 501 in a million) the walk reads 200,000 rows (47 ms at 1M)
where the index reads 501 (0.5 ms). Builds with other statistics have had SQLite pick each.

Which is faster depends on n, the crimes matched, against N, the crimes in the table: the walk
reads about (page + 1) * N / n rows, the index about n. So: count the matches through the index,
but only up to sqrt((page + 1) * N) (at 10M rows, 32,000 entries: about a millisecond); a word
that reaches it is common, and its condition is wrapped in SQLite's likely(), which tells the
planner that most rows match: it walks in the page's order and stops; a rare word's in
unlikely(), which sends the planner to the index. Neither changes a result -- the same rows in
the same order -- and a count of the matches still reads the index. A page sorted by a column
(`_sort`, `_sort_desc`) is left to Datasette's own SQL: Datasette orders it by that column
alone, so rows that tie come in whatever order the plan gives, and another plan could give
another page.

The page also says how many crimes match: Datasette's `select count(*)` of them, through the
index, 66 ms at 10M rows for cannabis. When a common word's search is the page's only filter,
that count is the sum of the crimes of each description the words match, from a count of each
description's crimes taken once (64 descriptions: one pass over the index, 0.5 s at 10M, at
the first common word's search). Datasette 0.65 has no hook for its count query, so the
database's execute() is wrapped at start-up and answers that one statement, exactly as
Datasette writes it, from those counts; every other statement goes to SQLite as before.

The answer for each search is kept, as is the
table's size (the database is immutable), so a search asked again runs no query of its own: the
two extra round trips to SQLite's threads cost a rare word's JSON a third of its speed under load.
"""
import math
import sqlite3
import weakref

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results
from datasette.filters import FilterArguments
from datasette.utils import await_me_maybe, escape_sqlite


def search_clause(fts_table, fts_pk):
    """The clause datasette/filters.py (0.65) writes for ?_search= on a table with fts_table and fts_pk."""
    fts = escape_sqlite(fts_table)
    return f"{escape_sqlite(fts_pk)} in (select rowid from {fts} where {fts} match escape_fts(:search))"


def page_size(request, datasette):
    size = request.args.get("_size") or ""
    if size == "max":
        return datasette.setting("max_returned_rows")
    return int(size) if size.isdigit() else datasette.page_size


_kept = weakref.WeakKeyDictionary()  # Datasette -> {(database, table): rows, (database, table, search, size): common,
#                                                     a count statement: what it counts, ("counts", database, table): ...}
MAX_KEPT = 4096


async def is_common(datasette, database, table, clause, search, size):
    """True when the search matches at least sqrt((size + 1) * rows) of the table's rows. Each answer
    is kept (the database is immutable): a search asked again costs no query."""
    kept = _kept.setdefault(datasette, {})
    db = datasette.get_database(database)
    if (database, table) not in kept:
        kept[(database, table)] = (await db.execute(f"select max(rowid) from {escape_sqlite(table)}")).rows[0][0] or 0
    key = (database, table, search, size)
    if key not in kept:
        enough = max(1, math.isqrt((size + 1) * kept[(database, table)]))
        sql = f"select count(*) from (select 1 from {escape_sqlite(table)} where {clause} limit {enough})"
        if len(kept) >= MAX_KEPT:
            kept.pop(next(k for k in kept if isinstance(k, tuple) and len(k) == 4))  # the oldest answer
        kept[key] = (await db.execute(sql, {"search": search})).rows[0][0] >= enough
    return kept[key]


def planned(filter_arguments, request, database, table, datasette):
    """Datasette's search filter, its clause in likely() when the search is common, unlikely() when rare."""
    async def plan():
        arguments = await await_me_maybe(filter_arguments)
        config = datasette.table_metadata(database, table)
        if not (isinstance(arguments, FilterArguments) and config.get("fts_table") and config.get("fts_pk")):
            return arguments
        clause = search_clause(config["fts_table"], config["fts_pk"])
        search = arguments.params.get("search")
        if clause not in arguments.where_clauses or not search:
            return arguments
        if any(request.args.get(key) or config.get(key[1:]) for key in ("_sort", "_sort_desc")):
            # Datasette orders a sorted page by that column alone, so rows that tie come in the
            # order of whichever plan SQLite takes: a page sorted by a column keeps Datasette's own
            return arguments
        try:
            common = await is_common(datasette, database, table, clause, search, page_size(request, datasette))
        except (sqlite3.Error, QueryInterrupted):
            return arguments  # Datasette's own query gives its own answer or message
        hint = "likely" if common else "unlikely"
        arguments.where_clauses = [f"{hint}({c})" if c == clause else c for c in arguments.where_clauses]
        if common:
            # the count Datasette runs when this is the page's only filter (views/table.py, count_sql)
            count_sql = f"select count(*) from {escape_sqlite(table)} where likely({clause}) "
            _kept.setdefault(datasette, {})[count_sql] = (database, table, config["fts_table"], config["fts_pk"])
        return arguments
    return plan


async def description_counts(datasette, db, table, fts_pk):
    """{description id: crimes}, counted once (the database is immutable); None if that took too long."""
    kept = _kept.setdefault(datasette, {})
    key = ("counts", db.name, table)
    if key not in kept:
        pk = escape_sqlite(fts_pk)
        try:
            rows = (await db.execute(f"select {pk}, count(*) from {escape_sqlite(table)} where {pk} is not null "
                                     f"group by {pk}", custom_time_limit=5_000)).rows
            kept[key] = dict((row[0], row[1]) for row in rows)
        except (sqlite3.Error, QueryInterrupted):
            kept[key] = None
    return kept[key]


def counting_from_descriptions(datasette, db):
    """db.execute(), but a common word's count, as Datasette asks it, summed from each description's."""
    execute = db.execute

    async def execute_counting(sql, params=None, *args, **kwargs):
        planned = _kept.get(datasette, {}).get(sql) if sql.startswith("select count(*) from ") else None
        if planned and isinstance(params, dict) and set(params) == {"search"} and planned[0] == db.name:
            _, table, fts_table, fts_pk = planned
            counts = await description_counts(datasette, db, table, fts_pk)
            if counts is not None:
                fts = escape_sqlite(fts_table)
                matched = await execute(f"select rowid from {fts} where {fts} match escape_fts(:search)", params)
                return Results([(sum(counts.get(row[0], 0) for row in matched.rows),)], False, [("count(*)",)])
        return await execute(sql, params, *args, **kwargs)

    return execute_counting


@hookimpl
def startup(datasette):
    for db in datasette.databases.values():
        if not db.is_mutable and not db.is_memory:
            db.execute = counting_from_descriptions(datasette, db)


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    outcome = yield
    outcome.force_result([planned(result, request, database, table, datasette) for result in outcome.get_result()])
