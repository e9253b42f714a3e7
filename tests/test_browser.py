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
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("the playwright package is not installed (pip install -r requirements.txt)")
    if not CHROMIUM.exists():
        no_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as e:  # noqa: BLE001 -- any launch failure means no browser
        playwright.stop()
        no_browser(f"chromium did not start: {e}")
    yield browser
    browser.close()
    playwright.stop()


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
    segments = chart.locator("svg rect.segment")
    assert segments.count() == len(breakdown)
    heights = [(segments.nth(i).bounding_box() or {}).get("height", 0) for i in range(segments.count())]
    assert [h > 0 for h in heights] == [r["cautions"] > 0 for r in breakdown]
    assert all(segments.nth(i).locator("title").count() == 1 for i in range(segments.count()))
    assert chart.locator("svg").bounding_box()["width"] > 300
    assert page.errors == []
    path = screenshot(page, f"query-{name}")
    if name == "rape_cautions" and UPDATE_DOCS:
        shutil.copyfile(path, DOCS / "screenshot-rape-cautions.png")


@pytest.mark.parametrize("name", EXPLORERS)
def test_each_explorer_query_opened_by_a_plain_link_draws_its_chart(page, site, name):
    """A link with no #fragment still opens on the query's datasette-vega chart, drawn with the
    settings in metadata.yml: the page puts them in the URL before datasette-vega reads it."""
    chart = fragment_settings(EXPLORERS[name]["fragment"])
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
    entry = (release.rows_entry().replace("title: Test release", f"title: '{title}'")
             .replace("source_url: https://example.org/foi", "source_url: 'javascript:window.__xss=3'"))
    release.write_manifest(entry)
    result = release.build()
    assert result.returncode == 0, result.stderr
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
