"""The site as static files (static_site.py, `make site`): what site/ holds, that every link in
it resolves to a file in it (so it works from any sub-path), that nothing loads from another
host, and that each published file is the answer the Datasette server gives."""
import asyncio
import gzip
import hashlib
import http.client
import html
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path, PurePosixPath

import pytest

import static_site
from site_fixtures import canned_queries, headline_queries, inspect_file, rows, site_client  # noqa: F401

QUERIES = canned_queries()
LINK = re.compile(r'''\s(href|src|action)=("[^"]*"|'[^']*')''')


def build_site(sample_db, output):
    return asyncio.run(static_site.publish(sample_db, output, inspect_file(sample_db), quiet=True))


@pytest.fixture(scope="module")
def site_dir(sample_db, tmp_path_factory):
    output = tmp_path_factory.mktemp("static") / "site"
    build_site(sample_db, output)
    return output


def html_files(site_dir):
    return sorted(site_dir.rglob("*.html"))


def links(path):
    import html
    for _, value in LINK.findall(path.read_text(encoding="utf-8")):
        yield html.unescape(value[1:-1])


def test_site_holds_every_page_and_file_the_issue_lists(site_dir, sample_db):
    assert (site_dir / "index.html").is_file()
    assert (site_dir / "cautions" / "index.html").is_file()  # the SQL page
    for name, query in QUERIES.items():
        assert (site_dir / "cautions" / name / "index.html").is_file(), name
        assert (site_dir / "cautions" / f"{name}.json").is_file(), name
        assert (site_dir / "cautions" / f"{name}.csv").is_file(), name
        if query.get("rows_view"):
            assert (site_dir / "cautions" / f"{name}_rows.csv").is_file(), name
    with sqlite3.connect(sample_db) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
        releases = [r[0] for r in conn.execute("select id from releases")]
    for table in tables:
        assert (site_dir / "cautions" / table / "index.html").is_file(), table
    for release in releases:
        assert (site_dir / "cautions" / "releases" / release / "index.html").is_file(), release
    assert (site_dir / "404.html").is_file()
    sitemap = (site_dir / "sitemap.xml").read_text()
    assert "<loc>/cautions/rape_cautions</loc>" in sitemap
    for vendored in ("index.js", "sqlite.worker.js", "sql-wasm.wasm", "LICENSE"):
        assert (site_dir / static_site.VENDOR / vendored).is_file()


def test_the_database_copy_is_the_same_bytes_laid_out_for_range_reads(site_dir, sample_db):
    """4 KB pages, no journal: the copy is cautions.db byte for byte, so the sha256 every page cites
    (from the server's own inspect data) names the file the SQL page reads."""
    copy = site_dir / "cautions.db"
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(Path(sample_db).read_bytes()).hexdigest()
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma page_size").fetchone()[0] == 4096
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert digest in (site_dir / "index.html").read_text()
    assert json.loads((site_dir / "site.json").read_text())["database_sha256"] == digest


def test_a_database_with_other_pages_is_rewritten_and_both_sha256s_kept(sample_db, tmp_path):
    wide = tmp_path / "wide.db"
    with sqlite3.connect(sample_db) as source:
        source.execute("pragma page_size = 8192")
        source.execute("vacuum into ?", (str(wide),))
    copy = tmp_path / "copy.db"
    before, after = static_site.database_copy(wide, copy)
    assert before != after
    with sqlite3.connect(copy) as conn:
        assert conn.execute("pragma page_size").fetchone()[0] == 4096
        assert conn.execute("select count(*) from cautions").fetchone() == \
            sqlite3.connect(sample_db).execute("select count(*) from cautions").fetchone()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", QUERIES)
async def test_each_json_file_is_the_servers_answer_in_the_same_shape(site_dir, site_client, name):  # noqa: F811
    """name.json is what the server gives without _shape (its object form, with the columns and
    the SQL: only the time it took differs); ?_shape=array is name.array.json."""
    live = await site_client.get(f"/cautions/{name}.json?_shape=array")
    assert json.loads((site_dir / "cautions" / f"{name}.array.json").read_text()) == live.json()
    live = (await site_client.get(f"/cautions/{name}.json")).json()
    published = json.loads((site_dir / "cautions" / f"{name}.json").read_text())
    assert isinstance(published, dict) and published["rows"] == live["rows"] and published["columns"] == live["columns"]
    assert {k: v for k, v in published.items() if k != "query_ms"} == {k: v for k, v in live.items() if k != "query_ms"}
    live_csv = await site_client.get(f"/cautions/{name}.csv")
    assert (site_dir / "cautions" / f"{name}.csv").read_bytes() == live_csv.content


@pytest.mark.parametrize("name", [n for n, q in headline_queries().items() if q.get("rows_view")])
@pytest.mark.asyncio
async def test_each_figures_rows_csv_holds_every_crime_behind_it(site_dir, sample_db, site_client, name):
    """Written straight from the database, it is the same bytes as the server's streamed CSV."""
    written = (site_dir / "cautions" / f"{name}_rows.csv").read_bytes()
    assert len(written.decode("utf-8").splitlines()) - 1 == \
        rows(sample_db, f"select count(*) as n from {name}_rows")[0]["n"]
    assert written == (await site_client.get(f"/cautions/{name}_rows.csv?_stream=on")).content


def test_a_json_link_leads_to_the_file_of_the_shape_it_asks_for(site_dir):
    site = static_site.Site.__new__(static_site.Site)
    site.pages, site.tables = {"/cautions": "cautions/index.html"}, {}
    site.queries = {"rape_cautions": {"sql": "select 12"}}
    site.files = {"/cautions/rape_cautions.json": "cautions/rape_cautions.json",
                  "/cautions/rape_cautions.json?_shape=array": "cautions/rape_cautions.array.json"}
    page = "cautions/rape_cautions/index.html"
    assert site.local_url("/cautions/rape_cautions.json", "/", page) == "../rape_cautions.json"
    assert site.local_url("/cautions/rape_cautions.json?_shape=array", "/", page) == "../rape_cautions.array.json"
    # a shape not published (newline-delimited, objects): the SQL page answers the query
    assert site.local_url("/cautions/rape_cautions.json?_shape=array&_nl=on", "/", page) == "../?sql=select+12"
    assert site.local_url("/cautions/rape_cautions.json?_shape=objects", "/", page) == "../?sql=select+12"


@pytest.mark.asyncio
async def test_a_figures_csv_of_many_crimes_is_published_compressed_with_the_same_rows(sample_db, tmp_path,
                                                                                      site_client):  # noqa: F811
    """Every crime of a large release, as CSV, is mostly the same few offence and outcome words
    over and over (at 1M rows 218 MB, 12.5 MB gzip-compressed): past COMPRESS_ROWS_OVER rows the
    static site holds it as .csv.gz, the same bytes inside as the server's CSV, and the link to it
    says it is compressed and how big it is. Smaller ones stay plain CSV."""
    output = tmp_path / "site"
    total = rows(sample_db, "select count(*) as n from total_cautions_rows")[0]["n"]
    rape = rows(sample_db, "select count(*) as n from rape_cautions_rows")[0]["n"]
    threshold = rape  # the sample's figures: rape's crimes stay plain, the whole release is compressed
    assert total > threshold
    await static_site.publish(sample_db, output, inspect_file(sample_db), quiet=True, compress_rows_over=threshold)
    compressed = output / "cautions" / "total_cautions_rows.csv.gz"
    assert compressed.is_file() and not (output / "cautions" / "total_cautions_rows.csv").exists()
    assert (output / "cautions" / "rape_cautions_rows.csv").is_file()
    live = await site_client.get("/cautions/total_cautions_rows.csv?_stream=on")
    assert gzip.decompress(compressed.read_bytes()) == live.content
    assert compressed.read_bytes()[4:8] == b"\0\0\0\0"  # no time in the header: the same file from the same database
    page = " ".join((output / "cautions" / "total_cautions" / "index.html").read_text(encoding="utf-8").split())
    size = f"{compressed.stat().st_size / 1e6:,.1f} MB"
    assert re.search(r'<a href="\.\./total_cautions_rows\.csv\.gz" download>Download all [\d,]+ crimes behind this '
                     rf"figure as CSV, compressed with gzip, {re.escape(size)}</a>", page), page


def test_every_same_site_link_is_relative_and_resolves_to_a_file_in_site(site_dir):
    """So site/ works from any sub-path: no link starts with /, and each names a file that exists
    (a folder's index.html), a query string for the SQL page only."""
    missing = []
    for page in html_files(site_dir):
        where = PurePosixPath(page.relative_to(site_dir).as_posix()).parent
        for url in links(page):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https", "mailto", "data", "blob") or url.startswith("#"):
                continue
            assert not url.startswith("/"), f"{page}: {url}"
            target = site_dir / where / parts.path
            if parts.path.endswith("/") or parts.path in ("", "."):
                target = target / "index.html"
            if not target.resolve().is_file():
                missing.append(f"{page.relative_to(site_dir)}: {url}")
    assert missing == []


def test_nothing_is_loaded_from_another_host(site_dir):
    """Every script, stylesheet, image and font is inside site/ (links to other sites may stay: a
    reader follows them, the page never loads them)."""
    loaded = re.compile(r'''<(?:script|img|iframe|source)\b[^>]*\ssrc=["']([^"']+)|<link\b[^>]*\shref=["']([^"']+)''')
    for page in html_files(site_dir):
        for src, href in loaded.findall(page.read_text(encoding="utf-8")):
            url = src or href
            assert not re.match(r"(https?:)?//", url), f"{page}: {url}"
    for css in site_dir.rglob("*.css"):
        assert not re.search(r"url\(['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css


def test_links_the_static_files_cannot_answer_become_sql_in_the_browser(site_dir):
    """A filtered table, a row, a canned query with other parameters: each becomes the SQL page.
    A table's filters go there as they are, with the table's name (the SQL page asks them as SQL:
    one implementation of table filters, static/sql-in-browser.js's); a row and a canned query
    go as SQL. Datasette's own ?sql= links keep their query string as it was."""
    site = static_site.Site.__new__(static_site.Site)
    site.pages = {"/cautions": "cautions/index.html", "/cautions/releases": "cautions/releases/index.html"}
    site.files = {}
    site.queries = {"search_cautions": {"sql": "select :q"}}
    site.tables = {"releases": ["id"], "cautions": []}
    site.ds = type("DS", (), {"table_metadata": lambda self, db, t: {}})()
    page = "cautions/rape_cautions/index.html"
    assert site.local_url("/cautions?sql=select+1", "/cautions/rape_cautions", page) == "../?sql=select+1"
    assert site.local_url("/cautions/releases?_hide_sql=1", "/cautions/rape_cautions", page) == "../releases/"
    assert site.local_url("/cautions/search_cautions?q=cannabis", "/", page) == \
        "../?sql=select+%3Aq&q=cannabis"
    filtered = site.local_url("/cautions/releases?is_sample=1&_sort_desc=id&_facet=kind", "/", page)
    assert filtered == "../?_table=releases&is_sample=1&_sort_desc=id"
    row = site.local_url("/cautions/cautions/7", "/", page)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(row).query)["sql"] == [
        """select * from "cautions" where "rowid" = '7'"""]


def test_a_table_page_sends_an_address_with_filters_to_the_sql_page(site_dir):
    """Its file holds the unfiltered rows: the SQL page's script, first in its head (before any
    row is shown), sends ?offence_group=... there with the table's name (test_browser_static.py
    follows such a link in chromium)."""
    page = (site_dir / "cautions" / "cautions" / "index.html").read_text(encoding="utf-8")
    head = page[:page.index("</head>")]
    script = re.search(r'<script src="([^"]+sql-in-browser\.js)" data-sql-page="([^"]+)" data-table="cautions" '
                       r'data-keep="([^"]+)"></script>', head)
    assert script and head.index(script.group(0)) < head.index("<link")
    assert script.group(1) == "../../static/sql-in-browser.js" and script.group(2) == "../"
    assert set(script.group(3).split(",")) == static_site.PRESENTATIONAL


def test_the_static_pages_are_those_the_server_renders(site_dir):
    """The same templates: the headline page carries its figure, chart and citation; the SQL page
    is Datasette's database page with the in-browser engine added; a Content-Security-Policy
    that lets a page load only from its own host travels in a <meta> tag."""
    rape = (site_dir / "cautions" / "rape_cautions" / "index.html").read_text()
    assert 'class="headline-chart"' in rape and "12 cautions given for rape" in " ".join(rape.split())
    assert '<meta http-equiv="Content-Security-Policy"' in rape
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', rape).group(1)
    assert "default-src &#x27;none&#x27;" in policy and "connect-src &#x27;self&#x27;" in policy
    assert "frame-ancestors" not in policy  # not allowed in a meta tag
    sql_page = (site_dir / "cautions" / "index.html").read_text()
    assert 'id="sql-in-browser"' in sql_page and 'sql-in-browser.js' in sql_page
    assert '<form class="sql" action="./"' in sql_page


def test_the_404_page_links_from_the_sites_own_address_at_any_depth(sample_db, tmp_path):
    """A static host serves 404.html for a missing page at any depth: with SITE_URL its links
    resolve from the site's address (a <base>, allowed by its policy), so they hold under a sub-path."""
    site_url = "https://example.org/some/path"
    asyncio.run(static_site.publish(sample_db, tmp_path / "site", inspect_file(sample_db), site_url=site_url,
                                    quiet=True))
    page = (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    assert f'<base href="{site_url}/">' in page
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert "base-uri 'self'" in policy
    links = re.findall(r'<a href="([^"#]+)"', page)
    assert links and not [link for link in links if link.startswith("/")], links


def fetch_raw(url, method="GET", **headers):
    """One request, its body as sent (http.client does not decode gzip): (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, parts.path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_the_bench_static_host_compresses_what_a_host_would_and_never_a_range(site_dir):
    """tests/static_server.py serves site/ as GitHub Pages does: the page, its styles and scripts,
    the JSON and the SQL page's WebAssembly engine gzipped when the browser accepts gzip (the same
    bytes inside); the database as stored, whole or in ranges, so the engine's ranges count bytes
    of the file; a range of any file as stored; and, with compress=False, every file as stored."""
    from static_server import static_served
    vendor = static_site.VENDOR
    text_files = ["index.html", "cautions/index.html", "cautions/rape_cautions.json", f"{vendor}/sql-wasm.wasm",
                  f"{vendor}/sqlite.worker.js", "static/sql-in-browser.js", "-/static/app.css"]
    with static_served(site_dir) as (url, _), static_served(site_dir, compress=False) as (plain_url, _):
        for file in text_files:
            stored = (site_dir / file).read_bytes()
            address = url + file.removesuffix("index.html")
            status, headers, body = fetch_raw(address, **{"Accept-Encoding": "gzip, deflate"})
            assert (status, headers.get("content-encoding")) == (200, "gzip"), file
            assert gzip.decompress(body) == stored and len(body) < len(stored), file
            assert "accept-encoding" in headers["vary"].lower()
            for other in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
                status, headers, body = fetch_raw(address, **other)  # a browser that does not take gzip
                assert (status, headers.get("content-encoding"), body) == (200, None, stored), (file, other)
            status, headers, body = fetch_raw(plain_url + file.removesuffix("index.html"),
                                              **{"Accept-Encoding": "gzip"})
            assert (status, headers.get("content-encoding"), body) == (200, None, stored), file
            status, headers, body = fetch_raw(address, **{"Accept-Encoding": "gzip", "Range": "bytes=10-99"})
            assert (status, headers.get("content-encoding"), body) == (206, None, stored[10:100]), file
        database = (site_dir / "cautions.db").read_bytes()
        status, headers, body = fetch_raw(url + "cautions.db", "HEAD", **{"Accept-Encoding": "gzip"})
        assert (status, headers.get("content-encoding"), int(headers["content-length"])) == (200, None, len(database))
        status, headers, body = fetch_raw(url + "cautions.db", **{"Accept-Encoding": "gzip",
                                                                  "Range": "bytes=4096-8191"})
        assert (status, headers.get("content-encoding"), body) == (206, None, database[4096:8192])
        status, headers, body = fetch_raw(url + "cautions.db", **{"Accept-Encoding": "gzip"})
        assert (status, headers.get("content-encoding"), body) == (200, None, database)
