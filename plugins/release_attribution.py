"""Each release's own attribution, and the sample banner only where the data is a sample.

The build writes every release of data/manifest.yml into the `releases` table, with the table its
rows went to. At startup this reads it and works out, for every table, view and canned query,
which releases its data comes from:
- a counts release's own table, and a row-level release's raw_ table: that release;
- `cautions` and the tables made from it (the monthly summary, the decision tables outcome_values,
  date_values, offence_matches): the row-level releases;
- a round robin's `requests` and `replies`: the replies' own releases, and the Home Office tables
  each reply is compared with;
- a view or a canned query: the releases of the tables it reads (SQLite's authorizer says which).
That becomes site metadata, worked out once at startup (the database is immutable) and added to
the site's own metadata.yml, whose keys win: the table or query page shows its own releases'
title, authority, FOI reference, source and licence, never the site-wide source. (A get_metadata
hook that built it again on every lookup cost 45% of a figure's JSON: Datasette looks metadata
up hundreds of times a request, and merges every hook's answer with metadata.yml each time.)

The red SAMPLE banner (templates/base.html) shows on the pages whose data rests on a sample release,
and on the home page, which marks each figure that rests on sample rows. Pages of real data (the
Home Office tables, say) say only, in small print, that the site also holds sample rows.
Error pages, which Datasette renders without extra_template_vars, show the banner.
"""
import asyncio
import copy

from datasette import hookimpl

from foi.replies import HOME_OFFICE_TABLE, RECORDED_CRIME_TABLE
from plugins.throwaway_connection import tables_read

ROW_TABLES = ("cautions", "monthly_cautions", "cautions_by_code", "outcome_values", "date_values", "offence_matches", "headline_figures")


def attribution(datasette):
    """{database name: {"tables": {name: [release]}, "queries": {name: [release]}}}, kept on the
    Datasette instance (a test process runs several, each with its own databases)."""
    if not hasattr(datasette, "_release_attribution"):
        datasette._release_attribution = {}
    return datasette._release_attribution


def releases_of_tables(releases, table_names):
    """{table: [releases its data comes from]} for the tables the build makes from releases."""
    rows = [r for r in releases if r["kind"] == "rows"]
    found = {t: list(rows) for t in ROW_TABLES if t in table_names}
    found["releases"] = list(releases)
    found["disclosure"] = list(releases)
    found["published_totals"] = [r for r in releases if r["kind"] == "counts"]
    for release in releases:
        for table in (release.get("table_name"), release.get("raw_table")):
            if table and table not in ROW_TABLES and table in table_names:
                found.setdefault(table, [])
                if release not in found[table]:
                    found[table].append(release)
    return found


def releases_of_replies(releases, replied):
    """The releases a round robin's tables rest on: every reply with a release (refusals included:
    their letters are releases too), then the Home Office figures the replies are compared with."""
    compared = (HOME_OFFICE_TABLE, RECORDED_CRIME_TABLE)
    return ([r for r in releases if r["id"] in replied]
            + [r for r in releases if r.get("table_name") in compared and r["id"] not in replied])


async def story_release_ids(db):
    """The releases the story's figures count (the build's story_releases table), or None."""
    if not await db.table_exists("story_releases"):
        return None
    return {r[0] for r in (await db.execute("select release_id from story_releases")).rows}


def story_only(releases, tables, story):
    """A query or view that reads story_releases counts only the story's crimes (a round robin's
    other replies live in the same table): the row-level releases it rests on are the story's."""
    if story is None or "story_releases" not in tables:
        return releases
    return [r for r in releases if r.get("kind") != "rows" or r["id"] in story]


def releases_read(by_table, tables):
    out = []
    for table in sorted(tables):
        for release in by_table.get(table, []):
            if release not in out:
                out.append(release)
    return out


# Past this many releases a page's source line names the first few and sends the reader to the
# releases table for the rest (a round robin's page rests on dozens: a paragraph of titles helps nobody).
SOURCES_NAMED = 3


def metadata_of(releases, database):
    """Datasette's source / source_url / license keys for data from these releases."""
    if not releases:
        return {}
    sources = []
    for r in releases:
        parts = [r["title"], r["authority"]] + ([r["foi_reference"]] if r.get("foi_reference") else [])
        sources.append(", ".join(p for p in parts if p))
    licences = list(dict.fromkeys(r["licence"] for r in releases if r.get("licence")))
    found = {"source": "; ".join(sources), "license": "; ".join(licences)}
    url = str(releases[0].get("source_url") or "")
    if len(sources) > SOURCES_NAMED:
        found["source"] = (f"{len(sources)} releases: " + "; ".join(sources[:SOURCES_NAMED - 1])
                           + f"; and {len(sources) - SOURCES_NAMED + 1} more (the releases table lists each, "
                             "with its source and licence)")
        url = f"/{database}/releases"
    if url.startswith(("https://", "http://", f"/{database}/")):  # never a javascript: link, whatever made the database
        found["source_url"] = url
    return found


@hookimpl
def startup(datasette):
    async def read():
        for name, db in datasette.databases.items():
            if name == "_internal" or db.is_memory or not await db.table_exists("releases"):
                continue
            columns = await db.table_columns("releases")
            if not {"kind", "table_name", "is_sample"} <= set(columns):
                continue
            releases = [dict(r) for r in (await db.execute("select * from releases order by rowid")).rows]
            table_names = set(await db.table_names())
            by_table = releases_of_tables(releases, table_names)
            if "replies" in table_names:
                replied = {r[0] for r in (await db.execute("select distinct release_id from replies")).rows}
                by_table["replies"] = by_table["requests"] = releases_of_replies(releases, replied)
            views = {v: (await db.execute("select sql from sqlite_master where name = ?", [v])).rows[0][0]
                     for v in await db.view_names()}
            queries = {q: c["sql"] for q, c in (datasette.metadata("queries", database=name, fallback=False)
                                                  or {}).items() if isinstance(c, dict) and c.get("sql")}
            read = await asyncio.to_thread(tables_read, datasette, name, db,
                                           {**{("view", v): f"select * from [{v}]" for v in views},
                                            **{("query", q): sql for q, sql in queries.items()}})
            story = await story_release_ids(db)
            for (kind, key), tables in read.items():
                if kind == "view":
                    by_table[key] = story_only(releases_read(by_table, tables), tables, story)
            attribution(datasette)[name] = {
                "tables": by_table,
                "queries": {key: story_only(releases_read(by_table, tables), tables, story)
                            for (kind, key), tables in read.items() if kind == "query"},
            }
        if attribution(datasette):
            datasette._metadata_local = with_attribution(datasette._metadata_local, attribution(datasette))
    return read


def with_attribution(local, found):
    """A copy of the site's metadata with each table's and query's source, source_url and license
    added where metadata.yml does not give them (a copy: tests share one metadata dict between
    Datasette instances of different builds). Datasette 0.65 has no public way to set metadata
    but the get_metadata hook, whose answer it rebuilds and merges on every lookup."""
    merged = copy.deepcopy(local or {})
    databases = merged.setdefault("databases", {})
    for name, kinds in found.items():
        database = databases.setdefault(name, {})
        for kind in ("tables", "queries"):
            entries = database.setdefault(kind, {})
            for key, releases in kinds[kind].items():
                if not releases:
                    continue
                entry = entries.get(key)
                if isinstance(entry, str):  # a canned query given as its SQL alone
                    entry = {"sql": entry}
                entries[key] = {**metadata_of(releases, name), **(entry or {})}
    return merged


def page_releases(datasette, database, table, request):
    """The releases a page's data comes from, or None when the page is not about one table or query."""
    found = attribution(datasette).get(database)
    if not found:
        return None
    if table is None and request is not None:  # a canned query's page is given no table: its name is in the path
        table = request.url_vars.get("table")
    if table and table in found["queries"]:
        return found["queries"][table]
    if table and table in found["tables"]:
        return found["tables"][table]
    if request is not None and request.args.get("sql") and database:
        db = datasette.databases.get(database)
        if db is None:
            return None
        sql = request.args["sql"]  # a visitor's: asked through the site's limits like any other
        return releases_read(found["tables"], tables_read(datasette, database, db, {"sql": sql})["sql"])
    return None


@hookimpl
def extra_template_vars(template, database, table, request, datasette, view_name):
    if template == "index.html" or view_name == "index":
        return {}  # the home page: every sample release (the global), each figure marked
    releases = page_releases(datasette, database, table, request)
    if releases is None:
        return {}
    return {"page_sample_releases": [r for r in releases if r.get("is_sample")], "page_releases": releases}
