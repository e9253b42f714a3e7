"""The round robin's page in a real browser (issue 20): one request to all 43 forces, replies of
every status, at a desktop width and a phone's. The ranked chart has a labelled row for every
force, no label box overlaps another, a refusal or no reply is a row that says so (never a zero
bar), the refusing forces are named, and axe-core finds nothing. The story's own headline charts
still draw, their labels apart.

The page is served by serve.sh from the shipped build with a 43-force test request added
(tests/replies_fixture.py). Screenshots go to tests/screenshots/, and to docs/ when
UPDATE_DOCS_SCREENSHOTS=1 (`make screenshots`).
"""
import json
import urllib.request

import build
import pytest

from replies_fixture import REFUSALS, REQUEST_ID, add_round_robin
from site_fixtures import ROOT, headline_queries, plugin, rows, site_metadata
from site_server import served
from test_browser import AXE, DOCS, UPDATE_DOCS, chromium, open_at, screenshot

WIDTHS = [1280, 390]
PAGE = f"/cautions/replies?request_id={REQUEST_ID}"

# Every label's box, and every row's box, as the browser laid them out.
BOXES = """(selector) => [...document.querySelectorAll(selector)].map(li => {
    const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const label = li.querySelector('.bar-label');
    return {label: box(label), text: label.innerText.trim(), track: box(li.querySelector('.bar-track')),
            value: li.dataset.value === undefined ? null : Number(li.dataset.value),
            bar: li.querySelector('svg.bar') ? box(li.querySelector('svg.bar')) : null,
            note: (li.querySelector('.bar-note') || {}).innerText || null,
            href: (label.querySelector('a') || {}).href || null};
})"""


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def round_robin_db(tmp_path_factory):
    """The shipped build (with any request of its own), and the 43-force test request added."""
    out = tmp_path_factory.mktemp("round-robin") / "cautions.db"
    assert build.main(["--output", str(out), "--quiet", "--strict", "--cards", str(out.parent / "cards")]) == 0
    replies = add_round_robin(out)
    return out, replies


@pytest.fixture(scope="module")
def site(round_robin_db):
    with served(round_robin_db[0]) as url:
        yield url


@pytest.mark.parametrize("width", WIDTHS)
def test_the_ranked_chart_has_a_labelled_row_for_every_force_and_no_label_overlaps(browser, site, round_robin_db, width):
    """43 rows, one a force, largest total first and the forces with no total after them; every
    label on the screen, none overlapping another label or another row's bar; a refusal says
    "refused (s.12 cost)" and a non-reply "no reply" where the bar would be, with no bar."""
    replies = {r["authority"]: r for r in round_robin_db[1]}
    context, page = open_at(browser, width, site + PAGE)
    try:
        rows = page.evaluate(BOXES, ".round-robin .ranked-bars > li")
        assert sorted(r["text"] for r in rows) == sorted(replies)
        for i, row in enumerate(rows):
            assert row["label"][2] - row["label"][0] > 0 and row["label"][0] >= 0 and row["label"][2] <= width
            for other in rows[i + 1:]:
                assert not overlap(row["label"], other["label"]), (row["text"], other["text"])
                assert not overlap(row["label"], other["track"]), (row["text"], other["text"])
            if row["bar"]:
                assert row["bar"][2] <= width and not overlap(row["label"], row["bar"])
        with_totals = [r for r in rows if r["value"] is not None]
        assert [r["value"] for r in with_totals] == sorted((r["total"] for r in replies.values()
                                                            if r["total"] is not None), reverse=True)
        assert rows[:len(with_totals)] == with_totals  # no figure: after every number
        for row in rows:
            reply = replies[row["text"]]
            if reply["status"] == "refused":
                assert row["bar"] is None and row["note"] == f"refused ({REFUSALS[reply['refusal']]})"
            elif reply["status"] == "no reply":
                assert row["bar"] is None and row["note"] == "no reply"
            else:
                assert row["value"] == reply["total"] and row["bar"] is not None
            assert row["href"], f"{row['text']} does not link to its reply"
        assert "refused (s.12 cost)" in [r["note"] for r in rows]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"replies-43-forces-{width}")
    finally:
        context.close()


@pytest.fixture(scope="module")
def shipped_site(sample_db):
    """The shipped build as `make serve` serves it, with the sample round robin."""
    with served(sample_db) as url:
        yield url


@pytest.mark.parametrize("width", WIDTHS)
def test_the_shipped_round_robin_page_names_its_refusal_and_ranks_every_force(browser, shipped_site, sample_db, width):
    """The sample round robin as a reader sees it: every force the request went to is a row, the
    forces with a total ranked first, the refusing force named above the chart and labelled in it,
    no label overlapping another; each bar as long as its total says, under the site's own
    Content-Security-Policy. Its screenshots are the README's (docs/)."""
    replies = rows(sample_db, "select * from replies where request_id = (select id from requests order by sent desc, id desc limit 1)")
    context = browser.new_context(viewport={"width": width, "height": 900})  # the CSP kept
    page = context.new_page()
    page.goto(shipped_site + "/cautions/replies")
    try:
        drawn = page.evaluate(BOXES, ".round-robin .ranked-bars > li")
        assert sorted(r["text"] for r in drawn) == sorted(r["authority"] for r in replies)
        assert all(not overlap(a["label"], b["label"]) for i, a in enumerate(drawn) for b in drawn[i + 1:])
        refused = [r for r in replies if r["status"] == "refused"]
        assert refused
        for reply in refused:
            assert reply["authority"] in page.locator(".round-robin .refusals").inner_text()
            row = next(r for r in drawn if r["text"] == reply["authority"])
            assert row["bar"] is None and row["note"].startswith("refused")
        bars = [(r["value"], r["bar"][2] - r["bar"][0]) for r in drawn if r["bar"]]
        peak_value, peak_length = bars[0]
        assert peak_length > 50
        for value, length in bars:
            assert length == pytest.approx(peak_length * value / peak_value, abs=1.5)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"replies-{width}")
        if UPDATE_DOCS:  # the page down to the end of the chart: the table beneath is Datasette's own
            end = page.evaluate("document.querySelector('.round-robin').getBoundingClientRect().bottom + scrollY")
            page.screenshot(path=str(DOCS / f"screenshot-replies-{width}.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": end + 16})
    finally:
        context.close()


def test_the_page_names_the_refusing_forces_and_each_name_opens_its_reply(browser, site, round_robin_db):
    """The refusing forces are named in words above the chart, with the section they cited; a
    force's name in the chart opens its reply's release, which names the force."""
    replies = round_robin_db[1]
    context, page = open_at(browser, 1280, site + PAGE)
    try:
        text = page.locator(".round-robin").inner_text()
        answered = sum(1 for r in replies if r["status"] == "answered")
        assert f"{answered} of 43 forces answered" in text
        refusals = page.locator(".round-robin .refusals").inner_text()
        for reply in (r for r in replies if r["status"] == "refused"):
            assert f"{reply['authority']} ({REFUSALS[reply['refusal']]})" in refusals
        first = next(r for r in replies if r["status"] == "answered")
        page.locator(".round-robin .ranked-bars .bar-label a", has_text=first["authority"]).first.click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/cautions/releases/{first['release_id']}")
        assert first["authority"] in page.locator("main").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_on_the_replies_page(browser, site, width):
    """axe-core (WCAG 2.1 AA and best practice) finds nothing; no console error."""
    context, page = open_at(browser, width, site + PAGE)
    try:
        page.add_script_tag(content=AXE.read_text())
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
        assert violations == []
        assert [m for m in page.console if m[0] in ("warning", "error", "pageerror")] == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", headline_queries())
def test_the_storys_headline_charts_still_draw_with_their_labels_apart(browser, site, name, width):
    """Each of the story's figures still has its chart at both widths: upright bars, as before,
    each bar drawn and no category label overlapping another."""
    context, page = open_at(browser, width, f"{site}/cautions/{name}")
    try:
        svg = page.locator(".headline-chart svg.chart-wide" if width >= 640 else ".headline-chart svg.chart-narrow")
        assert svg.is_visible()
        assert svg.locator("rect.segment").count() > 0
        labels = svg.evaluate("(svg) => [...svg.querySelectorAll('text.x-label')].map(t => { "
                              "const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
        assert labels
        for i, box in enumerate(labels):
            assert all(not overlap(box, other) for other in labels[i + 1:])
    finally:
        context.close()


def test_the_replies_canned_queries_serve_43_rows(site):
    """Each comparison's canned query answers for the request named, one row per force."""
    for name in ("replies_ranked_by_total", "replies_ranked_by_rate"):
        with urllib.request.urlopen(f"{site}/cautions/{name}.json?request_id={REQUEST_ID}&_shape=array") as r:
            assert len(json.load(r)) == 43


MERSEYSIDE = ["Liverpool South", "Liverpool North", "Sefton", "Wirral", "Knowsley", "St Helens"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_headline_chart_of_long_neighbouring_names_keeps_its_labels_apart(browser, width):
    """A figure's breakdown by 'Liverpool South', 'Liverpool North' and four more places, drawn by
    plugins/headline_chart.py and laid out by static/site.css: upright bars on a wide screen,
    ranked rows on a phone, and at either width no label overlaps another."""
    chart = plugin("headline_chart")
    breakdown = [{"area": area, "caution_type": kind, "cautions": 5 + 3 * i + j}
                 for i, area in enumerate(MERSEYSIDE) for j, kind in enumerate(["Adult simple caution", "Youth simple caution"])]
    drawn = chart.chart_html(["area", "caution_type", "cautions"], breakdown,
                             declared=site_metadata()["plugins"]["category-colours"])
    css = (ROOT / "static" / "site.css").read_text()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.set_content(f'<html lang="en"><head><style>{css}</style></head><body><main class="content">'
                         f'<figure class="headline-chart">{drawn}</figure></main></body></html>')
        if width >= 640:
            assert page.locator("svg.chart-wide").is_visible() and not page.locator("ol.chart-narrow").is_visible()
            labels = page.evaluate("[...document.querySelectorAll('svg.chart-wide text.x-label')]"
                                   ".map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
        else:
            assert page.locator("ol.chart-narrow").is_visible() and not page.locator("svg.chart-wide").is_visible()
            rows = page.evaluate(BOXES, "ol.chart-narrow > li")
            assert [r["text"] for r in rows] == list(reversed(MERSEYSIDE))  # largest first
            labels = [r["label"] for r in rows]
        assert len(labels) == len(MERSEYSIDE)
        assert all(box[0] >= 0 and box[2] <= width for box in labels)
        assert all(not overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1:])
        screenshot(page, f"merseyside-chart-{width}")
    finally:
        context.close()
