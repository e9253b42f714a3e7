"""A page's rows written in one piece: the `rows_html` filter of templates/_table.html (a
table's rows) and `query_rows_html` of templates/query.html (a query's, up to 1,000).

Datasette's _table.html writes each cell with Jinja: seven pieces a cell (its class, its type,
its value and the markup between them), each passed up through every template that includes
the one below (base.html, table.html, _table.html), and each column's CSS class worked out
again in every row. At 100 rows of 15 columns that was 14,000 pieces, a third of the page's
time (profiled). Here the same cells are written in one string, each column's class worked out
once, every value escaped as Jinja escapes it (markup Datasette made, a link or &nbsp;, is kept;
text is escaped). tests/test_table_rows_html.py compares the two on every cell of a page.
"""
from datasette import hookimpl
from datasette.utils import to_css_class
from markupsafe import Markup, escape


def rows_html(display_rows):
    """<tr><td class="col-<column> type-<type>">value</td>...</tr> for every row, as _table.html did."""
    classes = {}
    pieces = []
    for row in display_rows:
        pieces.append("<tr>")
        for cell in row:
            column = cell["column"]
            css = classes.get(column)
            if css is None:
                css = classes[column] = escape(to_css_class(column))
            pieces.append(f'<td class="col-{css} type-{escape(cell["value_type"])}">{escape(cell["value"])}</td>')
        pieces.append("</tr>\n")
    return Markup("".join(pieces))


def query_rows_html(display_rows, columns):
    """<tr><td class="col-<column>">value</td>...</tr> for every row, as query.html did."""
    classes = [escape(to_css_class(column)) for column in columns]
    return Markup("".join(
        "<tr>" + "".join(f'<td class="col-{css}">{escape(value)}</td>' for css, value in zip(classes, row))
        + "</tr>\n" for row in display_rows))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["rows_html"] = rows_html
    env.filters["query_rows_html"] = query_rows_html
