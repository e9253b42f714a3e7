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
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH, PLOT_HEIGHT = 720, 260
LEFT, RIGHT, TOP = 56, 16, 24


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


def stacked_bars(columns, rows, chart_id="headline-chart", subject="cautions"):
    """An SVG of stacked bars: x = first column, colour = second column when there are three,
    height = the `cautions` column (else the last). Each row is one <rect class="segment">."""
    y_col = "cautions" if "cautions" in columns else columns[-1]
    others = [c for c in columns if c != y_col]
    x_col = others[0]
    colour_col = others[1] if len(columns) == 3 else None
    xs, colours, totals = [], [], {}
    for row in rows:
        x = row[x_col]
        if x not in xs:
            xs.append(x)
        if colour_col and row[colour_col] not in colours:
            colours.append(row[colour_col])
        totals[x] = totals.get(x, 0) + (row[y_col] or 0)
    ticks = nice_ticks(max(totals.values(), default=0))
    scale = PLOT_HEIGHT / ticks[-1]
    legend_rows = -(-len(colours) // 3) if colour_col else 0
    legend_height = legend_rows * 22 + (8 if legend_rows else 0)
    band = (WIDTH - LEFT - RIGHT) / max(len(xs), 1)
    bar = min(band * 0.6, 120)
    longest_label = max((len(str(x)) for x in xs), default=0)
    rotate = longest_label * 7.5 > band
    bottom = 34 + (int(min(longest_label, 30) * 5.5) if rotate else 0)
    plot_top = TOP + legend_height
    height = plot_top + PLOT_HEIGHT + bottom
    base = plot_top + PLOT_HEIGHT

    def colour_of(row):
        return PALETTE[colours.index(row[colour_col]) % len(PALETTE)] if colour_col else PALETTE[0]

    total = sum(totals.values())
    summary = "; ".join(
        f"{x}: {fmt(totals[x])}" + (" (" + ", ".join(f"{r[colour_col]} {fmt(r[y_col])}" for r in rows
                                                   if r[x_col] == x) + ")" if colour_col else "")
        for x in xs)
    title = f"{subject.capitalize()} by {x_col.replace('_', ' ')}" + (
        f" and {colour_col.replace('_', ' ')}" if colour_col else "")
    desc = f"Stacked bar chart adding up to {fmt(total)}. {summary}."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    if colour_col:
        out.append('<g class="legend">')
        colour_totals = {c: sum(r[y_col] or 0 for r in rows if r[colour_col] == c) for c in colours}
        for i, colour in enumerate(colours):
            lx, ly = LEFT + (i % 3) * 220, TOP - 12 + (i // 3) * 22
            out.append(f'<rect class="swatch" x="{lx}" y="{ly}" width="14" height="14" '
                       f'fill="{PALETTE[i % len(PALETTE)]}"></rect>'
                       f'<text x="{lx + 20}" y="{ly + 12}" font-size="13">{escape(colour)} ({fmt(colour_totals[colour])})</text>')
        out.append('</g>')
    out.append('<g class="axis y-axis" font-size="12" fill="#444">')
    for tick in ticks:
        y = base - tick * scale
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{"#888" if tick == 0 else "#e4e4e4"}"></line>'
                   f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{fmt(tick)}</text>')
    out.append('</g><g class="bars">')
    stacked = {}
    for row in rows:
        x, value = row[x_col], row[y_col] or 0
        i = xs.index(x)
        bx = LEFT + band * i + (band - bar) / 2
        below = stacked.get(x, 0)
        stacked[x] = below + value
        y, h = base - (below + value) * scale, value * scale
        tip = f"{x_col}: {x}" + (f", {colour_col}: {row[colour_col]}" if colour_col else "") + f", {y_col}: {fmt(value)}"
        out.append(f'<rect class="segment" x="{bx:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                   f'fill="{colour_of(row)}" data-value="{escape(value)}"><title>{escape(tip)}</title></rect>')
    out.append('</g><g class="labels" font-size="13">')
    for i, x in enumerate(xs):
        cx = LEFT + band * i + band / 2
        out.append(f'<text class="total" x="{cx:.1f}" y="{base - totals[x] * scale - 6:.1f}" text-anchor="middle" '
                   f'font-weight="bold">{fmt(totals[x])}</text>')
        if rotate:
            out.append(f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="end" '
                       f'transform="rotate(-30 {cx:.1f} {base + 16})">{escape(x)}</text>')
        else:
            out.append(f'<text x="{cx:.1f}" y="{base + 20}" text-anchor="middle">{escape(x)}</text>')
    out.append('</g></svg>')
    return Markup("".join(out))


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
                result["chart"] = stacked_bars(columns, rows, chart_id=f"chart-{name}")
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
        return {
            "page_title": query.get("title") or name,
            "page_description": description or query.get("description") or datasette.metadata("title") or "",
            "site_title": datasette.metadata("title"),
            "headline": await cached_headline(datasette, database, name, query),
        }

    return query_page_vars
