"""`python build.py describe FILE [--sheet NAME]`: a release nobody has declared, read and described
as a manifest entry ready to paste into data/manifest.yml.

How it reads the file, whatever its format (CSV, XLSX, XLS, ODS: the build's own reader):
- the sheet: every sheet of a workbook is listed with its rows, and the release is the one with the
  most rows of one shape under a header (named in `sheet:`);
- the header: the first full row of names above the longest run of rows of one shape. A row whose
  cells are values of the rows below it is never the header; a title line never is (one cell);
- the kind: `rows` when rows carry a reference or a date each, `counts` when they carry numbers per
  label;
- the columns the build's synonyms do not find, from what the columns hold: a column of dates, of
  Excel serial numbers (`date_format: excel`), a date split over Year and Month columns, a
  financial-year column with no date; the outcome column; the crime reference column;
- the period the dates cover (and the one a title line states), and whether references repeat
  (`rows_are: offences`).
What only the journalist knows (title, authority, FOI reference, dates, source, licence) is left as
commented placeholders: the build refuses the entry until they are filled in.
"""
import re
import tempfile
from pathlib import Path

from . import column_values, read
from .describe_layout import Column, choose, common_keys, filled, kind_of, read_layouts
from .describe_rows import disclosure_lines, rows_entry
from .describe_values import TOTAL_LABELS, is_page_line, yaml_text
from .errors import ReleaseError
from .read import label_key


def describe(path, sheet=None, out=print):
    """Print the description and the entry; 0. Anything wrong is a ReleaseError, never a traceback."""
    path = Path(path)
    if not path.is_file():
        raise ReleaseError(path, "there is no such file", "give the path of the release file, e.g. data/release.csv")
    try:
        return _describe(path, sheet, out)
    except ReleaseError:
        raise
    except Exception as e:  # a file nobody foresaw: a message, never a traceback
        raise ReleaseError(path, f"describe could not read this file ({type(e).__name__}: {e})",
                           "check it is the release, saved as CSV, XLSX, XLS or ODS; map its columns by hand "
                           "(README.md, 'Using your own release'), and tell the maintainers what the file was") from None


def _describe(path, sheet, out):
    release_id = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "new-release"
    release = {"id": release_id, "file": path.name, "sheet": sheet}
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        source = read.open_release(release, path, scratch)
        source.display = str(path) + (f" (sheet {str(sheet)!r})" if sheet not in (None, "") else "")
        layouts = read_layouts(source)
        layout = choose(layouts, lines, source.sheet if sheet not in (None, "") else None)
        if layout is None:
            headed = [f"{l.sheet!r} (a header on row {l.header_line})" for l in layouts if l.found]
            raise ReleaseError(source.display, "no header row found: no row in the first "
                               f"{read.HEADER_SEARCH_ROWS} lines names the columns of rows below it",
                               (f"read another sheet with --sheet: {', '.join(headed)}" if headed else
                                "check it is the release (and, for a workbook, give the sheet with --sheet)")
                               + "; if it is the release, map its columns under `columns:` in data/manifest.yml by "
                               "hand (README.md, 'Using your own release')")
        if layout.sheet is not None:
            source.sheet = layout.sheet
            release["sheet"] = layout.sheet
        columns = analyse(layout)
        kind, why = kind_of(layout, columns)
        if kind == "rows":
            entry = rows_entry(source, release, layout, columns, why, lines)
        else:
            entry = counts_entry(source, release, layout, columns, lines)
    out(f"# python build.py describe {path}{' --sheet ' + repr(sheet) if sheet else ''}")
    out(f"# {source.read_as}")
    for line in lines:
        out(f"# {line}")
    out("# Paste this under `releases:` in data/manifest.yml, fill in the commented lines, then `make build`.")
    for line in entry:
        out(line)
    return 0


def analyse(layout):
    """What each column holds, from the rows below the header (in the first rows read)."""
    columns = [Column(i, h) for i, h in enumerate(layout.headers)]
    width = len(columns)
    header_keys = [label_key(h) for h in layout.headers]
    for _, cells in layout.head[layout.header_at + 1:]:
        there = filled(cells)
        if not there or there[-1] >= width or len(there) < 2:
            continue
        if label_key(cells[there[0]]) in TOTAL_LABELS or [label_key(c) for c in cells[:width]] == header_keys:
            continue
        for i in there:
            text = cells[i].strip()
            columns[i].values[text] += 1
            columns[i].filled += 1
    return columns


def counts_entry(source, release, layout, columns, lines):
    """A published table of counts: the header (and whether it has two rows), the count columns, total rows."""
    headers = layout.headers
    data = [cells for _, cells in layout.head[layout.header_at + 1:] if filled(cells)]
    data = [r for r in data if not (len(filled(r)) == 1 and is_page_line(r[filled(r)[0]].strip()))
            and [label_key(c) for c in r[:len(headers)]] != [label_key(h) for h in headers]]
    labels = [next((c.strip() for c in r if c.strip()), "") for r in data]
    totals = [l for l in labels if label_key(l) in TOTAL_LABELS]
    other_totals = [l for l in labels if label_key(l).startswith("total") and l not in totals]
    counts = [c.header for c in columns[1:] if c.header and c.holds == "number"]
    lines.append(f"kind: counts (a published table: numbers per label); header on line {layout.header_line}"
                 + (" (two rows, joined)" if layout.header_rows == 2 else "") + ": " + ", ".join(map(repr, headers)))
    lines.append("count columns: " + ", ".join(map(repr, counts)))
    if totals:
        lines.append("total rows (checked against the rows): " + ", ".join(map(repr, totals)))
    if other_totals:
        lines.append("rows labelled like totals (declare each as a subtotal or a total below): "
                     + ", ".join(map(repr, other_totals)))
    if any(label_key(h) in ("total", "grand total") for h in headers):
        lines.append("a Total column: checked row by row against the row's other counts")
    entry = common_keys(release, "counts")
    entry.append(f"    table: {re.sub(r'[^a-z0-9]+', '_', release['id']).strip('_')}")
    if layout.header_rows > 1:
        entry.append(f"    header_rows: {layout.header_rows}")
    entry.append("    counts: [" + ", ".join(yaml_text(c) for c in counts) + "]")
    if other_totals:
        entry.append("    subtotal_rows: [" + ", ".join(yaml_text(l) for l in other_totals) + "]"
                     "  # or total_rows: for a total of every row")
    body = [(line, cells) for line, cells in layout.head[layout.header_at + 1:] if filled(cells)]
    watch = column_values.Watch(headers, [i for i, h in enumerate(headers) if h not in counts])
    for _ in watch.rows((line, cells + [""] * (len(headers) - len(cells))) for line, cells in body):
        pass
    return entry + disclosure_lines(watch, source.hidden, set(), lines)
