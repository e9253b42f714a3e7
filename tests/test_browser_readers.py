"""Readers' slips on a phone and a desktop (issue 21), in Debian's chromium served by serve.sh:
the table page shows its rows before the notes on its columns, and an explorer chart wider
than the screen (long labels on a phone) scrolls inside its box, which a keyboard reaches and
scrolls too (axe-core's scrollable-region-focusable), while the page never scrolls sideways."""
import pytest

from site_fixtures import explorer_queries
from test_browser import AXE, browser, open_at, site  # noqa: F401 (fixtures: the browser and the served sample)

WIDTHS = [1280, 390]


def axe_violations(page):
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_table_page_shows_its_rows_before_the_column_notes(browser, site, width):  # noqa: F811
    context, page = open_at(browser, width, site + "/cautions/cautions")
    try:
        tops = page.evaluate("""() => ({
            row: document.querySelector('table.rows-and-columns tbody tr').getBoundingClientRect().top,
            notes: document.querySelector('dl.column-descriptions').getBoundingClientRect().top,
            link: document.querySelector('a[href="#columns"]') !== null,
            fold: window.innerHeight})""")
        assert tops["row"] < tops["notes"]
        assert tops["link"]  # the notes are one link away from the top
        if width == 1280:
            assert tops["row"] < tops["fold"]  # on a desktop, the first row is seen without scrolling
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", explorer_queries())
def test_each_explorer_chart_can_be_scrolled_by_keyboard_with_no_violation(browser, site, name, width):  # noqa: F811
    context, page = open_at(browser, width, f"{site}/cautions/{name}")
    try:
        page.wait_for_selector("form.datasette-vega + div canvas", state="attached", timeout=15_000)
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = page.locator('form.datasette-vega + div[style*="overflow"]').first
        if box.evaluate("b => b.scrollWidth > b.clientWidth"):
            box.focus()
            page.keyboard.press("ArrowRight")  # the browser may scroll smoothly: wait for it to move
            page.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle(), timeout=5_000)
    finally:
        context.close()


def test_the_offence_group_chart_is_the_one_wider_than_a_phone(browser, site):  # noqa: F811
    """The case axe found: its offence groups' names, uncut, make the chart wider than 390 px."""
    context, page = open_at(browser, 390, f"{site}/cautions/cautions_by_offence_group")
    try:
        page.wait_for_selector("form.datasette-vega + div canvas", state="attached", timeout=15_000)
        box = page.locator('form.datasette-vega + div[style*="overflow"]').first
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label") == "Chart"
    finally:
        context.close()
