"""Charts whose labels never collide (issue 20): one rule, from the labels' measured widths and
their count, decides whether a breakdown is drawn with upright bars or as horizontal bars ranked
from the largest, for the page's wide drawing, its phone drawing and the link-preview card alike
(foi/charts.py). The story's own charts keep their upright bars; 43 force names lie down
everywhere; whatever the rule lets stand upright has labels apart.
"""
import csv
import random
import re

import pytest
from PIL import Image, ImageDraw

from foi import cards
from foi.charts import (Box, chart_shape, lies_down, lying_layout, ranked, ranked_bars_html, text_width,
                        upright_label_boxes)
from site_fixtures import ROOT, headline_queries, plugin, rows, site_metadata

FORCES = [r["name"] for r in csv.DictReader((ROOT / "data" / "reference" / "forces.csv").open(encoding="utf-8"))]
MERSEYSIDE = ["Liverpool South", "Liverpool North", "Sefton", "Wirral", "Knowsley", "St Helens"]
chart = plugin("headline_chart")


def card_measure():
    return cards.label_measure(ImageDraw.Draw(Image.new("RGB", (10, 10))))


def card_drawing():
    return ImageDraw.Draw(Image.new("RGB", (cards.WIDTH, cards.HEIGHT), "white"))


CARD_BOX = (640, 175, 1160, 590)  # where draw_card puts the chart


def apart(boxes):
    return all(not Box(a).overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# ---- the rule -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", headline_queries())
def test_the_storys_charts_keep_their_upright_bars(sample_db, name):
    """Each published figure's breakdown stays upright on the page (wide and phone) and in its card:
    its few short labels fit under their bars."""
    breakdown = rows(sample_db, headline_queries()[name]["breakdown"])
    xs = chart_shape(list(breakdown[0]), breakdown)[3]
    assert not chart.lies_down_in("wide", xs)
    assert not chart.lies_down_in("narrow", xs)
    assert not lies_down([str(x) for x in xs], CARD_BOX[2] - CARD_BOX[0], card_measure())


def test_neighbouring_long_names_lie_down_on_a_phone_and_in_the_card_but_not_on_a_wide_screen():
    """'Liverpool South' beside 'Liverpool North' and four more: under six bars 720 px wide each
    word fits; under six bars on a phone, or in the card, 'Liverpool' alone is wider than its bar."""
    assert not chart.lies_down_in("wide", MERSEYSIDE)
    assert chart.lies_down_in("narrow", MERSEYSIDE)
    assert lies_down(MERSEYSIDE, CARD_BOX[2] - CARD_BOX[0], card_measure())


def test_forty_three_forces_lie_down_everywhere():
    """More categories than upright bars can carry lie down, however short their names."""
    assert chart.lies_down_in("wide", FORCES) and chart.lies_down_in("narrow", FORCES)
    assert lies_down(FORCES, CARD_BOX[2] - CARD_BOX[0], card_measure())
    assert lies_down([str(n) for n in range(13)], 10_000, lambda t: 1)  # the count alone


def test_labels_the_rule_lets_stand_upright_never_overlap():
    """For a thousand random breakdowns of force and place names, wherever the rule keeps upright
    bars, every label, wrapped under its bar, stays clear of its neighbours -- on the page at both
    widths and in the card."""
    words = sorted({w for name in FORCES + MERSEYSIDE for w in name.split()})
    rng = random.Random(20)
    drawings = [(chart.plot_width(layout), chart.label_measure(layout)) for layout in ("wide", "narrow")]
    drawings.append((CARD_BOX[2] - CARD_BOX[0], card_measure()))
    upright = 0
    for _ in range(1000):
        labels = [" ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(rng.randint(1, 14))]
        for width, measure in drawings:
            if not lies_down(labels, width, measure):
                upright += 1
                placed = upright_label_boxes(labels, 0, width / len(labels), 0, measure, 20)
                assert apart([p["box"] for p in placed]), labels
                assert all(max(measure(line) for line in p["lines"]) <= width / len(labels) for p in placed)
    assert upright > 100  # the rule was tried on upright charts, not only on ones that lie down


def test_text_is_measured_by_its_glyphs_not_its_length():
    """'Wirral' is narrower than 'WWWWWW': the rule measures widths, not characters."""
    assert text_width("Wirral", 14) < text_width("WWWWWW", 14)
    assert text_width("Liverpool North", 10) == pytest.approx(text_width("Liverpool North", 20) / 2)


def test_ranked_puts_the_largest_first_and_a_missing_figure_after_every_number():
    assert ranked(["a", "b", "c", "d", "e"], {"a": 3, "b": None, "c": 10, "d": 0, "e": 3}) == ["c", "a", "e", "d", "b"]


# ---- the card ------------------------------------------------------------------------------------

def test_the_cards_ranked_rows_for_43_forces_never_overlap_and_say_how_many_are_left_out():
    """In the card's chart box, 43 force names as ranked rows: each label inside the box, none
    overlapping another or its own bar, and the rows that do not fit counted in a last '+ N more'."""
    draw = card_drawing()
    measure = cards.label_measure(draw)
    totals = {name: (i * 37) % 500 for i, name in enumerate(FORCES)}
    order = ranked(FORCES, totals)
    placed = lying_layout(order, CARD_BOX, measure, cards.LINE_HEIGHT)
    boxes = [p["box"] for p in placed]
    assert apart(boxes)
    for p in placed:
        box = p["box"]
        assert CARD_BOX[0] <= box[0] and box[2] <= CARD_BOX[2] and CARD_BOX[1] <= box[1] and box[3] <= CARD_BOX[3]
        assert box[2] < p["left"]  # the label ends before its bar starts
        assert all(measure(line) <= box[2] - box[0] + 0.5 for line in p["lines"])
    shown = [p for p in placed if "more" not in p]
    assert [p["lines"][0] for p in shown] == order[:len(shown)]
    assert placed[-1]["more"] == 43 - len(shown) and placed[-1]["lines"] == [f"+ {43 - len(shown)} more"]
    assert len(shown) >= 10


@pytest.mark.parametrize("labels, lying", [
    (MERSEYSIDE, True), (FORCES, True),
    (["Four districts of Buckinghamshire", "Rest of Thames Valley"], False),
    (["2015/16", "2016/17", "2017/18"], False)], ids=["merseyside", "forces", "buckinghamshire", "years"])
def test_the_cards_chart_layout_keeps_every_label_apart(labels, lying):
    """Whichever way the card's chart is drawn, its labels' boxes do not overlap."""
    breakdown = [{"area": label, "cautions": 10 + i} for i, label in enumerate(labels)]
    layout = cards.chart_layout(card_drawing(), CARD_BOX, ["area", "cautions"], breakdown)
    assert layout["lies_down"] is lying
    assert apart([p["box"] for p in layout["labels"]])


def test_a_card_of_43_forces_is_drawn(tmp_path):
    """The card draws a 43-category breakdown as a PNG of the usual size, without error."""
    path = tmp_path / "card.png"
    cards.draw_card(path, "Site", "Cautions by force", [("", 1234)], "A sentence.", ["force", "cautions"],
                    [{"force": name, "cautions": 100 + i} for i, name in enumerate(FORCES)])
    with Image.open(path) as image:
        assert image.size == (cards.WIDTH, cards.HEIGHT)


# ---- the page --------------------------------------------------------------------------------------

def test_a_headline_chart_with_colliding_labels_is_upright_when_wide_and_ranked_rows_on_a_phone():
    """On the page: the wide drawing keeps upright bars where they fit; the phone's is ranked rows,
    largest first, each row's segments adding up to its category's total."""
    declared = site_metadata()["plugins"]["category-colours"]
    breakdown = [{"area": area, "caution_type": kind, "cautions": 5 + 3 * i + j}
                 for i, area in enumerate(MERSEYSIDE) for j, kind in enumerate(["Adult simple caution", "Youth simple caution"])]
    html = str(chart.chart_html(["area", "caution_type", "cautions"], breakdown, declared=declared))
    assert html.count('class="chart-wide"') == 1 and 'class="chart-narrow"' not in html
    narrow = html[html.index('<ol class="ranked-bars chart-narrow"'):]
    labels = re.findall(r'<span class="bar-label">([^<]+)</span>', narrow)
    assert labels == list(reversed(MERSEYSIDE))  # the totals rise down the list as given
    values = [int(v) for v in re.findall(r'<li class="ranked-row" data-value="(\d+)"', narrow)]
    assert values == sorted(values, reverse=True)
    assert values[0] == sum(r["cautions"] for r in breakdown if r["area"] == "St Helens")


def test_forty_three_categories_are_one_ranked_drawing_for_every_width():
    html = str(chart.chart_html(["force", "cautions"], [{"force": f, "cautions": i} for i, f in enumerate(FORCES)]))
    assert "<svg xmlns" not in html and html.count('<li class="ranked-row"') == 43


def test_a_row_without_a_figure_says_why_and_has_no_bar():
    """A refusal or non-reply is a row with its words where the bar would be: no bar, not a zero."""
    html = str(ranked_bars_html([
        {"label": "Kent", "href": "/cautions/releases/kent", "segments": [(None, 120, "#0072B2")]},
        {"label": "Cleveland", "note": "refused (s.12 cost)"},
        {"label": "Dorset", "note": "no reply"},
    ], "Each force's total"))
    rows_ = re.findall(r"<li[^>]*>.*?</li>", html)
    assert 'href="/cautions/releases/kent"' in rows_[0] and 'data-value="120"' in rows_[0]
    for row, words in zip(rows_[1:], ["refused (s.12 cost)", "no reply"]):
        assert f'<span class="bar-note">{words}</span>' in row
        assert "<svg" not in row and "data-value" not in row
