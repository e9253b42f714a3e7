"""The site's promises, page by page, checked in Datasette's test client against the shipped build.

Every expected figure comes from metadata.yml (`published:`) or from the build's own
headline_figures table: no figure is typed into these tests.
"""
import csv
import hashlib
import html
import importlib.util
import io
import re
import urllib.parse

import pytest
from datasette.app import Datasette
from markupsafe import escape

from conftest import GOOD_ROWS, HEADER

from site_fixtures import (ROOT, canned_queries, explorer_queries, fragment_settings, headline_queries,
                           rows, serve_settings, site_client, site_metadata)  # noqa: F401 (fixture)

HEADLINES = headline_queries()


def checked_mark(sample_db, name):
    """What a checked figure of this query says: 'matches' when recomputed from rows, 'as published,
    not recomputed' when its query reads only a published total (the build decides which)."""
    status = {r["status"] for r in rows(sample_db, "select status from headline_figures where query = ?", [name])}
    return "as published, not recomputed" if status == {"as published"} else "check-matches"


EXPLORERS = explorer_queries()
TABLE_METADATA = site_metadata()["databases"]["cautions"]["tables"]["cautions"]


def expected_rows(query):
    """The rows a headline query must return: [{"cautions": value}] for a single figure; one row
    per published label (its label column, then cautions) for a figure in several parts."""
    published = query["published"]
    if len(published) == 1 and not published[0].get("label"):
        return [{"cautions": published[0]["value"]}]
    return [{"label": p["label"], "cautions": p["value"]} for p in published]


def as_expected(result_rows):
    """Result rows in the shape of expected_rows(): the non-cautions column becomes "label"."""
    shaped = []
    for row in result_rows:
        labels = [v for k, v in row.items() if k != "cautions"]
        shaped.append({"cautions": int(row["cautions"]), **({"label": labels[0]} if labels else {})})
    return shaped


def figure_total(query):
    return sum(p["value"] for p in query["published"])


def breakdown_total(name):
    """What a headline query's breakdown adds up to: its figure. The Buckinghamshire figure was
    published without its crimes, so its chart sets it beside the rest of the force, and adds up
    to the force's total."""
    if name == "buckinghamshire_cautions":
        return figure_total(HEADLINES["total_cautions"])
    return figure_total(HEADLINES[name])


def meta_content(page, attribute, name):
    m = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', page)
    return html.unescape(m.group(1)) if m else None


# ---- each headline figure, in every format ----------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("name", HEADLINES)
async def test_each_headline_query_gives_the_published_figure_as_json(site_client, name):
    """/cautions/<query>.json?_shape=array returns exactly the published figure: one row
    {"cautions": value}, or one row per labelled part (cocaine, crack, other Class A)."""
    response = await site_client.get(f"/cautions/{name}.json?_shape=array")
    assert response.status_code == 200
    assert as_expected(response.json()) == expected_rows(HEADLINES[name])


@pytest.mark.asyncio
@pytest.mark.parametrize("name", HEADLINES)
async def test_each_headline_query_gives_the_published_figure_as_csv(site_client, name):
    """The same figure downloads as CSV, with a header row."""
    response = await site_client.get(f"/cautions/{name}.csv")
    assert response.status_code == 200
    assert "text/plain" in response.headers["content-type"] or "csv" in response.headers["content-type"]
    assert as_expected(list(csv.DictReader(io.StringIO(response.text)))) == expected_rows(HEADLINES[name])


@pytest.mark.asyncio
@pytest.mark.parametrize("name", HEADLINES)
async def test_the_site_shows_the_same_figure_the_build_checked(site_client, sample_db, name):
    """What the site serves for a query is what the build wrote in headline_figures, and the
    build found it equal to the published value."""
    checked = rows(sample_db, "select label, published_value, computed_value, matches from headline_figures "
                              "where query = ? order by rowid", [name])
    assert [c["published_value"] for c in checked] == [p["value"] for p in HEADLINES[name]["published"]]
    assert all(c["matches"] == 1 for c in checked)
    served = as_expected((await site_client.get(f"/cautions/{name}.json?_shape=array")).json())
    assert [r["cautions"] for r in served] == [c["computed_value"] for c in checked]


@pytest.mark.asyncio
@pytest.mark.parametrize("name", [n for n, q in HEADLINES.items() if q.get("rows_view")])
async def test_the_crimes_behind_each_figure_download_in_full_as_streamed_csv(site_client, name):
    """<query>_rows.csv?_stream=on has one row per crime behind the figure -- all of them, even
    past the 1,000-row page limit (a canned query's own CSV cannot stream: Datasette issue 526)."""
    response = await site_client.get(f"/cautions/{name}_rows.csv?_stream=on")
    assert response.status_code == 200
    crimes = list(csv.DictReader(io.StringIO(response.text)))
    assert len(crimes) == figure_total(HEADLINES[name])
    assert crimes and "crime_reference" in crimes[0]
    count = (await site_client.get(f"/cautions/{name}_rows.json?_size=1")).json()["filtered_table_rows_count"]
    assert count == figure_total(HEADLINES[name])


@pytest.mark.asyncio
@pytest.mark.parametrize("name", [n for n, q in HEADLINES.items() if q.get("breakdown")])
async def test_each_breakdown_adds_up_to_its_figure(site_client, name):
    """The breakdown drawn as the page's chart, run on the site, adds up to the published figure
    (Buckinghamshire's: the figure, then the rest of the force)."""
    sql = HEADLINES[name]["breakdown"]
    response = await site_client.get("/cautions.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))
    assert response.status_code == 200
    parts = response.json()
    assert len(parts) >= 2
    assert sum(r["cautions"] for r in parts) == breakdown_total(name)
    if name == "buckinghamshire_cautions":
        assert parts[0]["cautions"] == figure_total(HEADLINES[name])


# ---- the headline query pages -----------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("name", HEADLINES)
async def test_each_headline_page_shows_the_figure_the_sentence_and_a_chart_that_adds_up(site_client, sample_db, name):
    """The page shows the figure large, each published sentence with its value and source link and
    whether it matches, and an SVG chart with one bar segment per breakdown row, summing to the figure."""
    query = HEADLINES[name]
    page = (await site_client.get(f"/cautions/{name}")).text
    headline = page[page.index('id="headline"'):page.index('<form class="sql"')]
    for published in query["published"]:
        assert f'<span class="figure-number">{published["value"]:,}</span>' in headline
        assert str(escape(published["sentence"])) in headline
    assert headline.count(checked_mark(sample_db, name)) == len(query["published"]) and "DIFFERS" not in headline
    assert 'href="https://' in headline  # the source of the sentence
    breakdown = rows(sample_db, query["breakdown"])
    chart = re.search(r'<figure class="headline-chart" data-rows="(\d+)">(.*?)</figure>', headline, re.S)
    assert chart and int(chart.group(1)) == len(breakdown)
    # drawn twice, for a wide screen and for a phone (static/site.css shows one); count one
    assert chart.group(2).count('class="chart-wide"') == 1 and chart.group(2).count('class="chart-narrow"') == 1
    svg = chart.group(2)[chart.group(2).index('class="chart-wide"'):chart.group(2).index('class="chart-narrow"')]
    assert re.search(r'<svg[^>]* role="img"[^>]* aria-labelledby="[^"]+"', chart.group(2))
    assert "<title id=" in svg and "<desc id=" in svg
    segments = re.findall(r'<rect class="segment"[^>]*data-value="(\d+)"><title>[^<]+</title></rect>', svg)
    assert len(segments) == len(breakdown)
    assert sum(map(int, segments)) == breakdown_total(name)


@pytest.mark.asyncio
@pytest.mark.parametrize("name", [n for n, q in HEADLINES.items() if q.get("rows_view")])
async def test_each_headline_page_offers_all_the_crimes_behind_it_as_csv(site_client, name):
    """'Download all N crimes behind this figure as CSV' links the streamed view, and says why."""
    page = (await site_client.get(f"/cautions/{name}")).text
    count = figure_total(HEADLINES[name])
    assert re.search(rf'<a href="/cautions/{name}_rows\.csv\?_stream=on&amp;_dl=1" download>Download (all|the) {count:,} crimes? behind', page)
    assert "https://github.com/simonw/datasette/issues/526" in page


@pytest.mark.asyncio
async def test_a_chart_that_cannot_be_drawn_says_why_and_is_tried_again_next_time(sample_db, tmp_path):
    """A breakdown that fails (its table missing, or stopped by the time limit under load) shows
    the reason on the page; it is not remembered, so the next request draws the chart."""
    import shutil
    import sqlite3
    db_path = tmp_path / "cautions.db"
    shutil.copy(sample_db, db_path)
    metadata = site_metadata()
    rape = metadata["databases"]["cautions"]["queries"]["rape_cautions"]
    rape["breakdown"] = "select financial_year, caution_type, cautions from rape_breakdown_arriving_later"
    client = Datasette([str(db_path)], metadata=metadata,
                       template_dir=str(ROOT / "templates"), settings=serve_settings()).client
    first = (await client.get("/cautions/rape_cautions")).text
    assert "cannot be drawn from this database" in first and "rape_breakdown_arriving_later" in first
    assert '<figure class="headline-chart"' not in first
    with sqlite3.connect(db_path) as conn:
        conn.execute("create table rape_breakdown_arriving_later as select financial_year, caution_type, "
                     "count(*) as cautions from rape_cautions_rows group by 1, 2")
    second = (await client.get("/cautions/rape_cautions")).text
    assert "cannot be drawn" not in second and '<figure class="headline-chart"' in second


def test_chart_labels_from_the_data_are_escaped():
    """A label in the data that looks like HTML is drawn as text inside the SVG, never as markup."""
    spec = importlib.util.spec_from_file_location("headline_chart_under_test", ROOT / "plugins" / "headline_chart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    svg = str(module.stacked_bars(["year", "kind", "cautions"], [
        {"year": evil, "kind": evil, "cautions": 3}, {"year": "2016/17", "kind": "b", "cautions": 2}]))
    assert "<script>" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg
    assert svg.count('<rect class="segment"') == 2


# ---- every canned query page: a real title and link preview -------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("name", canned_queries())
async def test_each_query_page_title_is_the_query_title_not_its_sql(site_client, name):
    """The browser tab and a shared link show the query's title, not its SQL (Datasette issue 1790)."""
    query = canned_queries()[name]
    page = (await site_client.get(f"/cautions/{name}")).text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
    assert html.unescape(title) == query["title"]
    assert "select" not in title.lower()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", canned_queries())
async def test_each_query_page_has_a_description_and_link_preview(site_client, name):
    """<meta name="description">, og:title and og:description, so a link pasted into a chat or
    a social network previews with the query's title and what it shows."""
    query = canned_queries()[name]
    page = (await site_client.get(f"/cautions/{name}")).text
    og_title = html.unescape(meta_content(page, "property", "og:title"))
    if query.get("published"):  # a figure's preview gives the figure in words
        assert og_title.startswith(query["title"] + ": ")
        assert all(f"{p['value']:,}" in og_title for p in query["published"]), og_title
    else:
        assert og_title == query["title"]
    description = meta_content(page, "name", "description")
    assert description and meta_content(page, "property", "og:description") == description
    for published in query.get("published") or []:
        assert published["sentence"] in description


# ---- the explorer queries ---------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("name", EXPLORERS)
async def test_each_explorer_query_gives_a_chart_worth_of_rows_with_blank_parameters(site_client, name):
    """With every parameter blank, as a plain link opens it, each explorer query returns at least
    two rows (datasette-vega draws nothing from fewer), holding every column its chart names."""
    query = EXPLORERS[name]
    params = re.findall(r"(?<!:):(\w+)", query["sql"])
    url = f"/cautions/{name}.json?" + urllib.parse.urlencode({"_shape": "array", **{p: "" for p in params}})
    response = await site_client.get(url)
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result) >= 2
    assert query.get("fragment"), f"{name} has no `fragment:` chart in metadata.yml"
    chart = fragment_settings(query["fragment"])
    for key in ("x_column", "y_column", "color_column", "size_column"):
        if chart.get(key):
            assert chart[key] in result[0], f"{name}: the chart's {key} {chart[key]!r} is not in its result"


@pytest.mark.asyncio
@pytest.mark.parametrize("name", EXPLORERS)
async def test_each_explorer_page_sets_its_chart_when_opened_without_a_fragment(site_client, name):
    """The page carries the script that puts the query's chart settings in the URL when a visitor
    arrives by a plain link (the browser test checks the chart is then drawn)."""
    page = (await site_client.get(f"/cautions/{name}")).text
    fragment = EXPLORERS[name]["fragment"]
    assert "history.replaceState" in page
    assert f'"{fragment}"'.replace("&", "\\u0026") in page



@pytest.mark.asyncio
async def test_datasette_vega_is_loaded_only_on_the_pages_that_draw_its_chart(site_client):
    """Its script is 947 KB: only an explorer query's page (a `fragment:` chart) loads it and its
    stylesheet; the home, database, table, search, row and headline pages do not (issue 21)."""
    drawing = [f"/cautions/{name}" for name in EXPLORERS]
    not_drawing = ["/", "/cautions", "/cautions/cautions", "/cautions/cautions?_search=cannabis",
                   "/cautions/offence_codes", *(f"/cautions/{name}" for name in HEADLINES)]
    for path in drawing + not_drawing:
        page = (await site_client.get(path)).text
        scripts = re.findall(r'<script src="[^"]*datasette-vega[^"]*"', page)
        styles = re.findall(r'<link rel="stylesheet" href="[^"]*datasette_vega[^"]*"', page)
        assert (len(scripts), len(styles)) == ((1, 1) if path in drawing else (0, 0)), path

# ---- the home page ----------------------------------------------------------------------

@pytest.mark.asyncio
async def test_home_page_tells_every_published_figure_with_its_links(site_client, sample_db):
    """The home page has every published sentence and value, whether it matches, and for each
    query links to its page, JSON, CSV and (where there is one) all the crimes behind it."""
    page = (await site_client.get("/")).text
    for name, query in HEADLINES.items():
        section = page[page.index(f'id="figure-{name}"'):]
        section = section[:section.index("</li>")]
        for published in query["published"]:
            assert str(escape(published["sentence"])) in section
            assert f'<span class="figure-number">{published["value"]:,}</span>' in section
        assert section.count(checked_mark(sample_db, name)) == len(query["published"])
        assert f'href="/cautions/{name}"' in section
        assert f'href="/cautions/{name}.json?_shape=array"' in section
        assert f'href="/cautions/{name}.csv?_dl=1"' in section
        if query.get("rows_view"):
            assert f'href="/cautions/{name}_rows.csv?_stream=on&amp;_dl=1"' in section


@pytest.mark.asyncio
async def test_home_page_says_how_to_cite_each_figure(site_client, sample_db):
    """Each figure's citation gives the query's URL (relative here, with no site URL configured:
    tests/test_hardening.py checks a configured one), the database's sha256 (the file served),
    its build date, and the FOI reference of the release the figure comes from."""
    sha256 = hashlib.sha256(sample_db.read_bytes()).hexdigest()
    page = (await site_client.get("/")).text
    references = {r["foi_reference"] for r in rows(sample_db, "select foi_reference from releases")}
    for name in HEADLINES:
        section = page[page.index(f'id="figure-{name}"'):]
        cite = section[section.index('class="cite"'):section.index("</li>")]
        assert f'<a href="/cautions/{name}">/cautions/{name}</a>' in cite
        assert "localhost" not in cite
        assert sha256 in cite
        assert re.search(r"built \d{4}-\d\d-\d\d", cite)
        assert any(str(escape(ref)) in cite for ref in references), f"{name}: no FOI reference"


@pytest.mark.asyncio
async def test_home_page_lists_every_release_with_its_source_and_licence(site_client, sample_db):
    """Where the data comes from: every release's title, source link and licence."""
    page = (await site_client.get("/")).text
    for release in rows(sample_db, "select title, source_url, licence from releases"):
        assert str(escape(release["title"])) in page
        assert f'href="{escape(release["source_url"])}"' in page
        assert str(escape(release["licence"])) in page
    for release in rows(sample_db, "select earliest_date, latest_date from releases where kind = 'rows'"):
        assert f"Dated {release['earliest_date']} to {release['latest_date']}" in page  # the dates the rows cover


@pytest.mark.asyncio
async def test_home_page_links_the_explorer_queries_tables_and_download(site_client):
    """The home page leads on to every explorer query, the main tables and the database download."""
    page = (await site_client.get("/")).text
    for name in EXPLORERS:
        assert f'href="/cautions/{name}"' in page
    for table in ("cautions", "releases", "offence_codes", "headline_figures"):
        assert f'href="/cautions/{table}"' in page
    assert 'href="/cautions.db"' in page


# ---- the sample banner ------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/cautions", "/cautions/cautions", "/cautions/cautions/1",
                                  "/cautions/releases", "/cautions/rape_cautions", "/cautions/search_cautions",
                                  "/cautions/no_such_table"])
async def test_every_page_says_the_rows_are_a_sample(site_client, sample_db, path):
    """While a release in the build is a sample, every page -- home, database, table, row, query,
    even an error page -- opens with the banner, in the HTML itself (no JavaScript needed)."""
    assert rows(sample_db, "select count(*) as n from releases where is_sample = 1")[0]["n"] > 0
    page = (await site_client.get(path)).text
    banner = re.search(r'<p id="sample-banner"[^>]*>(.*?)</p>', page, re.S)
    assert banner, f"no sample banner on {path}"
    assert ("Sample data: the published figures are real; the rows are a sample shaped like the release, "
            "not the force's data.") in html.unescape(" ".join(banner.group(1).split()))


@pytest.mark.asyncio
async def test_a_build_with_no_sample_release_has_no_banner(release):
    """The banner is there because a release is a sample, not always: a build of releases that
    are all real carries none."""
    release.write_csv("\n".join([HEADER, *GOOD_ROWS]) + "\n")
    release.write_manifest(release.rows_entry().replace("is_sample: true", "is_sample: false"))
    assert release.build().returncode == 0
    assert release.query("select count(*) as n from releases where is_sample = 1")[0]["n"] == 0
    client = Datasette([str(release.output)], metadata=site_metadata(),
                       template_dir=str(ROOT / "templates")).client
    for path in ("/", "/cautions/cautions", "/cautions/rape_cautions"):
        response = await client.get(path)
        assert response.status_code == 200
        assert 'id="sample-banner"' not in response.text


# ---- search, facets, columns, sort --------------------------------------------------------

@pytest.mark.asyncio
async def test_searching_the_cautions_table_finds_matching_crimes(site_client):
    """?_search=assault on the cautions table finds crimes whose offence mentions assault."""
    data = (await site_client.get("/cautions/cautions.json?_search=assault&_shape=objects")).json()
    assert data["filtered_table_rows_count"] > 0
    assert all("assault" in (r["offence_description"] + r["offence_code_as_given"]).lower() for r in data["rows"])
    page = (await site_client.get("/cautions/cautions")).text
    assert 'name="_search"' in page


@pytest.mark.asyncio
@pytest.mark.parametrize("column", ["offence_description", "description"])
async def test_searching_one_column_finds_the_same_crimes_as_searching(site_client, column):
    """?_search_<column>=rape finds the rape crimes, as ?_search=rape does (Datasette's column search
    would otherwise match the index of descriptions against the crimes' own ids)."""
    searched = (await site_client.get("/cautions/cautions.json?_search=rape&_shape=objects")).json()
    by_column = (await site_client.get(f"/cautions/cautions.json?_search_{column}=rape&_shape=objects")).json()
    assert by_column["filtered_table_rows_count"] == searched["filtered_table_rows_count"] > 0
    assert [r["id"] for r in by_column["rows"]] == [r["id"] for r in searched["rows"]]
    assert all("rape" in r["offence_description"].lower() for r in by_column["rows"])


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ["assault", "cannabis", '"intent to supply"'])
async def test_the_search_chart_counts_the_crimes_the_table_search_finds(site_client, q):
    """search_cautions?q= (by year and type) adds up to what ?_search= on the cautions table finds."""
    encoded = urllib.parse.quote(q)
    chart = (await site_client.get(f"/cautions/search_cautions.json?q={encoded}&_shape=array")).json()
    (story,) = (await site_client.get("/cautions/story_releases.json?_shape=array")).json()  # not a round robin's other replies
    table = (await site_client.get(f"/cautions/cautions.json?_search={encoded}&_size=1&release_id={story['release_id']}")).json()
    assert table["filtered_table_rows_count"] > 0
    assert sum(row["cautions"] for row in chart) == table["filtered_table_rows_count"]


@pytest.mark.asyncio
async def test_the_cautions_table_links_to_its_facets(site_client):
    """The table page links to counts by offence group, caution type, year and release
    (Datasette facets), each with values to filter by."""
    page = (await site_client.get("/cautions/cautions")).text
    link = re.search(r'href="(\?_facet=[^"]+)"', page).group(1).replace("&amp;", "&")
    facets = [f.split("=")[1] for f in link.lstrip("?").split("&")]
    assert facets == ["offence_group", "caution_type", "financial_year", "release_id"]
    data = (await site_client.get(f"/cautions/cautions.json{link}&_size=0")).json()
    for facet in facets:
        assert data["facet_results"][facet]["results"], f"facet {facet} is empty"


@pytest.mark.asyncio
async def test_the_cautions_table_describes_its_columns(site_client):
    """Every column's description from metadata.yml is shown on the table page."""
    page = (await site_client.get("/cautions/cautions")).text
    assert '<dl class="column-descriptions">' in page
    for column, description in TABLE_METADATA["columns"].items():
        assert f"<dt>{column}</dt><dd>{escape(description)}</dd>" in page


@pytest.mark.asyncio
async def test_the_cautions_table_lists_crimes_in_the_order_of_the_release(site_client):
    """Opened with no sort chosen, rows follow the release file (source_line), so each can be
    found in what the force sent; the page links to the newest first."""
    data = (await site_client.get("/cautions/cautions.json?_size=50&_shape=objects")).json()
    lines = [r["source_line"] for r in data["rows"]]
    assert lines == sorted(lines)
    page = (await site_client.get("/cautions/cautions")).text
    assert 'href="?_sort_desc=outcome_date"' in page
    newest = (await site_client.get("/cautions/cautions.json?_sort_desc=outcome_date&_size=50&_shape=objects")).json()
    dates = [r["outcome_date"] for r in newest["rows"]]
    assert dates == sorted(dates, reverse=True)


# ---- serving: CORS, settings, download ----------------------------------------------------

@pytest.mark.asyncio
async def test_json_can_be_fetched_from_any_website(site_client):
    """CORS: another site's JavaScript can fetch the figures."""
    response = await site_client.get("/cautions/rape_cautions.json?_shape=array")
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.asyncio
async def test_the_settings_of_serve_sh_are_in_force(site_client):
    """The settings serve.sh gives the real server (time limit, row limit, cache, download)."""
    settings = (await site_client.get("/-/settings.json")).json()
    expected = serve_settings()
    assert {k: settings[k] for k in expected} == expected
    assert settings["sql_time_limit_ms"] == 1500 and settings["allow_download"] is True


@pytest.mark.asyncio
async def test_the_whole_database_downloads_byte_for_byte(site_client, sample_db):
    """/cautions.db is the very file the site serves, so anyone can check the figures offline."""
    response = await site_client.get("/cautions.db")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(sample_db.read_bytes()).hexdigest()


# ---- each release's own attribution; the sample banner where the data is a sample (issue 11) ----

@pytest.mark.asyncio
@pytest.mark.parametrize("path,release_id", [
    ("/cautions/home_office_outcomes_by_year", "home-office-outcomes-force-year"),
    ("/cautions/buckinghamshire_as_published", "tvp-buckinghamshire-as-published"),
    ("/cautions/buckinghamshire_cautions", "tvp-buckinghamshire-as-published"),
    ("/cautions/cautions", "tvp-cautions-sample"),
    ("/cautions/rape_cautions", "tvp-cautions-sample"),
    ("/cautions/outcome_values", "tvp-cautions-sample"),
])
async def test_each_page_names_its_own_release_and_is_marked_sample_only_when_it_is(site_client, sample_db, path,
                                                                                   release_id):
    release = rows(sample_db, "select * from releases where id = ?", [release_id])[0]
    page = (await site_client.get(path)).text
    assert str(escape(release["title"])) in page and str(escape(release["authority"])) in page
    assert str(escape(release["licence"])) in page and f'href="{release["source_url"]}"' in page
    assert ('id="sample-banner"' in page) == bool(release["is_sample"])
    if not release["is_sample"]:
        assert 'id="sample-note"' in page  # the site holds sample rows elsewhere: said in small print
        assert "Thames Valley Police FOI release (via Get Bucks)" not in page  # not the site-wide source


@pytest.mark.asyncio
async def test_the_home_page_says_which_figures_rest_on_sample_rows(site_client, sample_db):
    page = (await site_client.get("/")).text
    sample_figures = {r["query"] for r in rows(sample_db, "select distinct query from headline_figures "
                                                          "where release_id in (select id from releases where is_sample)")}
    for name in HEADLINES:
        section = page[page.index(f'id="figure-{name}"'):]
        section = section[:section.index("</li>")]
        assert ("rests-on-sample" in section) == (name in sample_figures), name
    assert 'id="sample-banner"' in page


# ---- a card for every shared figure (issue 13) -------------------------------------------------

def test_every_headline_figure_has_its_card_drawn_at_build_time(sample_db):
    from PIL import Image
    cards = sample_db.with_name("cards")
    for name in HEADLINES:
        with Image.open(cards / f"{name}.png") as card:
            assert card.format == "PNG" and card.size == (1200, 630)
            assert len(set(card.convert("RGB").resize((60, 32)).getdata())) > 20  # drawn, not blank


def test_a_shared_figure_link_previews_as_its_figure_and_card(sample_db):
    """On the real server (serve.sh): each headline page's og:title gives the figure in words and
    its og:image is the card, a PNG served at /cards/; with SITE_URL set the image URL is absolute."""
    import urllib.request
    from site_server import served
    with served(sample_db, env={"SITE_URL": "https://cautions.example.org"}) as url:
        for name, query in HEADLINES.items():
            page = urllib.request.urlopen(f"{url}/cautions/{name}").read().decode()
            title = re.search(r'<meta property="og:title" content="([^"]*)"', page).group(1)
            for published in query["published"]:
                assert f"{published['value']:,}" in html.unescape(title), title
            image = re.search(r'<meta property="og:image" content="([^"]*)"', page).group(1)
            assert image == f"https://cautions.example.org/cards/{name}.png"
            with urllib.request.urlopen(f"{url}/cards/{name}.png") as response:
                assert response.headers["Content-Type"] == "image/png" and response.read(8) == b"\x89PNG\r\n\x1a\n"
