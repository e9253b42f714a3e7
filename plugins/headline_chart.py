"""Canned query pages (templates/query.html).

For every canned query: the page's <title>, description and link-preview (og:) text come from
the query's title and description, not its SQL (Datasette issue 1790).

For a headline query (one with `published:` in metadata.yml): the figure itself, the published
sentence beside what this build's data gives (the headline_figures table), and a chart of the
query's `breakdown:` SQL -- which adds up to the figure -- drawn here as an inline SVG of stacked
bars, so it shows without JavaScript. Plus the link to download every crime behind the figure:
the `<query>_rows` view as a streamed CSV, since CSV streaming does not work for canned queries
(Datasette issue 526).
"""
import math
from pathlib import Path
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

from foi.charts import (PALETTE, chart_shape, colour_map, lies_down, ranked, ranked_bars_html, text_width,
                        upright_label_boxes)

# Used where metadata.yml declares no colours (plugins: category-colours: others).

# The chart is drawn twice: wide for a wide screen and narrow for a phone (static/site.css shows
# one). Each scales to its container (a viewBox, width 100%), and each has its own text sizes, so
# that the text stays at least 11 CSS px wherever it is shown: the wide one from a 608 px container
# (a 640 px screen) up, the narrow one from 288 px (a 320 px phone) up.
LAYOUTS = {
    "wide": {"width": 720, "plot_height": 260, "left": 56, "right": 16, "top": 24, "axis": 14, "label": 14},
    "narrow": {"width": 360, "plot_height": 200, "left": 44, "right": 6, "top": 20, "axis": 13, "label": 14},
}


def nice_ticks(maximum, count=5):
    """Whole-number axis ticks from 0 to at least `maximum`, at steps of 1, 2 or 5 x 10^n."""
    maximum = max(math.ceil(maximum), 1)
    magnitude = 1
    while True:
        for step in (magnitude, magnitude * 2, magnitude * 5):
            if maximum / step <= count:
                return list(range(0, -(-maximum // step) * step + 1, step))
        magnitude *= 10


def fmt(number):
    return f"{number:,}" if isinstance(number, int) else str(number)


def category_colours(datasette):
    """metadata.yml's `plugins: category-colours:`, the one place each category's colour is set."""
    return (datasette.plugin_config("category-colours") if datasette else None) or {}


def stacked_bars(columns, rows, chart_id="headline-chart", subject="cautions", layout="wide", declared=None):
    """An SVG of stacked bars: x = first column, colour = second column when there are three,
    height = the `cautions` column (else the last). Each row is one <rect class="segment">.
    The colours' key is chart_legend(), in HTML, so that it wraps."""
    shape = LAYOUTS[layout]
    width, plot_height, left, right, top = (shape[k] for k in ("width", "plot_height", "left", "right", "top"))
    y_col, x_col, colour_col, xs, colours, totals = chart_shape(columns, rows)
    palette = colour_map(colour_col, colours, declared) if colour_col else {}
    ticks = nice_ticks(max(totals.values(), default=0))
    scale = plot_height / ticks[-1]
    band = (width - left - right) / max(len(xs), 1)
    bar = min(band * 0.6, 120)
    label_size = shape["label"]
    line_height = int(label_size * 1.25)
    placed = upright_label_boxes([str(x) for x in xs], left, band, 0, label_measure(layout), line_height)
    labels = {x: p["lines"] for x, p in zip(xs, placed)}
    lines = max((len(v) for v in labels.values()), default=1)
    bottom = 12 + lines * int(label_size * 1.25)
    base = top + plot_height
    height = base + bottom

    def colour_of(row):
        return palette[row[colour_col]] if colour_col else PALETTE[0]

    title, desc = chart_words(subject, x_col, colour_col, y_col, xs, totals, rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-{layout}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        y_axis(shape, ticks, base, scale),
    ]
    out.append('<g class="bars">')
    stacked = {}
    for row in rows:
        x, value = row[x_col], row[y_col] or 0
        i = xs.index(x)
        bx = left + band * i + (band - bar) / 2
        below = stacked.get(x, 0)
        stacked[x] = below + value
        y, h = base - (below + value) * scale, value * scale
        tip = f"{x_col}: {x}" + (f", {colour_col}: {row[colour_col]}" if colour_col else "") + f", {y_col}: {fmt(value)}"
        out.append(f'<rect class="segment" x="{bx:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                   f'fill="{colour_of(row)}" data-value="{escape(value)}"><title>{escape(tip)}</title></rect>')
    out.append(f'</g><g class="labels" font-size="{label_size}" fill="#111">')
    for i, x in enumerate(xs):
        cx = x_centre(left, band, i)
        out.append(f'<text class="total" x="{cx:.1f}" y="{base - totals[x] * scale - 6:.1f}" text-anchor="middle" '
                   f'font-weight="bold">{fmt(totals[x])}</text>')
        tspans = "".join(f'<tspan x="{cx:.1f}" dy="{0 if n == 0 else int(label_size * 1.25)}">{escape(line)}</tspan>'
                         for n, line in enumerate(labels[x]))
        out.append(f'<text class="x-label" x="{cx:.1f}" y="{base + label_size + 6}" text-anchor="middle">{tspans}</text>')
    out.append('</g></svg>')
    return Markup("".join(out))


def chart_words(subject, x_col, colour_col, y_col, xs, totals, rows):
    """The chart's title and its description for a screen reader: every bar's total and parts."""
    summary = "; ".join(
        f"{x}: {fmt(totals[x])}" + (" (" + ", ".join(f"{r[colour_col]} {fmt(r[y_col])}" for r in rows
                                                   if r[x_col] == x) + ")" if colour_col else "")
        for x in xs)
    title = f"{subject.capitalize()} by {x_col.replace('_', ' ')}" + (
        f" and {colour_col.replace('_', ' ')}" if colour_col else "")
    return title, f"Stacked bar chart adding up to {fmt(sum(totals.values()))}. {summary}."


def y_axis(shape, ticks, base, scale):
    """The y axis: a gridline and a number at each tick."""
    out = [f'<g class="axis y-axis" font-size="{shape["axis"]}" fill="#333">']
    for tick in ticks:
        y = base - tick * scale
        out.append(f'<line x1="{shape["left"]}" x2="{shape["width"] - shape["right"]}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{"#767676" if tick == 0 else "#e4e4e4"}"></line>'
                   f'<text x="{shape["left"] - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(tick)}</text>')
    return "".join(out) + "</g>"


def x_centre(left, band, i):
    return left + band * i + band / 2


def label_measure(layout):
    """How wide a category label is in `layout`'s drawing (text -> px)."""
    size = LAYOUTS[layout]["label"]
    return lambda text: text_width(text, size)


def plot_width(layout):
    shape = LAYOUTS[layout]
    return shape["width"] - shape["left"] - shape["right"]


def lies_down_in(layout, xs):
    """foi.charts' one rule, for this page's drawing `layout`."""
    return lies_down([str(x) for x in xs], plot_width(layout), label_measure(layout))


def lying_bars(columns, rows, subject="cautions", declared=None, css_class=""):
    """The breakdown as horizontal bars, ranked from the largest total (foi.charts.ranked_bars_html):
    for labels that would collide under upright bars. One drawing serves every screen width."""
    y_col, x_col, colour_col, xs, colours, totals = chart_shape(columns, rows)
    palette = colour_map(colour_col, colours, declared) if colour_col else {}
    bars = []
    for x in ranked(xs, totals):
        mine = [r for r in rows if r[x_col] == x]
        bars.append({"label": str(x), "segments": [
            (r[colour_col] if colour_col else None, r[y_col] or 0, palette[r[colour_col]] if colour_col else PALETTE[0])
            for r in mine]})
    title = f"{subject.capitalize()} by {x_col.replace('_', ' ')}, largest first"
    return ranked_bars_html(bars, title, css_class=css_class)


def chart_legend(columns, rows, declared=None):
    """The key to the colours, as an HTML list (it wraps on a narrow screen); '' for one colour."""
    y_col, x_col, colour_col, xs, colours, totals = chart_shape(columns, rows)
    if not colour_col:
        return Markup("")
    palette = colour_map(colour_col, colours, declared)
    items = []
    for colour in colours:
        count = sum(r[y_col] or 0 for r in rows if r[colour_col] == colour)
        items.append(f'<li><svg class="swatch" width="14" height="14" aria-hidden="true" focusable="false">'
                     f'<rect width="14" height="14" rx="2" fill="{palette[colour]}"></rect></svg>'
                     f'{escape(colour)} ({fmt(count)})</li>')
    label = escape(colour_col.replace("_", " "))
    return Markup(f'<ul class="chart-legend" aria-label="Colours: {label}">' + "".join(items) + "</ul>")


def chart_html(columns, rows, chart_id="headline-chart", declared=None):
    """The legend, then the wide and the narrow drawing of the same chart: upright bars where each
    label fits under its bar, else horizontal bars, ranked (foi.charts.lies_down decides, for each
    drawing). Horizontal bars fit any width, so when the wide drawing lies down there is one."""
    xs = chart_shape(columns, rows)[3]
    legend = chart_legend(columns, rows, declared)
    if lies_down_in("wide", xs):
        return Markup(legend + lying_bars(columns, rows, declared=declared))
    wide = stacked_bars(columns, rows, chart_id=f"{chart_id}-wide", layout="wide", declared=declared)
    if lies_down_in("narrow", xs):
        return Markup(legend + wide + lying_bars(columns, rows, declared=declared, css_class="chart-narrow"))
    return Markup(legend + wide
                  + stacked_bars(columns, rows, chart_id=f"{chart_id}-narrow", layout="narrow", declared=declared))


async def headline(datasette, database, name, query):
    """What the page shows for a headline query; None for any other canned query."""
    if not query.get("published"):
        return None
    db = datasette.get_database(database)
    figures = []
    if await db.table_exists("headline_figures"):
        figures = [dict(r) for r in (await db.execute(
            "select * from headline_figures where query = ? order by rowid", [name])).rows]
    if not figures:  # a database built without the check: show what was published, unchecked
        figures = [{"label": p.get("label") or "", "published_sentence": p["sentence"],
                    "published_value": p["value"], "computed_value": None, "matches": None,
                    "source_url": p.get("source_url")} for p in query["published"]]
    result = {"figures": figures, "chart": None, "breakdown": None}
    if query.get("breakdown"):
        try:
            breakdown = await db.execute(query["breakdown"])
        except Exception as e:  # e.g. a build without the table the figure comes from
            result["breakdown_error"] = str(e)
        else:
            columns = list(breakdown.columns)
            rows = [dict(zip(columns, r)) for r in breakdown.rows]
            sql_url = datasette.urls.database(database) + "?" + urllib.parse.urlencode({"sql": query["breakdown"]})
            result["breakdown"] = {"columns": columns, "rows": rows, "sql": query["breakdown"], "url": sql_url}
            if rows and len(columns) in (2, 3):
                result["chart"] = chart_html(columns, rows, chart_id=f"chart-{name}", declared=category_colours(datasette))
    view = f"{name}_rows"
    if view in await db.view_names() or await db.table_exists(view):
        result["rows_view"] = {
            "name": view, "url": datasette.urls.table(database, view),
            "csv_url": datasette.urls.table(database, view, format="csv") + "?_stream=on",
            "count": (await db.execute(f"select count(*) from [{view}]")).rows[0][0],
        }
    return result


async def cached_headline(datasette, database, name, query):
    """headline(), worked out once per query: the database is served immutable."""
    cache = datasette.__dict__.setdefault("_headline_cache", {})
    if (database, name) not in cache:
        result = await headline(datasette, database, name, query)
        if result:
            result["html"] = Markup(await datasette.render_template(
                "_headline.html", {"headline": result, "settings": datasette.settings_dict()}))
        if result and result.get("breakdown_error"):
            return result  # e.g. stopped by the time limit: try again next time, never cache an error
        cache[(database, name)] = result
    return cache[(database, name)]


def link_preview(datasette, request, name, query, headline):
    """A headline page's link preview: og:title gives the figure in words, og:image its card
    (drawn by build.py --cards, served by serve.sh at /cards/)."""
    if not headline:
        return {}
    values = [(f["label"], f["computed_value"] if f["computed_value"] is not None else f["published_value"])
              for f in headline["figures"]]
    words = ", ".join(f"{fmt(v)} {label}".strip() for label, v in values)
    found = {}
    cards = dict(datasette.static_mounts).get("cards")
    if cards and (Path(cards) / f"{name}.png").is_file():
        found["og_image_url"] = datasette.absolute_url(request, f"/cards/{name}.png")
    return {"page_og_title": f"{query.get('title') or name}: {words}", **found}


@hookimpl
def extra_template_vars(template, database, request, datasette):
    if not template.startswith("query") or request is None or "table" not in request.url_vars:
        return {}

    async def query_page_vars():
        name = tilde_decode(request.url_vars["table"])
        query = await datasette.get_canned_query(database, name, request.actor)
        if not query:
            return {}
        if query.get("published"):
            description = " ".join(f"\u201c{p['sentence']}\u201d" for p in query["published"])
        else:
            description = query.get("description") or ""
        headline = await cached_headline(datasette, database, name, query)
        return {
            "page_title": query.get("title") or name,
            "page_description": description or query.get("description") or datasette.metadata("title") or "",
            "site_title": datasette.metadata("title"),
            "headline": headline,
            **link_preview(datasette, request, name, query, headline),
        }

    return query_page_vars
