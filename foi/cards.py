"""Each headline figure as a link-preview card (og:image): a 1200 x 630 PNG of the figure, the
sentence it was published in, and its breakdown chart, drawn at build time with Pillow.

build.py --cards DIR writes DIR/<query>.png for every headline query, together with the database;
plugins/headline_chart.py points each figure page's og:image at its card (serve.sh serves DIR at
/cards/). The chart uses the same shape and the same declared colours as the page's SVG
(foi/charts.py). A card of sample rows says so.
"""
import shutil
import sqlite3
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .charts import chart_shape, colour_map, lies_down, lying_layout, ranked, upright_label_boxes, wrap

WIDTH, HEIGHT = 1200, 630
INK, MUTED, RULE, SAMPLE_RED = "#1a1a1a", "#4d4d4d", "#d0d0d0", "#b00020"


def font(size):
    return ImageFont.load_default(size=size)


def fmt(value):
    return f"{value:,}" if isinstance(value, int) else ("?" if value is None else str(value))


def draw_card(path, site_title, title, figures, sentence, columns, rows, declared=None, sample=False):
    """figures: [(label, value)]; columns/rows: the breakdown (x, [series,] count)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 56], fill=SAMPLE_RED if sample else "#0b3d91")
    banner = f"{site_title}" + ("   |   SAMPLE rows: the published figure is real, the rows are not" if sample else "")
    draw.text((40, 14), banner, font=font(26), fill="white")
    y = 80
    for line in wrap(title, 52)[:2]:
        draw.text((40, y), line, font=font(40), fill=INK)
        y += 50
    y += 6
    if len(figures) == 1 and not figures[0][0]:
        draw.text((40, y), fmt(figures[0][1]), font=font(150), fill=INK)
        number_bottom = y + 165
    else:
        x = 40
        for label, value in figures:
            draw.text((x, y + 10), fmt(value), font=font(96), fill=INK)
            draw.text((x, y + 118), str(label), font=font(28), fill=MUTED)
            x += max(draw.textlength(fmt(value), font=font(96)), draw.textlength(str(label), font=font(28))) + 50
        number_bottom = y + 165
    quote = "\u201c" + sentence + "\u201d"
    qy = number_bottom + 10
    for line in wrap(quote, 58)[:3]:
        draw.text((40, qy), line, font=font(28), fill=MUTED)
        qy += 36
    if rows and len(columns) in (2, 3):
        bars(draw, (640, 175, 1160, 590), columns, rows, declared or {})
    draw.line([40, 600, 1160, 600], fill=RULE, width=2)
    image.save(path, format="PNG", optimize=True)


LABEL_SIZE, LINE_HEIGHT, LEGEND_ROW = 20, 24, 26


def label_measure(draw):
    """How wide a category label is on the card (text -> px), in the font it is drawn in."""
    return lambda text: draw.textlength(str(text), font=font(LABEL_SIZE))


def chart_layout(draw, box, columns, rows):
    """Where the breakdown goes in `box`: upright bars when each label fits under its bar, else
    horizontal bars, ranked (foi.charts.lies_down, the page's rule). A dict: `lies_down`, `xs` in
    drawing order, `labels` (each with its `lines` and `box`), the plot's edges and the legend's top."""
    left, top, right, bottom = box
    y_col, x_col, colour_col, xs, series, totals = chart_shape(columns, rows)
    measure = label_measure(draw)
    legend_height = LEGEND_ROW * len(series) if colour_col else 0
    if lies_down([str(x) for x in xs], right - left, measure):
        order = ranked(xs, totals)
        placed = lying_layout([str(x) for x in order], (left, top, right - 70, bottom - legend_height - 8),
                              measure, LINE_HEIGHT)
        return {"lies_down": True, "xs": order[:len([p for p in placed if "more" not in p])], "labels": placed,
                "legend_top": bottom - legend_height + 4}
    band = (right - left) / max(len(xs), 1)
    lines = max(len(p["lines"]) for p in upright_label_boxes([str(x) for x in xs], left, band, 0, measure, LINE_HEIGHT))
    plot_bottom = bottom - 10 - lines * LINE_HEIGHT - legend_height
    placed = upright_label_boxes([str(x) for x in xs], left, band, plot_bottom + 6, measure, LINE_HEIGHT)
    return {"lies_down": False, "xs": xs, "labels": placed, "band": band, "plot_top": top,
            "plot_bottom": plot_bottom, "legend_top": plot_bottom + 12 + lines * LINE_HEIGHT}


def bars(draw, box, columns, rows, declared):
    """The breakdown in `box`, a legend beneath: the page's chart, small."""
    left, top, right, bottom = box
    y_col, x_col, colour_col, xs, series, totals = chart_shape(columns, rows)
    colours = colour_map(colour_col, series, declared) if colour_col else {}
    layout = chart_layout(draw, box, columns, rows)
    peak = max(totals.values()) or 1
    if layout["lies_down"]:
        for placed in layout["labels"]:
            for n, line in enumerate(placed["lines"]):
                text_left = placed["box"][2] - draw.textlength(line, font=font(LABEL_SIZE))
                draw.text((text_left, placed["box"][1] + n * LINE_HEIGHT), line, font=font(LABEL_SIZE), fill=MUTED)
        for x, placed in zip(layout["xs"], layout["labels"]):
            full = placed["right"] - placed["left"]
            start, mid = placed["left"], (placed["top"] + placed["bottom"]) / 2
            for row in (r for r in rows if r[x_col] == x):
                length = (row[y_col] or 0) / peak * full
                colour = colours.get(row[colour_col], "#0072B2") if colour_col else "#0072B2"
                if length > 0:
                    draw.rectangle([start, mid - 8, start + length, mid + 8], fill=colour)
                start += length
            draw.text((start + 6, mid - 11), fmt(totals[x]), font=font(LABEL_SIZE), fill=INK)
    else:
        band, plot_bottom, plot_top = layout["band"], layout["plot_bottom"], layout["plot_top"]
        bar = min(90, band * 0.7)
        for x, placed in zip(xs, layout["labels"]):
            cx, base = placed["centre"], plot_bottom
            for row in (r for r in rows if r[x_col] == x):
                height = (row[y_col] or 0) / peak * (plot_bottom - plot_top)
                colour = colours.get(row[colour_col], "#0072B2") if colour_col else "#0072B2"
                if height > 0:
                    draw.rectangle([cx - bar / 2, base - height, cx + bar / 2, base], fill=colour)
                base -= height
            for n, line in enumerate(placed["lines"]):
                draw.text((cx - draw.textlength(line, font=font(LABEL_SIZE)) / 2, placed["box"][1] + n * LINE_HEIGHT),
                          line, font=font(LABEL_SIZE), fill=MUTED)
            total = fmt(totals[x])
            draw.text((cx - draw.textlength(total, font=font(22)) / 2, base - 28), total, font=font(22), fill=INK)
    ly = layout["legend_top"]
    for i, value in enumerate(series):
        yy = ly + LEGEND_ROW * i
        draw.rectangle([left, yy + 3, left + 18, yy + 21], fill=colours[value])
        draw.text((left + 26, yy), str(value)[:44], font=font(LABEL_SIZE), fill=INK)


def write_all(conn, metadata, queries, figures, releases, folder):
    """A card for every headline query, into `folder` (made afresh)."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    samples = {r["id"] for r in releases if r.get("is_sample")}
    declared = ((metadata.get("plugins") or {}).get("category-colours")) or {}
    for name, query in queries.items():
        mine = [f for f in figures if f["query"] == name]
        if not mine:
            continue
        columns, rows = [], []
        if query.get("breakdown"):
            try:
                cursor = conn.execute(query["breakdown"])
                columns = [d[0] for d in cursor.description]
                rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
            except sqlite3.Error:
                columns, rows = [], []  # a figure not in this build: its card has no chart
        draw_card(folder / f"{name}.png", metadata.get("title") or "", query.get("title") or name,
                  [(f["label"], f["computed_value"] if f["computed_value"] is not None else f["published_value"])
                   for f in mine], "; ".join(f["published_sentence"] for f in mine), columns, rows, declared,
                  sample=any(f["release_id"] in samples for f in mine))
