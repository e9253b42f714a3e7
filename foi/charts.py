"""What a chart is made of, for the page's drawing (plugins/headline_chart.py, plugins/replies_page.py)
and the figure's link-preview card (foi/cards.py) alike: the breakdown's shape, each category's colour,
which metadata.yml declares once (`plugins: category-colours:`), and the one rule that decides
whether its bars stand upright or lie down, ranked, so that labels never collide (lies_down())."""
from markupsafe import Markup, escape

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#332288", "#000000"]


def colour_map(column, values, declared=None):
    """{value: colour} for the values of one column: the colour metadata.yml gives the value,
    else the next of `others` that no value of this chart has yet."""
    declared = declared or {}
    known = {str(k): v for k, v in (declared.get(column) or {}).items()}
    spare = [c for c in (declared.get("others") or PALETTE) if c not in known.values()] or PALETTE
    colours, i = {}, 0
    for value in values:
        if str(value) in known:
            colours[value] = known[str(value)]
        else:
            colours[value] = spare[i % len(spare)]
            i += 1
    return colours


def wrap(text, width):
    """Words of `text` in lines of at most `width` characters (a longer word is its own line)."""
    lines, line = [], ""
    for word in str(text).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines or [""]


def chart_shape(columns, rows):
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
    return y_col, x_col, colour_col, xs, colours, totals


# ---- upright or lying down: the one rule for the page's chart and the card's -------------------
#
# A breakdown is drawn with upright bars when each category's label fits under its own bar; when
# the labels would collide (many categories, or names such as "Liverpool South" beside "Liverpool
# North" on a phone) it is drawn as horizontal bars, ranked, one label a row. The page measures its
# labels with the widths of Helvetica (Arial and Liberation Sans have the same), the card with the
# font it draws in; both then ask `lies_down()`.

# Helvetica's advance widths, in thousandths of the font size, for printable ASCII (its AFM file).
_HELVETICA = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278] + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556,
       833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
       333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
       500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584]))
WIDEST_GLYPH = 1015  # any other character is measured as wide as the widest above: never too narrow

MAX_UPRIGHT_BARS = 12   # more categories than this lie down, whatever their labels
MAX_LABEL_LINES = 3     # an upright bar's label may wrap to this many lines beneath it
LABEL_GAP = 8           # px kept clear between the labels of neighbouring upright bars


def text_width(text, size):
    """The width in px of `text` set in Helvetica (or Arial) at `size` px."""
    return sum(_HELVETICA.get(ch, WIDEST_GLYPH) for ch in str(text)) * size / 1000


def wrap_to_width(text, room, measure):
    """Words of `text` in lines no wider than `room` as `measure` (text -> px) measures them; a word
    wider than `room` is a line of its own (and does not fit)."""
    lines, line = [], ""
    for word in str(text).split():
        candidate = f"{line} {word}" if line else word
        if line and measure(candidate) > room:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines or [""]


def lies_down(labels, plot_width, measure, max_bars=MAX_UPRIGHT_BARS, max_lines=MAX_LABEL_LINES):
    """True when a breakdown with these category labels is drawn as horizontal bars: more than
    `max_bars` categories, or a label that, wrapped under its bar (`plot_width` / count wide, less
    the gap between labels), needs more than `max_lines` lines or has a word wider than that."""
    labels = [str(label) for label in labels]
    if len(labels) > max_bars:
        return True
    room = plot_width / max(len(labels), 1) - LABEL_GAP
    for label in labels:
        lines = wrap_to_width(label, room, measure)
        if len(lines) > max_lines or any(measure(line) > room for line in lines):
            return True
    return False


def ranked(xs, totals):
    """The categories from the largest total to the smallest (ties in their first order); a
    category with no total (None: refused, no reply) after every number."""
    order = {x: i for i, x in enumerate(xs)}
    return sorted(xs, key=lambda x: (totals.get(x) is None, -(totals.get(x) or 0), order[x]))


class Box(tuple):
    """(left, top, right, bottom) in px."""
    __slots__ = ()

    def overlaps(self, other):
        return self[0] < other[2] and other[0] < self[2] and self[1] < other[3] and other[1] < self[3]


def lying_layout(labels, box, measure, line_height, label_share=0.42, gap=10, max_lines=2):
    """Where each row of horizontal bars goes in `box` (left, top, right, bottom): a dict per row
    with its label's `lines`, the label's `box` (right-aligned in a column at most `label_share`
    of the width), and the bar's `left`, `right` (at full length) and `top`, `bottom`. Rows are
    as tall as their label's lines; those that do not fit are left out and `more` says how many
    (the last row that fits then says "+ N more")."""
    left, top, right, bottom = box
    column = min(max((measure(str(label)) for label in labels), default=0), (right - left) * label_share)
    column = max(column, min((right - left) * label_share, 40))
    wrapped = []
    for label in labels:
        lines = wrap_to_width(label, column, measure)
        if len(lines) > max_lines:  # cut, with an ellipsis, never drawn over the next row
            lines = lines[:max_lines - 1] + [shorten(" ".join(lines[max_lines - 1:]), column, measure)]
        wrapped.append([shorten(line, column, measure) for line in lines])
    rows, y, shown = [], top, len(labels)
    heights = [len(lines) * line_height + 4 for lines in wrapped]
    if sum(heights) > bottom - top:  # keep a row for "+ N more"
        shown, used = 0, line_height + 4
        while shown < len(labels) and used + heights[shown] <= bottom - top:
            used += heights[shown]
            shown += 1
    for lines, height in zip(wrapped[:shown], heights[:shown]):
        width = max(measure(line) for line in lines)
        label_left = left + column - width
        rows.append({"lines": lines, "box": Box((label_left, y + 2, left + column, y + 2 + len(lines) * line_height)),
                     "left": left + column + gap, "right": right, "top": y + 2, "bottom": y + height - 2})
        y += height
    more = len(labels) - shown
    if more:
        text = f"+ {more} more"
        rows.append({"lines": [text], "box": Box((left + column - measure(text), y + 2, left + column, y + 2 + line_height)),
                     "left": left + column + gap, "right": right, "top": y + 2, "bottom": y + line_height + 2,
                     "more": more})
    return rows


def shorten(text, room, measure):
    """`text`, cut at the end with an ellipsis if it is wider than `room`."""
    if measure(text) <= room:
        return text
    while text and measure(text + "\u2026") > room:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def upright_label_boxes(labels, left, band, top, measure, line_height):
    """Where upright bars' labels go, each centred under its bar (`band` px apart from `left`),
    wrapped as lies_down() wraps them: a dict per label with its `lines` and `box`."""
    placed = []
    for i, label in enumerate(labels):
        lines = wrap_to_width(label, band - LABEL_GAP, measure)
        width = max(measure(line) for line in lines)
        centre = left + band * i + band / 2
        placed.append({"lines": lines, "centre": centre,
                       "box": Box((centre - width / 2, top, centre + width / 2, top + len(lines) * line_height))})
    return placed


# ---- horizontal bars on a page: HTML rows, one a category, so labels wrap and never overlap ----

def ranked_bars_html(rows, label, css_class=""):
    """Horizontal bars, one <li> a row, in the order given (rank them first: ranked()). Each row is
    a dict: `label`, optional `href` (the label links there), and either `segments` [(name, value,
    colour)] drawn end to end with `value_text` after them, or `note` (e.g. "refused (s.12 cost)")
    written where the bar would be: a row without a figure is never drawn as a zero bar.
    `label` names the list for a screen reader. static/site.css lays the rows out."""
    def total(row):
        return sum(value or 0 for _, value, _ in row.get("segments") or [])

    peak = max((total(r) for r in rows if r.get("segments")), default=0) or 1
    out = [f'<ol class="ranked-bars{" " + css_class if css_class else ""}" aria-label="{escape(label)}">']
    for row in rows:
        name = escape(row["label"])
        if row.get("href"):
            name = Markup(f'<a href="{escape(row["href"])}">{name}</a>')
        if row.get("segments"):
            whole = total(row)
            rects, x = [], 0.0
            for series, value, colour in row["segments"]:
                width = 1000 * (value or 0) / whole if whole else 0
                tip = f"{series}: {value:,}" if series else f"{value:,}"
                rects.append(f'<rect class="segment" x="{x:.1f}" y="0" width="{width:.1f}" height="10" '
                             f'fill="{colour}" data-value="{escape(value)}"><title>{escape(tip)}</title></rect>')
                x += width
            parts = [f"{s} {v:,}" for s, v, _ in row["segments"] if s]
            spoken = f'<span class="visually-hidden"> ({escape(", ".join(parts))})</span>' if len(parts) > 1 else ""
            bar = (f'<svg class="bar" style="width: {100 * whole / peak:.2f}%" viewBox="0 0 1000 10" '
                   f'preserveAspectRatio="none" aria-hidden="true" focusable="false">{"".join(rects)}</svg>'
                   f'<span class="bar-value">{escape(row.get("value_text") or f"{whole:,}")}</span>{spoken}')
            out.append(f'<li class="ranked-row" data-value="{whole}"><span class="bar-label">{name}</span>'
                       f'<span class="bar-track">{bar}</span></li>')
        else:
            out.append(f'<li class="ranked-row no-bar"><span class="bar-label">{name}</span>'
                       f'<span class="bar-track"><span class="bar-note">{escape(row.get("note") or "no figure")}</span></span></li>')
    out.append("</ol>")
    return Markup("".join(out))
