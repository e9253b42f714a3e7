"""The site in a real browser (Debian's chromium, driven by Playwright), served by the real serve
command (serve.sh): the charts draw, the home page tells the story, and nothing a release
contains can run as script.

Without chromium or Playwright these tests skip, saying why -- except when REQUIRE_BROWSER=1
(as CI sets it), when they fail instead. Screenshots go to tests/screenshots/; the home page and
one headline chart are copied to docs/ for the README when UPDATE_DOCS_SCREENSHOTS=1
(`make screenshots`), so an ordinary test run changes no tracked file.
"""
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import Release
from site_fixtures import ROOT, explorer_queries, fragment_settings, headline_queries, rows
from site_server import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "tests" / "screenshots"
DOCS = ROOT / "docs"
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"
HEADLINES = headline_queries()
EXPLORERS = explorer_queries()
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def no_browser(reason):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def chromium(extra_args=()):
    """Debian's chromium through Playwright, headless (a generator for a fixture to yield from):
    skipped without it, or failing when REQUIRE_BROWSER=1, as in CI."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("the playwright package is not installed (make venv installs it from requirements.lock)")
    if not CHROMIUM.exists():
        no_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + list(extra_args))
    except Exception as e:  # noqa: BLE001 -- any launch failure means no browser
        playwright.stop()
        no_browser(f"chromium did not start: {e}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def site(sample_db):
    """The shipped build, served by serve.sh on a free 127.0.0.1 port."""
    with served(sample_db) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("name", HEADLINES)
def test_each_headline_page_draws_its_chart(page, site, sample_db, name):
    """The figure's page shows the SVG chart of its breakdown, one visible bar segment per row
    that is not zero, with a tooltip on each."""
    breakdown = rows(sample_db, HEADLINES[name]["breakdown"])
    page.goto(f"{site}/cautions/{name}")
    chart = page.locator(".headline-chart")
    assert chart.get_attribute("data-rows") == str(len(breakdown))
    segments = chart.locator("svg.chart-wide rect.segment")  # the one drawn for a wide screen
    assert segments.count() == len(breakdown)
    heights = [(segments.nth(i).bounding_box() or {}).get("height", 0) for i in range(segments.count())]
    assert [h > 0 for h in heights] == [r["cautions"] > 0 for r in breakdown]
    assert all(segments.nth(i).locator("title").count() == 1 for i in range(segments.count()))
    assert chart.locator("svg.chart-wide").bounding_box()["width"] > 300
    assert not chart.locator("svg.chart-narrow").is_visible()
    # one chart per page: datasette-vega is not loaded here, so neither its chart nor its options
    assert page.locator("form.datasette-vega, .datasette-vega-inactive").count() == 0
    assert page.evaluate("[...document.scripts].some(s => s.src.includes('datasette-vega'))") is False
    assert page.errors == []
    path = screenshot(page, f"query-{name}")
    if name == "rape_cautions" and UPDATE_DOCS:
        shutil.copyfile(path, DOCS / "screenshot-rape-cautions.png")


@pytest.mark.parametrize("name", EXPLORERS)
def test_each_explorer_query_opened_by_a_plain_link_draws_its_chart(page, site, name):
    """A link with no #fragment still opens on the query's datasette-vega chart, drawn with the
    settings in metadata.yml: the page puts them in the URL before datasette-vega reads it."""
    chart = fragment_settings(EXPLORERS[name]["fragment"])
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if ".json" in request.url else None)
    page.goto(f"{site}/cautions/{name}")
    page.wait_for_selector("form.datasette-vega")
    drawn = page.wait_for_selector("form.datasette-vega + div canvas, form.datasette-vega + div svg.marks",
                                   state="attached", timeout=15_000)
    page.wait_for_function("""(el) => {
        if (el.tagName.toLowerCase() !== 'canvas') return el.querySelectorAll('path, rect').length > 0;
        const data = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
        }
        return coloured > 50;
    }""", arg=drawn, timeout=15_000)
    assert fragment_settings(page.url.split("#", 1)[1]) == chart
    assert page.locator(f'form.datasette-vega input[name="mark"][value="{chart["mark"]}"]').is_checked()
    assert page.locator('form.datasette-vega select[name="x_column"]').input_value() == chart["x_column"]
    assert page.locator('form.datasette-vega select[name="y_column"]').input_value() == chart["y_column"]
    assert len(fetched) == 1, fetched  # the chart draws from the rows datasette-vega fetched for its columns
    assert page.errors == []
    screenshot(page, f"explorer-{name}")


def test_the_home_page_shows_every_figure_and_the_sample_banner(page, site, sample_db):
    """The home page, as a reader sees it: the red sample banner at the top, every published
    sentence with its value, each marked as matching the data."""
    page.goto(site + "/")
    banner = page.locator("#sample-banner")
    assert banner.is_visible()
    assert "the rows are a sample" in banner.inner_text()
    assert banner.bounding_box()["y"] < 150  # at the top, not below the fold
    text = " ".join(page.locator("body").inner_text().split())
    for name, query in HEADLINES.items():
        for published in query["published"]:
            assert published["sentence"] in text
            assert f"{published['value']:,}" in page.locator(f"#figure-{name} .figure-values").inner_text()
    figures = rows(sample_db, "select sum(status = 'matches') as matching, sum(status = 'as published') as "
                              "as_published, sum(recomputed) as recomputed from headline_figures")[0]
    assert page.locator(".check-matches").count() == figures["matching"] == figures["recomputed"]
    assert text.count("as published, not recomputed") == figures["as_published"] == 1  # Buckinghamshire
    assert page.locator(".check-differs").count() == 0
    assert page.errors == []
    screenshot(page, "home")
    if UPDATE_DOCS:  # for the README: the first screens, not the whole long page
        page.screenshot(path=str(DOCS / "screenshot-home.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 1400})


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A release whose offence description and title are HTML and script, and whose source
    link is a javascript: URL, built and served."""
    release = Release(tmp_path_factory.mktemp("hostile"))
    description = XSS.replace('"', '""')
    release.write_csv(f"""
        Crime Reference,HO Offence Code,Offence Description,Outcome,Outcome Date,Offender Age Group
        TV1,046,"{description}",Adult simple caution,01/05/2015,18 and over
        TV2,092/70,Possession with intent to supply cocaine,Youth caution,02/06/2016,10-17
    """)
    title = XSS.replace("'", "''")
    entry = release.rows_entry().replace("title: Test release", f"title: '{title}'")
    release.write_manifest(entry)
    release.write_manifest(entry.replace("source_url: https://example.org/foi", "source_url: 'javascript:window.__xss=3'"))
    refused = release.build()
    assert refused.returncode == 1 and "is not a web address" in refused.stderr  # the build refuses it...
    release.write_manifest(entry)
    result = release.build()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(release.output) as conn:  # ...and the site never links one, whatever made the database
        conn.execute("update releases set source_url = 'javascript:window.__xss=3'")
    assert release.query("select offence_description from cautions where crime_reference = 'TV1'")[0][
        "offence_description"] == XSS
    with served(release.output) as url:
        yield url


@pytest.mark.parametrize("path", ["/cautions/cautions", "/cautions/cautions/1", "/cautions/releases", "/"])
def test_html_or_script_in_a_release_is_shown_as_text_and_never_runs(page, hostile_site, path):
    """An offence description (or release title) such as <script>...</script><img onerror=...>
    is printed as those characters, on the table, row, releases and home pages, and never runs;
    a javascript: source link is never made a link."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_site + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # time for a broken <img> to fire onerror, were it ever a real element
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    assert XSS in page.locator("body").inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0  # a release's source_url is never a script link
    screenshot(page, "hostile-" + (path.strip("/").replace("/", "-") or "home"))


# ---- what readers see: accessibility, phones, downloads, search, errors (issue 13) -----------

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # axe-core 4.14.1 from npm, MPL-2.0
WIDTHS = [1280, 390]
READER_PAGES = {
    "home": "/",
    **{name: f"/cautions/{name}" for name in HEADLINES},
    "explorer-query": "/cautions/foi_and_home_office_by_financial_year",
    "table": "/cautions/cautions",
    "search-results": "/cautions/cautions?_search=cannabis",
    "row": "/cautions/cautions/1",
    "sql-editor": "/cautions?sql=select+id%2C+title+from+releases",
    "not-found": "/cautions/rape_cautionz",
}


def open_at(browser, width, url):
    """A page at a viewport `width` wide, loaded, with its console messages kept. The page's
    Content-Security-Policy is set aside here so that axe can be injected (test_browser_csp.py
    checks the policy itself, in a browser that keeps it)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.console = []
    page.on("console", lambda message: page.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: page.console.append(("pageerror", str(error))))
    page.goto(url)  # waits for "load": every script and stylesheet of these pages has run by then
    return context, page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", READER_PAGES)
def test_axe_finds_no_violation_and_nothing_scrolls_sideways(browser, site, name, width):
    """axe-core finds no violation of any impact (WCAG 2.1 AA and best practice), at a desktop
    width and a phone's; the page is no wider than the screen; the console has no warning or
    error (but the 404 page's own status)."""
    context, page = open_at(browser, width, site + READER_PAGES[name])
    try:
        if name == "explorer-query":
            page.wait_for_selector("form.datasette-vega + div canvas", state="attached", timeout=15_000)
        page.add_script_tag(content=AXE.read_text())
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
        assert violations == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expected = [("error", "Failed to load resource: the server responded with a status of 404 (Not Found)")]
        assert [m for m in page.console if m[0] in ("warning", "error", "pageerror") and
                not (name == "not-found" and m in expected)] == []
    finally:
        context.close()


@pytest.mark.parametrize("name", HEADLINES)
def test_on_a_phone_the_chart_fits_and_its_text_is_at_least_11px(browser, site, name):
    """At 390 px the chart drawn for a phone is shown, fits the screen, and every word in it (axis,
    labels, totals, the legend) is at least 11 CSS px; the legend wraps inside the screen."""
    context, page = open_at(browser, 390, f"{site}/cautions/{name}")
    try:
        svg = page.locator(".headline-chart svg.chart-narrow")
        assert svg.is_visible() and not page.locator(".headline-chart svg.chart-wide").is_visible()
        assert svg.bounding_box()["x"] >= 0 and svg.bounding_box()["x"] + svg.bounding_box()["width"] <= 390
        sizes = page.evaluate("""() => {
            const svg = document.querySelector('.headline-chart svg.chart-narrow');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const inSvg = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
                .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
            const legend = [...document.querySelectorAll('.chart-legend li')]
                .map(li => [parseFloat(getComputedStyle(li).fontSize), li.getBoundingClientRect().right]);
            return {inSvg, legend};
        }""")
        assert sizes["inSvg"] and min(sizes["inSvg"]) >= 11
        assert all(size >= 11 and right <= 390 for size, right in sizes["legend"])
    finally:
        context.close()


def test_the_same_category_has_the_same_colour_on_every_chart(browser, site):
    """"Adult simple caution" is one colour on every headline chart and on an explorer chart's
    key, the colour metadata.yml gives it."""
    from site_fixtures import site_metadata
    declared = site_metadata()["plugins"]["category-colours"]["caution_type"]["Adult simple caution"]
    seen = set()
    context, page = open_at(browser, 1280, f"{site}/cautions/rape_cautions")
    try:
        for name in ("rape_cautions", "total_cautions", "sexual_assault_cautions"):
            page.goto(f"{site}/cautions/{name}")
            seen |= set(page.evaluate("""() => [...document.querySelectorAll('svg.chart-wide rect.segment')]
                .filter(r => r.querySelector('title').textContent.includes('Adult simple caution'))
                .map(r => r.getAttribute('fill').toUpperCase())"""))
        page.goto(f"{site}/cautions/search_cautions?q=assault")
        scale = page.evaluate("""async () => {
            for (let i = 0; i < 100 && !window.siteVega; i++) await new Promise(r => setTimeout(r, 50));
            return window.siteVega.colour('caution_type').scale;
        }""")
        seen.add(scale["range"][scale["domain"].index("Adult simple caution")].upper())
    finally:
        context.close()
    assert seen == {declared.upper()}


def get(url):
    """(status, headers, body) of a GET, errors included."""
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.parametrize("path, filename", [
    ("/cautions/rape_cautions_rows.csv?_stream=on&_dl=1", "rape_cautions_rows.csv"),
    ("/cautions/rape_cautions.csv?_dl=1", "rape_cautions.csv"),
    ("/cautions/class_a_supply_by_drug.csv?_dl=1", "class_a_supply_by_drug.csv"),
    ("/cautions/cautions.csv?_search=cannabis&_dl=1", "cautions.csv"),
    ("/cautions/rape_cautions.csv", None),
])
def test_csv_is_text_csv_and_download_links_save_a_named_file(site, path, filename):
    """On the real server: CSV is text/csv; a download link's response is an attachment named for
    its query or figure; and it may be cached for a day."""
    status, headers, body = get(site + path)
    assert status == 200 and body
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    if filename:
        assert headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    else:
        assert headers["Content-Disposition"] is None
    assert headers["Cache-Control"] == "max-age=86400"


def test_the_site_links_its_csv_as_downloads(site):
    """The home page's and each figure page's CSV links ask for the attachment (?_dl=1)."""
    home = get(site + "/")[2].decode()
    figure = get(site + "/cautions/rape_cautions")[2].decode()
    assert 'href="/cautions/rape_cautions.csv?_dl=1" download' in home
    assert 'href="/cautions/rape_cautions_rows.csv?_stream=on&amp;_dl=1" download' in home
    assert 'href="/cautions/rape_cautions_rows.csv?_stream=on&amp;_dl=1" download' in figure


@pytest.mark.parametrize("path, cache_control", [
    ("/cautions.db", "max-age=86400"), ("/", "max-age=86400"), ("/cautions/rape_cautions", "max-age=86400"),
    ("/cautions/rape_cautions.json", "max-age=86400"), ("/cautions/cautions?_search=%22", "max-age=86400"),
    ("/static/site.css", "max-age=86400"), ("/cautions/no_such_thing", "max-age=86400"),
    ("/cautions?sql=select+nonsense", "no-store"),
])
def test_every_response_says_how_long_it_may_be_cached(site, path, cache_control):
    status, headers, _ = get(site + path)
    assert headers["Cache-Control"] == cache_control, (path, status)


def test_a_query_past_the_time_limit_says_so_in_plain_words(site):
    """A query stopped by the 1.5 s limit: a page saying it took too long and how to narrow it, not
    a pointer to Datasette's sql_time_limit_ms setting; never cached."""
    sql = "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"
    import urllib.parse
    status, headers, body = get(site + "/cautions?" + urllib.parse.urlencode({"sql": sql}))
    page = body.decode()
    assert status == 400 and "This query took too long" in page and "To narrow it" in page
    assert "sql_time_limit_ms" not in page and 'id="sample-banner"' in page
    assert headers["Cache-Control"] == "no-store"


def test_a_mistyped_figure_suggests_the_closest_and_keeps_the_way_home(site):
    status, _, body = get(site + "/cautions/rape_cautionz")
    page = body.decode()
    assert status == 404 and "<header>" in page and 'href="/"' in page
    assert 'Did you mean <a href="/cautions/rape_cautions">Cautions for rape</a>?' in page
    for name, query in HEADLINES.items():
        assert f'<a href="/cautions/{name}">{escape(query["title"])}</a>' in page


def first_crime_reference(sample_db):
    return rows(sample_db, "select crime_reference from cautions order by id limit 1")[0]["crime_reference"]


SEARCHES = ['"', "-", "'", "shop", "cannab", "o'brien", "ex-partner", '"intent to supply"', "Intent To Supp",
            "zzzz", "CRIME_REFERENCE"]


@pytest.mark.parametrize("text", SEARCHES)
def test_every_search_gives_results_or_a_plain_message(site, sample_db, text):
    """Typed into the cautions table's box, or into search_cautions: a page (never an error) with
    rows, or a sentence saying why there are none; a crime reference finds its crime."""
    import urllib.parse
    if text == "CRIME_REFERENCE":
        text = first_crime_reference(sample_db).lower()
    for path in ("/cautions/cautions?" + urllib.parse.urlencode({"_search": text}),
                 "/cautions/search_cautions?" + urllib.parse.urlencode({"q": text})):
        status, _, body = get(site + path)
        page = body.decode()
        assert status == 200, (path, page[:500])
        has_rows = '<table class="rows-and-columns">' in page
        assert has_rows or 'class="zero-results-help"' in page, path
    table = get(site + "/cautions/cautions.json?_shape=array&" + urllib.parse.urlencode({"_search": text}))[2]
    import json
    found = json.loads(table)
    if text in ("shop", "cannab", "Intent To Supp"):
        assert found and all(text.lower() in r["offence_description"].lower() for r in found)
    if text == first_crime_reference(sample_db).lower():
        assert [r["crime_reference"] for r in found] == [first_crime_reference(sample_db)]


def test_the_search_box_says_what_it_covers(site):
    page = get(site + "/cautions/cautions")[2].decode()
    assert '<label for="_search">Search offence descriptions:</label>' in page
    assert "part words (shop finds shoplifting)" in page and "A crime reference finds its crime" in page


@pytest.mark.parametrize("name, typed, meant", [
    ("cautions_by_month", {"offence_group": "drug offences"}, {"offence_group": "Drug offences"}),
    ("cautions_by_month", {"offence_group": "  DRUG OFFENCES "}, {"offence_group": "Drug offences"}),
    ("cautions_by_offence_group", {"financial_year": "2016-17"}, {"financial_year": "2016/17"}),
])
def test_explorer_parameters_take_any_case_and_either_year_form(site, name, typed, meant):
    import json
    import urllib.parse
    got = json.loads(get(f"{site}/cautions/{name}.json?_shape=array&" + urllib.parse.urlencode(typed))[2])
    want = json.loads(get(f"{site}/cautions/{name}.json?_shape=array&" + urllib.parse.urlencode(meant))[2])
    assert got == want and len(want) > 1


def test_a_query_with_no_rows_lists_the_values_that_exist(site):
    page = get(site + "/cautions/cautions_by_offence_group?financial_year=1999")[2].decode()
    assert "There are no rows for financial year &ldquo;1999&rdquo;" in page
    assert "<code>2015/16</code>, <code>2016/17</code>" in page
