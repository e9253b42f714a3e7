"""The site as static files: `make site` writes site/, for any static host.

Every page is rendered by the same Datasette app the server runs (plugins/server_settings.py, our
metadata.yml, plugins/ and templates/), asked for each path with `ds.client.get`, and written
to disk with its same-site links made relative, so site/ works from any sub-path:

    /                                  -> index.html
    /cautions                          -> cautions/index.html   (the SQL page: SQL in the browser)
    /cautions/rape_cautions            -> cautions/rape_cautions/index.html
    /cautions/rape_cautions.json       -> cautions/rape_cautions.json   (the server's object form)
    /cautions/rape_cautions.json?_shape=array -> cautions/rape_cautions.array.json
    /cautions/rape_cautions.csv        -> cautions/rape_cautions.csv
    /cautions/rape_cautions_rows.csv?_stream=on -> cautions/rape_cautions_rows.csv
                                          (gzip-compressed, .csv.gz, past COMPRESS_ROWS_OVER rows:
                                          every crime of a large release is mostly repeated text)
    /cautions/<table>                  -> cautions/<table>/index.html  (its first rows)
    /cautions/releases/<id>            -> cautions/releases/<id>/index.html
    /cautions.db                       -> cautions.db (the same bytes: already laid out for range reads)
    plus sitemap.xml, 404.html, and every script, style and font the pages load.

A link the static files cannot answer (a table filtered, sorted or searched, a row, a canned
query with other parameters, arbitrary SQL) becomes a link to the SQL page carrying the query
as SQL (`cautions/?sql=...`), which runs it in the browser (static/sql-in-browser.js, on
sql.js-httpvfs, reading the database over HTTP range requests). Datasette's own SQL links
(`/cautions?sql=...`) are already in that form.

    python static_site.py [--database cautions.db] [--inspect-file inspect-data.json] [--output site]
"""
import argparse
import asyncio
import contextlib
import csv
import gzip
import html
import io
import json
import os
import re
import shutil
import sqlite3
import sys
import time
import urllib.parse
from pathlib import Path, PurePosixPath

import yaml
from datasette.app import Datasette
from datasette.filters import Filters, InFilter, NotInFilter, TemplatedFilter
from datasette.utils import tilde_decode, tilde_encode

from foi.manifest import sha256
from plugins import server_settings

ROOT = Path(__file__).resolve().parent
DATABASE = "cautions"
VENDOR = "static/vendor/sql.js-httpvfs-0.8.12"
SQL_PAGE_SCRIPT = "static/sql-in-browser.js"
# The SQL page's brakes, for a query a link brings to every reader who opens it (see the script).
SQL_PAGE_LIMITS = {"time-limit-ms": 20_000, "max-bytes": 50 * 1024 * 1024, "max-rows": 200_000}
# Query-string parameters that change only how Datasette presents an answer, not which answer:
# a link that differs from a published file only in these is a link to that file.
PRESENTATIONAL = {"_hide_sql", "_show_sql", "_dl", "_stream", "_size", "_shape", "_labels", "_json",
                  "_facet", "_facet_array", "_facet_date", "_nocount", "_nofacet", "_trace"}
ATTRIBUTE = re.compile(r'''(<[a-zA-Z][^>]*?\s(?:href|src|action)=)("[^"]*"|'[^']*')''')
# A figure's CSV of every crime with more rows than this is published compressed: at 1M rows the
# whole table's was 218 MB, more than a third of the site beside the database; gzip makes it 12.5.
COMPRESS_ROWS_OVER = 50_000
CSS_URL = re.compile(r"url\((['\"]?)([^)'\"]+)\1\)")
CSP_META = '<meta http-equiv="Content-Security-Policy" content="{}">'


def serve_settings():
    """The server's settings (plugins/server_settings.py, which serve.sh gives the server)."""
    return dict(server_settings.SETTINGS)


def make_datasette(database, inspect_file=None):
    inspect_data = json.loads(Path(inspect_file).read_text()) if inspect_file else None
    return Datasette(
        immutables=[str(database)],
        inspect_data=inspect_data,
        metadata=yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("static", str(ROOT / "static"))]
        + ([("cards", str(Path(database).with_name("cards")))] if Path(database).with_name("cards").is_dir() else []),
        # the server's settings, but no cap on a CSV file: the static site's <figure>_rows.csv holds
        # every crime behind a figure (the server streams those; a file is written whole)
        settings={**serve_settings(), "max_csv_mb": 0},
        cors=server_settings.CORS,
    )


def sqlite_quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def datasette_filters():
    """Datasette's own table filters (datasette.filters.Filters), each as the SQL page applies it to a
    table address: {key: {sql, format, numeric, no_argument, list}}. The server's table page and the
    static site's then read `?column__op=value` by one table of operators: Datasette's."""
    found = {}
    for f in Filters._filters:
        if isinstance(f, TemplatedFilter):
            found[f.key] = {"sql": f.sql_template, "format": f.format, "numeric": f.numeric,
                            "no_argument": f.no_argument, "list": False}
        elif isinstance(f, (InFilter, NotInFilter)):
            found[f.key] = {"sql": "{c} " + ("not in" if isinstance(f, NotInFilter) else "in") + " ({p})",
                            "format": "{}", "numeric": False, "no_argument": False, "list": True}
    return found


def sqlite_name(name):
    return '"' + name.replace('"', '""') + '"'


class Site:
    """What is published, where, and how a same-site URL maps onto it."""

    def __init__(self, ds, database_file):
        self.ds = ds
        self.database_file = Path(database_file)
        self.pages = {}        # server path -> file in site/ (HTML pages)
        self.files = {}        # server path + query -> file in site/ (JSON, CSV)
        self.assets = set()    # server paths of scripts, styles, fonts: fetched as they are found
        self.queries = {}      # canned query name -> its config
        self.tables = {}       # table or view name -> primary key columns ([] for rowid, None for a view)

    async def plan(self):
        db = self.ds.get_database(DATABASE)
        self.pages["/"] = "index.html"
        self.pages[f"/{DATABASE}"] = f"{DATABASE}/index.html"
        self.files[f"/{DATABASE}.json"] = f"{DATABASE}.json"  # the database page's JSON: its tables and queries
        self.queries = await self.ds.get_canned_queries(DATABASE, None)
        for name in self.queries:
            self.pages[f"/{DATABASE}/{name}"] = f"{DATABASE}/{name}/index.html"
            self.files[f"/{DATABASE}/{name}.json"] = f"{DATABASE}/{name}.json"
            self.files[f"/{DATABASE}/{name}.json?_shape=array"] = f"{DATABASE}/{name}.array.json"
            self.files[f"/{DATABASE}/{name}.csv"] = f"{DATABASE}/{name}.csv"
        for table in await db.table_names():
            self.tables[table] = await db.primary_keys(table)
        for view in await db.view_names():
            self.tables[view] = None
        for table in self.tables:
            self.pages[f"/{DATABASE}/{tilde_encode(table)}"] = f"{DATABASE}/{table}/index.html"
        for name in self.queries:
            if f"{name}_rows" in self.tables:
                self.files[f"/{DATABASE}/{name}_rows.csv?_stream=on"] = f"{DATABASE}/{name}_rows.csv"
        for (release,) in (await db.execute("select id from releases order by id")).rows:
            self.pages[f"/{DATABASE}/releases/{tilde_encode(release)}"] = f"{DATABASE}/releases/{release}/index.html"

    # -- links -------------------------------------------------------------------------------

    def sql_page(self, sql, params=()):
        return f"/{DATABASE}", [("sql", sql), *params]

    def target(self, path, pairs):
        """A same-site path and its query -> (file in site/, query pairs to keep), or None."""
        kept = [(k, v) for k, v in pairs if k not in PRESENTATIONAL]
        if not kept and path in self.pages:
            return self.pages[path], []
        def shape(query_pairs):  # JSON comes in the shape asked for: Datasette's object form, or an array
            asked = dict(query_pairs)
            return asked.get("_shape", "arrays"), asked.get("_nl", "")
        for key, file in self.files.items():
            key_path, _, key_query = key.partition("?")
            if key_path == path and not kept and (not path.endswith(".json")
                                                  or shape(urllib.parse.parse_qsl(key_query)) == shape(pairs)):
                return file, []
        if path == f"/{DATABASE}" and any(k == "sql" for k, _ in pairs):
            return self.pages[path], pairs  # Datasette's own SQL link: the SQL page reads it
        parts = path.split("/")
        if len(parts) == 3 and parts[1] == DATABASE:
            name, _, ext = tilde_decode(parts[2]).partition(".") if parts[2].endswith((".json", ".csv")) \
                else (tilde_decode(parts[2]), "", "")
            if name in self.queries:  # a canned query with other parameters
                params = [(k, v) for k, v in kept if not k.startswith("_")]
                return self.pages[f"/{DATABASE}"], [("sql", self.queries[name]["sql"]), *params]
            if name in self.tables:  # the SQL page asks it as SQL (static/sql-in-browser.js's tableSql)
                return self.pages[f"/{DATABASE}"], [("_table", name), *kept]
        if len(parts) == 4 and parts[1] == DATABASE and tilde_decode(parts[2]) in self.tables:
            table, row = tilde_decode(parts[2]), parts[3]
            pks = self.tables[table] or ["rowid"]
            values = [tilde_decode(v) for v in row.split(",")]
            if len(values) == len(pks):
                where = " and ".join(f"{sqlite_name(k)} = {sqlite_quote(v)}" for k, v in zip(pks, values))
                return self.pages[f"/{DATABASE}"], [("sql", f"select * from {sqlite_name(table)} where {where}")]
        return None

    def order_keys(self):
        """{table: the columns Datasette orders its rows by when no sort is asked (its primary key, or
        rowid); a view: none}, for the SQL page."""
        return {table: (pks or ["rowid"]) if pks is not None else [] for table, pks in self.tables.items()}

    def searchable(self):
        """{table: [its full-text index, the column the index's rowid matches]}, for the SQL page."""
        found = {}
        for table in self.tables:
            config = self.ds.table_metadata(DATABASE, table) or {}
            if config.get("fts_table"):
                found[table] = [config["fts_table"], config.get("fts_pk", "rowid")]
        return found

    def local_url(self, url, page_path, page_file):
        """A URL as a page gives it -> the URL on the static site, relative to page_file."""
        url = html.unescape(url)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("#") or not url:
            return None
        absolute = urllib.parse.urlsplit(urllib.parse.urljoin("http://site" + page_path, url))
        path, query, fragment = absolute.path, absolute.query, absolute.fragment
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if path.startswith(("/-/", "/static/")) and path not in self.pages:
            self.assets.add(path)
            return self.relative(path.lstrip("/"), page_file) + (f"?{query}" if query else "") + \
                (f"#{fragment}" if fragment else "")
        found = self.target(path, pairs)
        if found is None:
            file, kept = path.lstrip("/") or "index.html", pairs
        else:
            file, kept = found
        return self.relative(file, page_file) + ("?" + urllib.parse.urlencode(kept) if kept else "") + \
            (f"#{fragment}" if fragment else "")

    @staticmethod
    def relative(file, page_file):
        """site/ file -> a link from page_file; a folder's index.html as the folder (shared URLs keep working)."""
        target = PurePosixPath(file)
        folder = target.name == "index.html"
        if folder:
            target = target.parent
        start = PurePosixPath(page_file).parent
        link = os.path.relpath(str(target), str(start)) if str(target) != "." or str(start) != "." else "."
        if folder:
            link = "./" if link == "." else link + "/"
        return link

    def rewrite_html(self, text, page_path, page_file):
        def attribute(match):
            quote = match.group(2)[0]
            value = match.group(2)[1:-1]
            local = self.local_url(value, page_path, page_file)
            if local is None:
                return match.group(0)
            return match.group(1) + quote + html.escape(local, quote=True) + quote
        return ATTRIBUTE.sub(attribute, text)


def static_policy(header):
    """The server's Content-Security-Policy, as a <meta> tag a static host needs no configuration
    for: the same sources, less what a meta tag cannot say (frame-ancestors), plus WebAssembly
    for the SQL page's engine."""
    directives = [d.strip() for d in header.split(";") if d.strip() and not d.strip().startswith("frame-ancestors")]
    directives = [d + " 'wasm-unsafe-eval'" if d.startswith("script-src") else d for d in directives]
    return CSP_META.format(html.escape("; ".join(directives), quote=True))


# Datasette's SQL editor on the database page (its _codemirror.html): CodeMirror, its SQL mode,
# its resize handle and the SQL formatter, 95 KB gzipped of the SQL page's first visit.
EDITOR_FILE = re.compile(r'<script src="(/-/static/(?:codemirror|sql-formatter|cm-resize)[^"]*)"[^>]*></script>\n?'
                         r'|<link rel="stylesheet" href="(/-/static/codemirror[^"]*)"[^>]*>\n?')


def lazy_editor(text):
    """The database page without its editor's scripts and style, and those files' paths in the
    order the page loaded them: static/sql-in-browser.js loads them, and runs Datasette's own
    set-up of the editor, when the reader starts editing the SQL (a reader who opens a shared
    query needs its answer, not the editor)."""
    scripts, styles = [], []
    for match in EDITOR_FILE.finditer(text):
        (scripts if match.group(1) else styles).append(match.group(1) or match.group(2))
    if not any("/codemirror" in script for script in scripts) or not styles:
        raise RuntimeError("static_site.py: the database page loads no CodeMirror editor; was Datasette changed?")
    formatter = [s for s in scripts if "sql-formatter" in s]  # loaded last: the page deferred it
    return EDITOR_FILE.sub("", text), [s for s in scripts if s not in formatter] + formatter, styles


def sql_page_html(text, site, page_file):
    """The database page, as Datasette renders it, with the SQL-in-the-browser script and its
    results section, its editor loaded when the reader starts editing (lazy_editor). Its own
    form already sends ?sql= to this page."""
    marker = '<form class="sql"'
    if marker not in text or "</form>" not in text.split(marker, 1)[1]:
        raise RuntimeError("static_site.py: the database page has no SQL form; was templates/ or Datasette changed?")
    text, editor_scripts, editor_styles = lazy_editor(text)
    site.assets.update(editor_scripts + editor_styles)
    before, after = text.split(marker, 1)
    form, rest = after.split("</form>", 1)

    def link(path):
        return site.relative(path, page_file)

    def links(paths):
        return html.escape(json.dumps([link(path.lstrip("/")) for path in paths]), quote=True)
    section = (f'\n<section id="sql-in-browser" aria-live="polite" data-database="{link(site.database_file.name)}" '
               f'data-worker="{link(VENDOR + "/sqlite.worker.js")}" data-wasm="{link(VENDOR + "/sql-wasm.wasm")}" '
               f'data-page-size="4096" data-editor-scripts="{links(editor_scripts)}" '
               f'data-editor-styles="{links(editor_styles)}" '
               + "".join(f'data-{name}="{value}" ' for name, value in SQL_PAGE_LIMITS.items())
               + f'data-searchable="{html.escape(json.dumps(site.searchable()), quote=True)}" '
               f'data-order-keys="{html.escape(json.dumps(site.order_keys()), quote=True)}" '
               f'data-filters="{html.escape(json.dumps(datasette_filters()), quote=True)}">\n'
               '  <p class="sql-status">SQL runs here, in your browser, reading only the parts of the database '
               'each query needs.</p>\n</section>\n')
    scripts = (f'<script src="/{VENDOR}/index.js" defer></script>\n'
               f'<script src="/{SQL_PAGE_SCRIPT}" defer></script>\n</head>')
    text = before + marker + form + "</form>" + section + rest
    return text.replace("</head>", scripts, 1)


def table_form(text, table, sql_page):
    """A table page's search box and filters, sent to the SQL page with the table's name: the
    page there (static/sql-in-browser.js) asks the same question as SQL and answers it. The
    same script, first in the page's head, sends an address with filters there too (a shared
    link to cautions/cautions/?offence_group=...), before the page's unfiltered rows are shown."""
    action = f'<form class="filters" action="/{DATABASE}/{tilde_encode(table)}" method="get">'
    if action in text:
        hidden = f'<input type="hidden" name="_table" value="{html.escape(table, quote=True)}">'
        text = text.replace(action, f'<form class="filters" action="/{DATABASE}" method="get">{hidden}', 1)
    script = (f'<script src="/{SQL_PAGE_SCRIPT}" data-sql-page="{html.escape(sql_page, quote=True)}" '
              f'data-table="{html.escape(table, quote=True)}" data-keep="{",".join(sorted(PRESENTATIONAL))}"></script>')
    return text.replace("<head>", "<head>\n    " + script, 1)


def array_link_for_charts(text, array_url):
    """datasette-vega draws from the page's first JSON export link with ?_shape=array added, which a
    static host ignores: a hidden first link to the array file gives it the array, while the link a
    reader sees keeps giving the server's object form."""
    marker = '<p class="export-links">'
    return text.replace(marker, f'{marker}<a href="{html.escape(array_url, quote=True)}" hidden></a>', 1)


def canned_query_form(text, name, sql):
    """A canned query's parameter form, sent to the SQL page with the query's SQL: another value
    (q=cannabis) is answered in the browser, by the same SQL the server runs."""
    action = f'<form class="sql" action="/{DATABASE}/{name}" method="get">'
    if action not in text:
        raise RuntimeError(f"static_site.py: the page of {name} has no form for its parameters")
    hidden = f'<input type="hidden" name="sql" value="{html.escape(sql, quote=True)}">'
    return text.replace(action, f'<form class="sql" action="/{DATABASE}" method="get">{hidden}', 1)


def write(site_dir, file, content):
    path = site_dir / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def database_copy(source, destination):
    """The database for range reads: 4 KB pages (sql.js-httpvfs reads a page per request) and
    journal_mode=delete (no -wal file). make build writes it so: then it is copied byte for byte,
    so its sha256 is the one every page cites. Otherwise it is rewritten, and both are returned."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        page_size = conn.execute("pragma page_size").fetchone()[0]
        journal = conn.execute("pragma journal_mode").fetchone()[0]
    if page_size == 4096 and journal == "delete":
        shutil.copyfile(source, destination)
    else:
        destination.unlink(missing_ok=True)
        with sqlite3.connect(source) as conn:
            conn.execute("pragma page_size = 4096")
            conn.execute("vacuum into ?", (str(destination),))
        with sqlite3.connect(destination) as conn:
            conn.execute("pragma journal_mode = delete")
    return sha256(source), sha256(destination)


class PageFailed(Exception):
    """A page of the site did not answer 200: site/ is not written (the previous one is kept)."""


async def fetch(ds, path):
    response = await ds.client.get(path)
    if response.status_code != 200:
        raise PageFailed(f"{path} answered {response.status_code}: {html.unescape(re.sub(r'<[^>]+>', ' ', response.text))[:300]}")
    return response


def write_view_csv(database, view, destination, compress_rows_over=COMPRESS_ROWS_OVER):
    """A view as the CSV Datasette streams for it (?_stream=on: its columns, then every row, written
    by Python's csv module as Datasette writes them), read straight from the database: through the
    app, 10M rows took over an hour; this way, a minute. Over `compress_rows_over` rows it is
    written gzip-compressed (the same bytes inside, no name or time in the header: the same file
    from the same database) as destination + '.gz'. Returns whether it was compressed."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        rows, = conn.execute(f"select count(*) from {sqlite_name(view)}").fetchone()
        compress = rows > compress_rows_over
        target = destination.with_name(destination.name + ".gz") if compress else destination
        with open(target, "wb") as raw, \
                (gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compress
                 else contextlib.nullcontext(raw)) as binary, \
                io.TextIOWrapper(binary, encoding="utf-8", newline="") as out:
            cursor = conn.execute(f"select * from {sqlite_name(view)}")
            writer = csv.writer(out)
            writer.writerow([d[0] for d in cursor.description])
            while batch := cursor.fetchmany(10_000):
                writer.writerows(batch)
    return compress


GZ_DOWNLOAD = re.compile(r'(<a href="([^"]*\.csv\.gz)"[^>]*>[^<]*?as CSV)(</a>)')


def compressed_download_text(text, site_dir):
    """A link to a compressed CSV says so, with its size: the reader's computer opens it (a
    double-click on Windows and macOS, gunzip elsewhere), but should know before downloading."""
    def note(match):
        file = next(site_dir.glob(f"{DATABASE}/{PurePosixPath(match.group(2)).name}"), None)
        size = f", {file.stat().st_size / 1e6:,.1f} MB" if file else ""
        return f"{match.group(1)}, compressed with gzip{size}{match.group(3)}"
    return GZ_DOWNLOAD.sub(note, text)


async def fetch_to_file(ds, path, destination):
    """A response written to disk as Datasette streams it (a figure's every crime, as CSV, may be
    hundreds of megabytes): the app called over ASGI, each body chunk appended to the file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    url = urllib.parse.urlsplit(path)
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": url.path,
             "raw_path": url.path.encode(), "query_string": url.query.encode(), "root_path": "",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("localhost", 80)}
    status = {}
    with open(destination, "wb") as out:
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                out.write(message.get("body", b""))
        await ds.app()(scope, receive, send)
    if status.get("code") != 200:
        raise PageFailed(f"{path} answered {status.get('code')}")


async def publish(database, output, inspect_file=None, site_url=None, quiet=False,
                  compress_rows_over=COMPRESS_ROWS_OVER):
    started = time.monotonic()
    output = Path(output)
    if Path(database).stem != DATABASE:
        raise SystemExit(f"static_site.py: the database file must be named {DATABASE}.db (its name is in every URL)")
    ds = make_datasette(database, inspect_file)
    await ds.invoke_startup()
    site = Site(ds, database)
    await site.plan()
    tmp = output.with_name(output.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    for path, file in list(site.files.items()):  # before the pages: their links name these files
        if path.endswith("_rows.csv?_stream=on"):  # every crime behind a figure: straight from SQLite
            if write_view_csv(database, path.split("?")[0].rsplit("/", 1)[-1][:-len(".csv")], tmp / file,
                              compress_rows_over):
                site.files[path] = file + ".gz"
    for path, file in site.pages.items():
        response = await fetch(ds, path)
        text = response.text
        csp = response.headers.get("content-security-policy")
        if file == f"{DATABASE}/index.html":
            text = sql_page_html(text, site, file)
        name = path.rsplit("/", 1)[-1]
        if path == f"/{DATABASE}/{name}" and name in site.queries and 'name="' in text.split('<form class="sql"', 1)[-1] \
                and re.search(r"(?<![:\w]):[A-Za-z_]\w*", site.queries[name]["sql"]):
            text = canned_query_form(text, name, site.queries[name]["sql"])
        if path == f"/{DATABASE}/{name}" and name in site.tables:
            text = table_form(text, name, site.relative(site.pages[f"/{DATABASE}"], file))
        if path == f"/{DATABASE}/{name}" and name in site.queries:
            text = array_link_for_charts(text, f"/{DATABASE}/{name}.json?_shape=array")  # -> name.array.json
        text = site.rewrite_html(text, path, file)
        text = compressed_download_text(text, tmp)
        if csp:
            text = text.replace("<head>", "<head>\n    " + static_policy(csp), 1)
        write(tmp, file, text.encode("utf-8"))
    for path, file in site.files.items():
        if not path.endswith("_rows.csv?_stream=on"):
            await fetch_to_file(ds, path, tmp / file)

    response = await ds.client.get("/-/this-page-is-not-on-the-site")
    text = site.rewrite_html(response.text, "/404.html", "404.html")
    if site_url:  # a host serves 404.html at any depth: its links resolve from the site's own address
        text = text.replace("<head>", f'<head>\n    <base href="{html.escape(site_url.rstrip("/"))}/">', 1)
    csp = response.headers.get("content-security-policy")
    if csp and site_url:
        csp = csp.replace("base-uri 'none'", "base-uri 'self'")  # the <base> above, on the site's own host
    if csp:
        text = text.replace("<head>", "<head>\n    " + static_policy(csp), 1)
    write(tmp, "404.html", text.encode("utf-8"))

    for extra in ("/" + VENDOR + "/sqlite.worker.js", "/" + VENDOR + "/sql-wasm.wasm", "/" + VENDOR + "/LICENSE"):
        site.assets.add(extra)
    done = set()
    while site.assets - done:
        for path in sorted(site.assets - done):
            done.add(path)
            content = (await fetch(ds, path)).content
            if path.endswith(".css"):  # fonts and images a stylesheet loads
                for _, url in CSS_URL.findall(content.decode("utf-8", "replace")):
                    if not url.startswith(("data:", "http:", "https:", "//")):
                        site.assets.add(urllib.parse.urljoin(path, url).split("?")[0].split("#")[0])
            write(tmp, path.lstrip("/"), content)

    source_sha, copy_sha = database_copy(Path(database), tmp / Path(database).name)
    cards = Path(database).with_name("cards")  # the figures' link-preview cards (build.py --cards)
    if cards.is_dir():
        shutil.copytree(cards, tmp / "cards", dirs_exist_ok=True)
    base = (site_url or "").rstrip("/")
    urls = "".join(f"  <url><loc>{html.escape(base + path)}</loc></url>\n" for path in site.pages)
    write(tmp, "sitemap.xml", ('<?xml version="1.0" encoding="UTF-8"?>\n'
                               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                               f"{urls}</urlset>\n").encode())
    write(tmp, ".nojekyll", b"")  # GitHub Pages: publish as is (folders such as -/ included)
    write(tmp, "site.json", json.dumps({
        "database": Path(database).name, "database_sha256": copy_sha, "built_from_sha256": source_sha,
        "pages": len(site.pages), "files": len(site.files),
    }, indent=2).encode())
    shutil.rmtree(output, ignore_errors=True)
    tmp.rename(output)
    if not quiet:
        size = sum(f.stat().st_size for f in output.rglob("*") if f.is_file())
        print(f"{output}/: {len(site.pages)} pages, {len(site.files)} JSON and CSV files, {len(done)} assets, "
              f"{size / 1e6:.1f} MB, in {time.monotonic() - started:.1f} s; database sha256 {copy_sha}"
              + ("" if copy_sha == source_sha else f" (rewritten from {source_sha})"))
    return site


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cautions.db")
    parser.add_argument("--inspect-file", default="inspect-data.json")
    parser.add_argument("--output", default="site")
    parser.add_argument("--site-url", default=os.environ.get("SITE_URL"),
                        help="the site's public address, for sitemap.xml (default: $SITE_URL; else paths)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    inspect_file = args.inspect_file if args.inspect_file and Path(args.inspect_file).exists() else None
    if not Path(args.database).is_file():
        print(f"static_site.py: there is no database {args.database}\n  What to do: run `make build` first",
              file=sys.stderr)
        return 1
    try:
        asyncio.run(publish(args.database, args.output, inspect_file, args.site_url, args.quiet))
    except PageFailed as e:
        shutil.rmtree(Path(args.output).with_name(Path(args.output).name + ".tmp"), ignore_errors=True)
        print(f"static_site.py: {args.output}/ was not written (the previous one, if any, is unchanged): "
              f"{' '.join(str(e).split())}\n  What to do: open that page with `make serve` to see what is wrong; "
              "a canned query in metadata.yml that reads tables this database does not have is deleted "
              "(README.md, 'A new story'), then `make build` and `make site` again", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
