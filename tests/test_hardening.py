"""The public site under hostile requests (issue 12): each attack that once froze the server or
took gigabytes is answered quickly, the home page keeps answering meanwhile, memory stays
bounded, SIGTERM stops the server; no page takes its host from the request; the headers.

Every attack runs against the real serve command (serve.sh) on 127.0.0.1, with a client
timeout, so a regression fails the test instead of hanging it.
"""
import concurrent.futures
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from datasette.app import Datasette

from site_fixtures import ROOT, headline_queries, serve_settings, site_metadata, plugin
from site_server import served


sqlite_limits = plugin("sqlite_limits")
request_limits = plugin("request_limits")
HEADLINE = next(iter(headline_queries()))
L = sqlite_limits.MAX_LENGTH - 40  # a value as long as the site allows, with room for a rowid


def sql(query, fmt=".json"):
    return f"/cautions{fmt}?" + urllib.parse.urlencode({"sql": query})


# Each attack of issue 12, as it was measured, and the few worst cases within the new limits.
ATTACKS = {
    "our own function on 150 MB": sql("select normalise_offence_code(printf('%.*c', 150000000, '0') || '/x')"),
    "upper() of 1 GB": sql("select upper(printf('%.*c', 999999999, 'x'))"),
    "instr() over 500 MB": sql("select instr(printf('%.*c', 500000000, 'a'), 'b')"),
    "1 GB values as CSV": sql("select printf('%.*c', 999999000, 'x') from cautions limit 50", ".csv"),
    "escape_fts() on 20 MB": sql("select escape_fts(printf('%.*c', 20000000, 'x'))"),
    "100 repeated facets": "/cautions/cautions?" + "&".join(["_facet=offence_group"] * 100),
    "400 facets, four different": "/cautions/cautions?" + "&".join(
        ["_facet=offence_group", "_facet=caution_type", "_facet=financial_year", "_facet=month"] * 100),
    "six different facets": "/cautions/cautions?" + "&".join(
        f"_facet={c}" for c in ("offence_group", "caution_type", "financial_year", "month", "release_id", "offender")),
    "fts3_tokenizer()": sql("select hex(fts3_tokenizer('simple'))"),
    "fifty instr() of the longest values, each row": sql("select count(*) from cautions where " + " + ".join(
        [f"instr(printf('%.*c', {L}, 'a') || rowid, printf('%.*c', {L // 2}, 'a') || 'b')"] * 50)),
    "1,000 rows of twenty of the longest values": sql(
        "select " + ", ".join([f"printf('%.*c', {L}, 'x') || rowid"] * 20) + " from cautions limit 1000"),
    "1,000 rows of 190 columns, as HTML": sql("select " + ", ".join(["1"] * 190) + " from cautions limit 1000", ""),
    "a 100 KB address": "/cautions/cautions?q=" + "x" * 100_000,
}
# What each is answered with: the status, and a phrase of the answer.
EXPECTED = {
    "our own function on 150 MB": (200, '"rows": [[null]]'),
    "upper() of 1 GB": (200, '"rows": [[null]]'),
    "instr() over 500 MB": (200, '"rows": [[null]]'),
    "1 GB values as CSV": (200, ""),
    "escape_fts() on 20 MB": (200, '"rows": [[null]]'),
    "100 repeated facets": (200, "offence_group"),
    "400 facets, four different": (200, "caution_type"),
    "six different facets": (400, "Too many facets"),
    "fts3_tokenizer()": (400, "not authorized"),
    "fifty instr() of the longest values, each row": (400, "SQL query took too long"),
    "1,000 rows of twenty of the longest values": (400, "result is too large"),
    "1,000 rows of 190 columns, as HTML": (400, "result is too large"),
    "a 100 KB address": (414, "too long"),
}
ANSWER_WITHIN = 5.0
HOME_WITHIN = 2.0
RSS_CEILING_MB = 1500


@pytest.fixture(scope="module")
def site(sample_db):
    with served(sample_db, with_process=True) as served_site:
        yield served_site


def get(url, timeout=30, headers=None):
    """(status, headers, body, seconds); never waits longer than `timeout`."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, head, body = e.code, e.headers, e.read()
    return status, head, body.decode("utf-8", "replace"), time.monotonic() - started


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (FileNotFoundError, StopIteration):
        return 0.0


@pytest.mark.parametrize("name", ATTACKS)
def test_each_attack_is_answered_quickly_with_a_small_answer(site, name):
    url, _ = site
    status, _, body, seconds = get(url + ATTACKS[name], timeout=ANSWER_WITHIN + 5)
    expected_status, phrase = EXPECTED[name]
    assert status == expected_status, body[:500]
    assert phrase in body
    assert seconds < ANSWER_WITHIN, f"{name}: {seconds:.1f} s"
    assert len(body) < 2_000_000


def test_four_attacks_at_once_leave_the_home_page_answering_and_memory_bounded(site):
    """The worst attacks four at a time (every SQL thread busy): each answered within 5 s, the
    home page within 2 s throughout, the server's memory under 1.5 GB (the issue measured
    10.6 GB for four upper() requests, 22.5 GB for one CSV)."""
    url, process = site
    names = ["fifty instr() of the longest values, each row", "1 GB values as CSV", "upper() of 1 GB",
             "1,000 rows of twenty of the longest values"]
    peak, home_times, done = [rss_mb(process.pid)], [], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(process.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            attacks = [pool.submit(get, url + ATTACKS[name], ANSWER_WITHIN + 5) for name in names]
            while not all(a.done() for a in attacks):
                home_times.append(get(url + "/", timeout=HOME_WITHIN + 5)[3])
            answers = [a.result() for a in attacks]
    finally:
        done.set()
        watcher.join()
    assert [round(a[3], 1) for a in answers if a[3] >= ANSWER_WITHIN] == []
    assert len(home_times) >= 3 and max(home_times) < HOME_WITHIN, home_times
    assert peak[0] < RSS_CEILING_MB, f"peak RSS {peak[0]:.0f} MB"


def test_sigterm_stops_the_server_while_runaway_queries_run_and_the_log_cuts_long_urls(sample_db, tmp_path):
    log_path = tmp_path / "access.log"
    with open(log_path, "w") as log, served(sample_db, with_process=True, log=log) as (url, process):
        long_url = url + "/cautions/cautions?q=" + "x" * 10_000
        assert get(long_url)[0] == 200
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for name in ("fifty instr() of the longest values, each row", "1 GB values as CSV"):
                pool.submit(get, url + ATTACKS[name], 15)
                pool.submit(get, url + ATTACKS[name], 15)
            time.sleep(0.5)
            stopping = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
            stopped_after = time.monotonic() - stopping
    assert stopped_after < 5, f"{stopped_after:.1f} s"
    lines = [line for line in log_path.read_text().splitlines() if "/cautions/cautions?q=" in line]
    assert len(lines) == 1 and len(lines[0]) < 500, lines
    path = long_url[len(url):]
    assert f"{path[:100]}" in lines[0] and f"[cut: {len(path):,} bytes]" in lines[0] and '" 200' in lines[0]


# ---- SQLite's limits, in-process -----------------------------------------------------

def limited_connection(path=":memory:"):
    conn = sqlite3.connect(path, uri=True)
    sqlite_limits.prepare_connection(conn)
    return conn


def test_every_row_of_the_shipped_database_fits_well_within_the_length_limit(sample_db):
    """SQLite refuses to read a row longer than SQLITE_LIMIT_LENGTH, so the limit must clear the
    longest row (a full-text index page, 4 KB) with room: a quarter of it at most."""
    conn = limited_connection(f"file:{sample_db}?mode=ro")
    conn.row_factory = None  # whole tables: more than one page's worth of cells
    for (table,) in conn.execute("select name from sqlite_master where type = 'table'").fetchall():
        columns = [c[1] for c in conn.execute(f"pragma table_info([{table}])")]
        if not columns:
            continue
        size = " + ".join(f"coalesce(length(cast([{c}] as blob)), 0)" for c in columns)
        longest = conn.execute(f"select max({size}) from [{table}]").fetchone()[0] or 0
        assert longest < sqlite_limits.MAX_LENGTH / 4, (table, longest)
        conn.execute(f"select * from [{table}]").fetchall()  # every row readable under the limits


@pytest.mark.parametrize("fmt,args", [
    ("%d|%5s|%-5s|%05.1f", (42, "ab", "cd", 3.14159)), ("%,d %q %Q %w %%", (1234567, "it's", "x", 'a"b')),
    ("%.*c", (300, "x")), ("%*.*c", (-8, 3, "é")), ("%.3s %c %x %o %e %g", ("abcdef", "xyz", 255, 8, 1.5, 0.1)),
    ("%!.20f %.30000000s", (0.1, "short")), ("no conversions", ()), (None, ()), ("%d-%s", (5,)), (b"A%s", ("b",)),
])
def test_printf_is_sqlites_own_for_every_format_but_a_huge_repeat(fmt, args):
    plain, limited = sqlite3.connect(":memory:"), limited_connection()
    query = "select printf(" + ", ".join("?" * (1 + len(args))) + ")"
    assert tuple(limited.execute(query, (fmt, *args)).fetchone()) == plain.execute(query, (fmt, *args)).fetchone()


@pytest.mark.parametrize("query", [
    "select printf('%.*c', 999999999, 'x')", "select printf('%.*c', -999999999, 'x')",
    "select format('%.2000000000c', 'x')", "select printf('%s%.*c', 'a', 2147483647, 'x')",
])
def test_a_huge_repeated_character_is_null_at_once(query):
    started = time.monotonic()
    assert tuple(limited_connection().execute(query).fetchone()) == (None,)
    assert time.monotonic() - started < 0.1


def test_functions_a_public_site_has_no_use_for_are_refused():
    conn = limited_connection()
    for call in ("fts3_tokenizer('simple')", "fts3_tokenizer('x', x'00')", "load_extension('/tmp/x')"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(f"select {call}")
    assert tuple(conn.execute("select upper('ok'), instr('abc', 'c'), json_array(1)").fetchone()) == ("OK", 3, "[1]")


def test_a_result_too_large_for_a_page_is_an_error_message():
    conn = limited_connection()
    cells = sqlite_limits.MAX_RESULT_CELLS
    with pytest.raises(sqlite3.OperationalError, match="result is too large"):
        conn.execute("with recursive n(i) as (select 1 union all select i + 1 from n limit ?) "
                     "select i, i from n", [cells]).fetchall()
    assert len(conn.execute("with recursive n(i) as (select 1 union all select i + 1 from n limit 1000) "
                            "select * from n").fetchall()) == 1000


# ---- the URL's parameters ----------------------------------------------------------------

@pytest.mark.parametrize("query_string,expected", [
    ("_facet=a&_facet=a&_facet=b&_size=5", "_facet=a&_facet=b&_size=5"),
    ("_facet=a&_facet_array=a&_facet_date=d", "_facet=a&_facet_array=a&_facet_date=d"),
    ("_search=cannabis&_facet=a", "_search=cannabis&_facet=a"),
])
def test_repeated_facets_are_counted_once(query_string, expected):
    assert request_limits.bounded_query_string("/cautions/cautions", query_string.encode()).decode() == expected


@pytest.mark.parametrize("query_string,status", [
    ("&".join(f"_facet=c{i}" for i in range(6)), 400),
    ("&".join(f"p{i}=1" for i in range(101)), 400),
    ("&".join(["_col=a"] * 31), 400),
    ("_search=" + "x" * 501, 400),
    ("q=" + "x" * 17_000, 414),
])
def test_too_much_in_an_address_is_refused(query_string, status):
    with pytest.raises(request_limits.Refused) as refused:
        request_limits.bounded_query_string("/cautions/cautions", query_string.encode())
    assert refused.value.status == status


# ---- no host from the request -----------------------------------------------------------

HOSTILE_HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize("path", ["/", f"/cautions/{HEADLINE}", "/cautions/cautions?_size=2",
                                  "/cautions/cautions.json?_size=2", "/cautions?sql=select+1"])
def test_a_made_up_host_appears_nowhere_in_a_page_or_its_headers(site, path):
    url, _ = site
    for _ in range(2):  # the second from the headline page cache, if it keeps it
        status, headers, body, _ = get(url + path, headers=HOSTILE_HOST)
        assert status == 200
        assert "evil.example" not in body and "evil.example" not in str(headers)
    if path != "/" and "json" not in path:  # the home page (home_page_route.py) has no alternate
        assert headers["Link"].startswith("</cautions") and headers["Link"].endswith(
            '>; rel="alternate"; type="application/json+datasette"')


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["metadata", "environment"])
async def test_citations_use_the_configured_site_url(sample_db, monkeypatch, how):
    metadata = site_metadata()
    if how == "metadata":
        metadata.setdefault("plugins", {})["cautions-site"] = {"site_url": "https://cautions.example.org/"}
        monkeypatch.delenv("SITE_URL", raising=False)
    else:
        monkeypatch.setenv("SITE_URL", "https://cautions.example.org")
    ds = Datasette(immutables=[str(sample_db)], metadata=metadata,
                   template_dir=str(ROOT / "templates"), settings=serve_settings())
    page = (await ds.client.get("/", headers={"host": "evil.example"})).text
    assert f'<a href="https://cautions.example.org/cautions/{HEADLINE}">https://cautions.example.org/cautions/{HEADLINE}</a>' in page
    assert "evil.example" not in page
    headline = await ds.client.get(f"/cautions/{HEADLINE}")
    assert headline.headers["link"].startswith(f"<https://cautions.example.org/cautions/{HEADLINE}.json>")


@pytest.mark.asyncio
async def test_a_malformed_site_url_stops_the_server_at_startup(sample_db, monkeypatch):
    monkeypatch.setenv("SITE_URL", "javascript:alert(1)")
    ds = Datasette(immutables=[str(sample_db)], metadata=site_metadata())
    with pytest.raises(ValueError, match="not an http"):
        await ds.invoke_startup()


# ---- headers ---------------------------------------------------------------------------

def test_headers_on_every_kind_of_page(site):
    url, _ = site
    pages = {"/": False, f"/cautions/{HEADLINE}": True, "/cautions/search_cautions?q=cannabis": True,
             "/cautions/cautions": False, "/cautions": False}
    for path, framable in pages.items():
        status, headers, _, _ = get(url + path)
        assert status == 200 and headers["X-Content-Type-Options"] == "nosniff", path
        csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["base-uri"] == "'none'"
        assert "'unsafe-inline'" not in csp["script-src"] and "'sha256-" in csp["script-src"]
        assert csp["frame-ancestors"] == ("*" if framable else "'none'"), path
        assert headers.get("X-Frame-Options") == (None if framable else "DENY"), path
    status, headers, _, _ = get(url + f"/cautions/{HEADLINE}.json?_shape=array")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/-/threads", "/-/threads.json", "/-/databases", "/-/databases.json",
                                  "/-/allow-debug", "/-/permissions", "/-/messages"])
def test_debug_pages_that_show_the_server_are_not_public(site, path):
    url, _ = site
    status, _, body, _ = get(url + path)
    assert status == 404 and "/" not in body.replace("\n", "")
    assert get(url + "/-/versions.json")[0] == 200
