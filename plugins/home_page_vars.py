"""The home page's story (templates/index.html): every published figure as its sentence, the value
this build checked (headline_figures), links to its query as a page, JSON and CSV, the full data
behind it, and a line to cite it; then where every release came from, and what else to explore.

What comes from the database is read once per database, at startup, and cached: the database is
served immutable. Its sha256 is computed once at startup (or taken from `datasette inspect` data).
"""
import asyncio
import datetime
import os

from datasette import hookimpl
from datasette.utils import tilde_encode

from foi.manifest import sha256
from plugins.release_attribution import story_only, story_release_ids
from plugins.throwaway_connection import tables_read

_sha256 = {}  # (path, size, mtime) of a database file -> its sha256


async def database_sha256(db):
    """The sha256 of the database file: from inspect data when Datasette has it, else computed once."""
    if not db.path or db.is_memory:
        return None
    stat = os.stat(db.path)
    key = (db.path, stat.st_size, stat.st_mtime_ns)
    if key not in _sha256:
        _sha256[key] = (not db.is_mutable and db.hash) or await asyncio.to_thread(sha256, db.path)
    return _sha256[key]


@hookimpl
def startup(datasette):
    """Everything the home page shows is read before the first request, so the home page never
    waits for a SQL thread (they may all be busy with other visitors' queries)."""
    async def read_databases():
        for name, db in datasette.databases.items():
            if name != "_internal":
                await database_sha256(db)
                await home_page_data(datasette, name, db)
    return read_databases


async def home_page_data(datasette, name, db):
    """read_database(), once per database: it is served immutable."""
    cache = datasette.__dict__.setdefault("_home_page_cache", {})
    if name not in cache:
        cache[name] = await read_database(datasette, name, db)
    return cache[name]


async def read_database(datasette, name, db):
    """Everything the home page shows from one database (None if it has no headline_figures)."""
    if not await db.table_exists("headline_figures"):
        return None
    queries = datasette.metadata("queries", database=name, fallback=False) or {}
    figures = [dict(r) for r in (await db.execute("select * from headline_figures order by rowid")).rows]
    releases = []
    if await db.table_exists("releases"):
        releases = [dict(r) for r in (await db.execute("select * from releases order by rowid")).rows]
    views = set(await db.view_names())
    story_ids = await story_release_ids(db)
    stories = {}
    for figure in figures:
        query = queries.get(figure["query"], {})
        story = stories.setdefault(figure["query"], {
            "name": figure["query"], "title": query.get("title") or figure["query"],
            "description": query.get("description"), "figures": [],
            "rows_view": f"{figure['query']}_rows" if f"{figure['query']}_rows" in views else None,
        })
        story["figures"].append(figure)
    for story in stories.values():
        query = queries.get(story["name"], {})
        sqls = list(filter(None, (query.get("sql"), query.get("rows_view"))))
        read = await asyncio.to_thread(tables_read, datasette, name, db, dict(enumerate(sqls)))
        read = set().union(*read.values())
        story["releases"] = story_only([r for r in releases if r.get("table_name") in read or r.get("raw_table") in read],
                                       read, story_ids)
        if story["rows_view"]:
            story["rows_count"] = (await db.execute(f"select count(*) from [{story['rows_view']}]")).rows[0][0]
    explorer = [
        {"name": q, "title": query.get("title") or q, "description": query.get("description")}
        for q, query in queries.items() if not query.get("published")
    ]
    hidden = set(await db.hidden_table_names())
    tables = [
        {"name": t, "description": (datasette.table_metadata(name, t) or {}).get("description"), "is_view": False}
        for t in await db.table_names() if t not in hidden
    ] + [{"name": v, "description": None, "is_view": True} for v in sorted(views)]
    built = datetime.date.fromtimestamp(os.path.getmtime(db.path)).isoformat() if db.path else None
    return {"stories": list(stories.values()), "releases": releases, "explorer": explorer, "tables": tables,
            "sha256": await database_sha256(db), "built": built}


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}

    async def home_page_vars():
        databases = []
        for name, db in datasette.databases.items():
            if name == "_internal":
                continue
            data = await home_page_data(datasette, name, db)
            if data is None:
                continue
            urls = datasette.urls
            stories = []
            for story in data["stories"]:
                page = urls.query(name, story["name"])
                stories.append({
                    **story,
                    "url": page,
                    "json_url": urls.query(name, story["name"], format="json") + "?_shape=array",
                    "csv_url": urls.query(name, story["name"], format="csv"),
                    "rows_csv_url": (urls.table(name, story["rows_view"], format="csv") + "?_stream=on"
                                     if story["rows_view"] else None),
                    "absolute_url": datasette.absolute_url(request, page) if request else page,
                })
            databases.append({
                **data, "name": name, "url": urls.database(name), "stories": stories,
                "download_url": urls.path(f"{name}.db"),
                "explorer": [{**q, "url": urls.query(name, q["name"])} for q in data["explorer"]],
                "tables": [{**t, "url": urls.table(name, t["name"])} for t in data["tables"]],
                "releases": [{**r, "url": urls.row(name, "releases", tilde_encode(r["id"]))} for r in data["releases"]],
            })
        return {"home_databases": databases}

    return home_page_vars
