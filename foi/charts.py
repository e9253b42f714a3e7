"""What a chart of a headline figure is made of, for the page's SVG (plugins/headline_chart.py) and
the figure's link-preview card (foi/cards.py) alike: the breakdown's shape and each category's colour,
which metadata.yml declares once (`plugins: category-colours:`)."""

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
