"""Tables that store what a view shows are listed as hidden, so the database page lists what to read.

A release's raw copy is kept compact (foi/raw_copy.py): raw_<id>_cells holds each cell as a
number and raw_values the values the numbers stand for; the view raw_<id> gives every original
cell back, and is what a reader reads. The database page listed the two storage tables beside
the view as if they were more data. They are now Datasette's hidden tables: still there by name,
in SQL, as JSON and CSV, and under the database page's "hidden tables" link.
"""
import copy

from datasette import hookimpl

from foi.raw_copy import VALUES_TABLE, cells_table


async def storage_tables(db):
    tables = set(await db.table_names())
    return ({cells_table(view) for view in await db.view_names()} | {VALUES_TABLE}) & tables


def with_hidden(local, database, tables):
    """A copy of the site's metadata with these tables of the database hidden."""
    merged = copy.deepcopy(local or {})
    entries = merged.setdefault("databases", {}).setdefault(database, {}).setdefault("tables", {})
    for table in tables:
        entries[table] = {**(entries.get(table) or {}), "hidden": True}
    return merged


@hookimpl
def startup(datasette):
    async def hide():
        for name, db in datasette.databases.items():
            if name == "_internal" or db.is_memory:
                continue
            tables = await storage_tables(db)
            if tables:
                datasette._metadata_local = with_hidden(datasette._metadata_local, name, sorted(tables))
    return hide
