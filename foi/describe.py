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
import calendar
import datetime
import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import clean, column_values, disclosure, outcomes, read
from .offences import Lookup
from .row_values import UNMATCHED
from .errors import ReleaseError
from .read import HEADER_SEARCH_ROWS as HEADER_SEARCH, label_key
from .fields import ROW_FIELDS, header_key, match_columns

PLACEHOLDERS = [
    ("title", "what the release is, e.g. Crimes resolved by caution, April 2015 to March 2017"),
    ("authority", "who released it, e.g. West Midlands Police"),
    ("foi_reference", "the force's reference, e.g. FOI 2017/123"),
    ("requested", "yyyy-mm-dd, when the request was made"),
    ("answered", "yyyy-mm-dd, when the force answered (later outcome dates are an error)"),
    ("source_url", "https://... where the release can be seen (disclosure log, the story)"),
    ("licence", "e.g. Open Government Licence v3.0"),
]
DATE_NAMES = {header_key(name) for name in ROW_FIELDS["outcome_date"][1]}
HEAD_ROWS = 2_000        # rows read to find the header and what each column holds
MOSTLY = 0.9             # the share of a column's filled cells that decides what it holds
TOTAL_LABELS = {"total", "totals", "grand total", "all"}
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
SERIAL_RANGE = (20_000, 60_000)            # 1954-10-03 to 2064-04-08: serial numbers a release may hold
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


def yaml_text(value):
    return json.dumps(value, ensure_ascii=False) if re.search(r"[:#\[\]{}&*!|>'\"%@`,]|^\s|\s$|^$", value) \
        or value.lower() in ("yes", "no", "true", "false", "null", "on", "off") or re.fullmatch(r"[\d.\-/]+", value) \
        else value


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


# --- what a cell holds -------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def is_number(text):
    return bool(text) and (clean.is_suppressed(text) or bool(re.fullmatch(r"-?[\d,]*\d(\.\d+)?", text)))


@lru_cache(maxsize=65536)
def is_date(text):
    """A date the build reads by itself, or one it reads with a `date_format:` it can name."""
    if not text or len(text) > clean.MAX_DATE_CHARS or not any(ch.isdigit() for ch in text):
        return False
    try:
        clean.date(text)
        return True
    except ValueError as e:
        return len(e.args) > 1 and "date_format" in e.args[1]


def serial_date(text):
    """An Excel serial number ('42461', '42461.5') -> the date it stands for, or None."""
    if not re.fullmatch(r"\d{5}(\.\d+)?", text):
        return None
    number = float(text)
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return None
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


FINANCIAL_YEAR = re.compile(r"(?:fy\s*)?(\d{4})\s*[/\-]\s*(\d{2}|\d{4})", re.I)


def financial_year(text):
    """'2015/16', '2015-16', '2015/2016', 'FY 2015/16' -> 2015 (the year it starts), or None."""
    m = FINANCIAL_YEAR.fullmatch(text)
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return start if end in ((start + 1) % 100, start + 1) else None


def month_number(text):
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 12:
        return int(text)
    return MONTHS.get(text.lower().rstrip("."))


def is_page_line(text):
    return bool(read.PAGE_LINE.fullmatch(text))


@dataclass
class Column:
    """What one column holds, from the cells of the rows below the header."""
    index: int
    header: str
    values: Counter = field(default_factory=Counter)
    filled: int = 0

    def share(self, test):
        return sum(n for v, n in self.values.items() if test(v)) / self.filled if self.filled else 0.0

    @property
    def holds(self):
        """'date', 'serial', 'financial year', 'year', 'month', 'day', 'number' or 'text' (or '' if empty)."""
        if not self.filled:
            return ""
        key = header_key(self.header)
        if self.share(lambda v: financial_year(v) is not None) >= MOSTLY and \
                ("year" in key or "fy" in key.split() or any("/" in v for v in self.values)):
            return "financial year"
        if ("date" in key.split() or key in DATE_NAMES) and self.share(lambda v: serial_date(v) is not None) >= MOSTLY:
            return "serial"  # only under a date's name: a count may be a five-digit number too
        if self.share(is_date) >= MOSTLY:
            return "date"
        words = key.split()
        if "year" in words and self.share(lambda v: re.fullmatch(r"(19|20)\d\d", v) is not None) >= MOSTLY:
            return "year"
        if "month" in words and self.share(lambda v: month_number(v) is not None) >= MOSTLY:
            return "month"
        if "day" in words and self.share(lambda v: re.fullmatch(r"\d{1,2}", v) and 1 <= int(v) <= 31) >= MOSTLY:
            return "day"
        if self.share(is_number) >= MOSTLY:
            return "number"
        return "text"

    @property
    def distinct(self):
        return len(self.values) / self.filled if self.filled else 0.0


# --- the sheet, the header, the shape ------------------------------------------------------------

@dataclass
class Layout:
    """Where a sheet's (or a text file's) table is: its header and the run of rows below it."""
    sheet: str | None
    rows: int                     # filled rows in the whole sheet
    head: list                    # its first rows, (line, cells)
    header_at: int | None = None  # index in head of the header's (last) row
    header_rows: int = 1
    headers: list = field(default_factory=list)
    run: int = 0                  # rows of the header's shape below it, in head
    named: int = 0                # headers the build knows by name

    @property
    def header_line(self):
        return self.head[self.header_at][0] - (self.header_rows - 1) if self.header_at is not None else None

    @property
    def found(self):
        return self.header_at is not None


def filled(cells):
    return [i for i, c in enumerate(cells) if c.strip()]


def find_layout(head, sheet=None, rows=None):
    """The header: of the rows in the first HEADER_SEARCH_ROWS lines that could be one (two or more cells,
    none of them a number or a date, not a copy of the rows' values), the one with the longest run of rows
    of its shape below it (no cell right of its last, two or more cells filled; blank lines, page lines
    and copies of it skipped); on a tie the first. Headers the build knows by name come first."""
    shapes = [filled(cells) for _, cells in head]  # each row's filled cells
    layout = Layout(sheet, rows if rows is not None else sum(1 for there in shapes if there), head)
    best = None
    for k, (line, cells) in enumerate(head):
        if line > read.HEADER_SEARCH_ROWS:
            break
        at = shapes[k]
        texts = [cells[i].strip() for i in at]
        if len(at) < 2 or any((is_number(t) and not re.fullmatch(r"(19|20)\d\d", t)) or is_date(t) for t in texts) \
                or all(re.fullmatch(r"(19|20)\d\d", t) for t in texts):
            continue
        width, key = at[-1] + 1, [label_key(c) for c in cells[:at[-1] + 1]]
        run, below = 0, []
        for j in range(k + 1, len(head)):
            other, there = head[j][1], shapes[j]
            if not there or (len(there) == 1 and is_page_line(other[there[0]].strip())):
                continue
            if there == at and label_key(other[at[0]]) == key[at[0]] and [label_key(c) for c in other[:width]] == key:
                continue  # the header again (a page break)
            if there[-1] >= width or len(there) < 2:
                break
            run += 1
            if len(below) < 200:
                below.append(other)
        if not run:
            continue
        # a row whose cells are values of the rows below is a data row, never the header
        seen = sum(1 for i in at if any(i < len(r) and r[i].strip() == cells[i].strip() for r in below))
        if seen * 2 >= len(at):
            continue
        named = len(match_columns([c.strip() for c in cells], {})[0])
        score = (named >= 2, run)
        if best is None or score > best[0]:
            best = (score, k, width, named, run)
    if best is None:
        return layout
    _, k, width, named, run = best
    layout.header_at, layout.named, layout.run = k, named, run
    cells = head[k][1]
    above = head[k - 1][1] if k else []
    names = [c.strip() for c in cells[:width]]
    # two header rows: a row of group names with gaps (merged cells) above a row whose names repeat
    if above and filled(above) and any(not c.strip() for c in above[1:width]) and not filled(above[width:]) \
            and len(set(n for n in names[1:] if n)) < sum(1 for n in names[1:] if n) and len(filled(above)) >= 2:
        layout.header_rows = 2
        names = read.join_header_rows([above[:width], cells[:width]])
    layout.headers = names
    return layout


def read_layouts(source):
    """Every sheet's layout (a text file: its one table)."""
    if not source.is_spreadsheet:
        head, rows = [], 0
        for line, cells in source.rows():
            rows += bool(filled(cells))
            if len(head) < HEADER_SEARCH + HEAD_ROWS:
                head.append((line, cells))
        return [find_layout(head, None, rows)]
    layouts = []
    for name in source.sheets:
        head, rows = [], 0
        for line, cells in read.sheet_rows(source.path, name, display=source.display):
            rows += bool(filled(cells))
            if len(head) < HEADER_SEARCH + HEAD_ROWS:
                head.append((line, cells))
        layouts.append(find_layout(head, name, rows))
    return layouts


def choose(layouts, lines, given=None):
    """The sheet that holds the release: the one given (--sheet), else the most rows of one shape under
    a header; with several candidates, say which and why."""
    found = [l for l in layouts if l.found]
    if len(layouts) > 1 or layouts[0].sheet is not None:
        lines.append("sheets: " + "; ".join(f"{l.sheet!r} {l.rows:,} row{'' if l.rows == 1 else 's'}"
                                              + (f", a header on row {l.header_line}" if l.found else ", no header")
                                              for l in layouts))
    if given is not None:
        chosen = next(l for l in layouts if l.sheet == given)
        lines.append(f"the release is on sheet {given!r}, as --sheet says")
        return chosen if chosen.found else None
    if not found:
        return None
    chosen = max(found, key=lambda l: (l.named >= 2, l.run))
    others = [l for l in found if l is not chosen]
    if others:
        lines.append(f"the release is on sheet {chosen.sheet!r}: of the sheets with a header, it has the most rows of "
                     f"one shape under it ({chosen.run:,}{'+' if chosen.run >= HEAD_ROWS else ''} against "
                     + ", ".join(f"{l.run:,} on {l.sheet!r}" for l in others) + ")"
                     + ("" if chosen.named >= 2 else "") + "; to read another, give --sheet")
    elif len(layouts) > 1:
        lines.append(f"the release is on sheet {chosen.sheet!r}, the only sheet with a header")
    return chosen


# --- the entry ---------------------------------------------------------------------------------

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


def kind_of(layout, columns):
    """('rows', why) when the rows carry a reference or a date each; ('counts', why) when they carry
    numbers per label."""
    found, _ = match_columns(layout.headers, {})
    holds = {c.index: c.holds for c in columns}
    numbers = [c for c in columns[1:] if holds[c.index] == "number"]
    reference = "crime_reference" in found or reference_column(columns) is not None
    dated = any(holds[c.index] in ("date", "serial") for c in columns) or \
        ("year" in holds.values() and "month" in holds.values())
    fy = "financial year" in holds.values()
    carried = [what for what, has in (("a reference", reference), ("a date", dated), ("a financial year", fy and not dated))
               if has]
    why = " and ".join(carried) + " on every row"
    if "crime_reference" in found and ("outcome" in found or "outcome_date" in found):
        return "rows", why
    if len(numbers) >= 2 and len(numbers) * 2 >= sum(1 for c in columns if c.filled) and "outcome" not in found \
            and not reference_column(columns):
        return "counts", "numbers per label"
    if dated or (fy and reference):
        return "rows", why
    if numbers and (all(holds[c.index] in ("number", "") for c in columns[1:])
                    or (len(numbers) * 2 >= len(columns) - 1 and not reference)):
        return "counts", "numbers per label"
    if reference:
        return "rows", why
    return ("counts", "numbers per label") if numbers else ("rows", "no numbers per label")


def reference_column(columns):
    """The column of references: text, nearly every value different, on five or more rows."""
    def is_reference(c):
        if c.filled < 5 or c.distinct < 0.9 or c.holds != "text":
            return False
        if c.index == 0:  # the first column: a label column of a table is as distinct; a reference has digits
            return bool(re.search(r"\d", next(iter(c.values), "")))
        return True

    best = [c for c in columns if is_reference(c)]
    return max(best, key=lambda c: (c.distinct, -c.index), default=None)


def common_keys(release, kind):
    keys = [f"  - id: {release['id']}", f"    kind: {kind}", f"    file: {yaml_text(release['file'])}"]
    if release.get("sheet"):
        keys.append("    # The sheet of the workbook that holds the release")
        keys.append(f"    sheet: {yaml_text(str(release['sheet']))}")
    keys += [f"    # {key}: {hint}" for key, hint in PLACEHOLDERS]
    keys.append("    is_sample: false")
    return keys


@dataclass
class DatePlan:
    """How the outcome date is read: one column, Excel serial numbers, split columns, or a financial year."""
    how: str                      # 'column', 'excel', 'split' or 'financial year'
    columns: list                 # their indexes (split: in the order written under `columns:`)


def plan_dates(columns, found):
    """The outcome date's column(s), and how they are read."""
    holds = {c.index: c.holds for c in columns}
    at = found.get("outcome_date")
    if at is not None and holds[at] in ("date", "serial"):
        return DatePlan("excel" if holds[at] == "serial" else "column", [at])
    by = {kind: [c.index for c in columns if holds[c.index] == kind] for kind in ("date", "serial", "year", "month",
                                                                                 "day", "financial year")}
    if by["year"] and by["month"]:
        return DatePlan("split", ([by["day"][0]] if by["day"] else []) + [by["month"][0], by["year"][0]]
                        if by["day"] else [by["year"][0], by["month"][0]])
    dated = sorted(by["date"], key=lambda i: ("date" not in header_key(columns[i].header), i))
    if dated:
        return DatePlan("column", dated[:1])
    serial = sorted(by["serial"], key=lambda i: ("date" not in header_key(columns[i].header), i))
    if serial:
        return DatePlan("excel", serial[:1])
    if by["financial year"]:
        return DatePlan("financial year", by["financial year"][:1])
    if at is not None:  # named like a date but not read as one: the build says which values it cannot read
        return DatePlan("column", [at])
    return None


def outcome_column(columns, found, skip):
    """The outcome: the build's synonyms, else the text column whose values the defaults read best."""
    if "outcome" in found:
        return found["outcome"]
    best, best_share = None, 0.5
    for c in columns:
        if c.index in skip or c.holds != "text" or c.distinct > 0.5:
            continue
        share = c.share(lambda v: outcomes.classify(v) is not None and "caution" in v.lower() or
                        re.search(r"\b(outcome|oc|type)\s*\d+\b", v, re.I) is not None)
        if share > best_share:
            best, best_share = c.index, share
    return best


def rows_entry(source, release, layout, columns, why, lines):
    """A row-level release: the columns mapped, each outcome value, the dates and the period."""
    headers = layout.headers
    found, problems = match_columns(headers, {})
    dates = plan_dates(columns, found)
    found.pop("outcome_date", None)
    skip = set(found.values()) | set(dates.columns if dates else [])
    at = outcome_column(columns, found, skip)
    if at is not None:
        found["outcome"] = at
        skip.add(at)
    if "crime_reference" not in found:
        reference = reference_column([c for c in columns if c.index not in skip])
        if reference is not None:
            found["crime_reference"] = reference.index
    order = list(ROW_FIELDS)
    mapped = {f: headers[i] for f, i in sorted(found.items(), key=lambda kv: order.index(kv[0]))}
    date_mapping = [headers[i] for i in dates.columns] if dates else []

    # every row, through the build's own Table
    stats = read_rows(source, layout, found, dates)
    lines.append(f"kind: rows (one row per crime: {why}), {stats.rows:,} data rows; header on line {layout.header_line}"
                 + (" (two rows, joined)" if layout.header_rows == 2 else "") + ": " + ", ".join(map(repr, headers)))
    shown = [f"{f} <- {h!r}" for f, h in mapped.items()]
    if dates and dates.how != "financial year":
        shown.append("outcome_date <- " + " + ".join(map(repr, date_mapping)))
    elif dates:
        shown.append(f"financial_year <- {date_mapping[0]!r}")
    lines.append("columns mapped: " + ", ".join(shown))
    used = set(found.values()) | set(dates.columns if dates else [])
    unmapped = [h for i, h in enumerate(headers) if i not in used]
    if unmapped:
        lines.append("not mapped, so kept as columns of cautions: "
                     + ", ".join(f"{h!r} -> {header_key(h).replace(' ', '_') or 'column'}" for h in unmapped))
    for field_name in ("crime_reference", "outcome"):
        if field_name not in found:
            lines.append(f"NOT FOUND: no column for {field_name}; map it under `columns:` if the release has it")
    if not dates:
        lines.append("NOT FOUND: no column of outcome dates (nor Year and Month, nor a financial year); "
                     "map `outcome_date:` under `columns:` if the release has it")
    if stats.notes:
        lines.append("title and note rows (kept as the release's notes): " + " | ".join(n[:80] for n in stats.notes))
    for line, cells in stats.totals:
        lines.append(f"total row on line {line}: {' '.join(c for c in cells if c.strip())[:80]!r} (checked against the rows)")
    if stats.skipped:
        lines.append(f"skipped as the build will skip them: {stats.skipped}")
    unknown = describe_outcomes(stats, lines)
    suggested = describe_dates(stats, dates, headers, lines)
    period, outside = propose_period(stats, dates, suggested, lines)
    repeats = describe_repeats(stats, lines)
    offences = describe_offences(stats, lines)

    entry = common_keys(release, "rows")
    if source.delimiter and source.delimiter != ",":
        entry.append("    # What separates the cells of a line")
        entry.append(f"    delimiter: {source.delimiter_name}")
    entry.append("    # The header each field of a crime is under in this file")
    entry.append("    columns:")
    before_date = [f for f in mapped if order.index(f) < order.index("outcome_date")]
    entry += [f"      {f}: {yaml_text(mapped[f])}" for f in before_date]
    if dates and dates.how == "split":
        entry.append("      # The outcome date is split over these columns (" + ", ".join(
            columns[i].holds for i in dates.columns) + "), read together as one date")
        entry.append("      outcome_date: [" + ", ".join(yaml_text(h) for h in date_mapping) + "]")
    elif dates and dates.how == "financial year":
        entry.append("      # No date: each row's financial year (April to March), from this column; dates and months stay empty")
        entry.append(f"      financial_year: {yaml_text(date_mapping[0])}")
    elif dates:
        entry.append(f"      outcome_date: {yaml_text(date_mapping[0])}")
    entry += [f"      {f}: {yaml_text(h)}" for f, h in mapped.items() if f not in before_date]
    if dates and dates.how == "excel":
        entry.append("    # The dates are Excel serial numbers, days counted from 30 December 1899 (42461 = 2016-04-01)")
        entry.append("    date_format: excel")
    elif suggested:
        entry.append(f"    # How the dates are written (a strftime pattern): {example_of(stats, suggested)}")
        entry.append(f'    date_format: "{suggested}"')
    if period:
        entry += period
    if outside:
        entry += outside
    if repeats:
        entry += repeats
    entry += offences
    entry += disclosure_lines(stats.watch, source.hidden, set(found.values()) | set(dates.columns if dates else []),
                              lines)
    if unknown:
        entry.append("    # Outcomes no rule reads: say what each one is (never guessed), as one of: "
                     + ", ".join(outcomes.KINDS))
        entry.append("    # outcomes:")
        entry += [f"    #   {json.dumps(v, ensure_ascii=False)}: <kind>" for v in unknown]
    return entry


@dataclass
class RowStats:
    rows: int = 0
    outcomes: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)      # the date as given (a tuple when split) -> rows
    references: Counter = field(default_factory=Counter)
    offences: Counter = field(default_factory=Counter)    # (code cell, description cell) -> rows
    watch: object = None                                  # column_values.Watch: every column's values, for the disclosure check
    first: dict = field(default_factory=dict)             # (what, value) -> its first line
    notes: list = field(default_factory=list)
    totals: list = field(default_factory=list)
    skipped: str | None = None


def read_rows(source, layout, found, dates):
    """Every data row through the build's Table, from the header describe found: the outcome values,
    the dates and the references, with the first line of each."""
    header_last = layout.head[layout.header_at][0]
    current = {}

    def tracked(rows):
        for line, cells in rows:
            current["line"] = line
            yield line, cells

    stats = RowStats()
    outcome, reference = found.get("outcome"), found.get("crime_reference")
    code, description = found.get("offence_code"), found.get("offence_description")
    date_columns = dates.columns if dates else []
    first = stats.first
    with read.Table(tracked(source.rows()), source.display, lambda cells: current.get("line") == header_last,
                    header_rows=layout.header_rows) as table:
        stats.watch = column_values.Watch(table.headers, range(len(table.headers)))
        for line, cells in stats.watch.rows(table.rows()):
            stats.rows += 1
            if outcome is not None:
                value = cells[outcome]
                stats.outcomes[value] += 1
                first.setdefault(("outcome", value), line)
            if date_columns:
                value = cells[date_columns[0]] if len(date_columns) == 1 else tuple(cells[i] for i in date_columns)
                stats.dates[value] += 1
                first.setdefault(("date", value), line)
            if code is not None or description is not None:
                value = (cells[code] if code is not None else "", cells[description] if description is not None else "")
                stats.offences[value] += 1
                first.setdefault(("offence", value), line)
            if reference is not None:
                value = cells[reference].strip()
                stats.references[value] += 1
                first.setdefault(("reference", value), line)
        stats.notes, stats.totals, stats.skipped = table.notes, table.totals, table.skipped_lines
    return stats


def describe_outcomes(stats, lines):
    unknown = []
    if not stats.outcomes:
        return unknown
    lines.append("outcomes (value, rows, read as):")
    for value, n in stats.outcomes.most_common():
        decided = outcomes.classify(value.strip())
        if decided:
            lines.append(f"  {value.strip() or '(blank)'!r} {n:,} -> {decided[0]} ({decided[1]})")
        else:
            unknown.append(value.strip())
            lines.append(f"  {value.strip()!r} {n:,} -> NOT CLASSIFIED: say what it is under `outcomes:` below")
    return unknown


def date_of(value, dates, date_format=None):
    """A date as given -> (first day, last day) it stands for, or None where it cannot be read."""
    try:
        if dates.how == "excel":
            day = serial_date(value.strip())
            return (day, day) if day else None
        if dates.how == "financial year":
            start = financial_year(value.strip())
            return (datetime.date(start, 4, 1), datetime.date(start + 1, 3, 31)) if start else None
        if dates.how == "split":
            parts = [v.strip() for v in value]
            if len(parts) == 3:
                day, month, year = int(parts[0]), month_number(parts[1]), int(parts[2])
                return (datetime.date(year, month, day),) * 2
            year, month = int(parts[0]), month_number(parts[1])
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
        iso = clean.date(value, date_format)[0]
        if len(iso) == 7:  # a month alone
            year, month = int(iso[:4]), int(iso[5:])
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
        day = datetime.date.fromisoformat(iso)
        return day, day
    except (ValueError, TypeError):
        return None


def describe_dates(stats, dates, headers, lines):
    """The date forms, as the build reads them; a `date_format:` where one is needed."""
    if not dates:
        return None
    if dates.how == "excel":
        sample = next(iter(stats.dates), "")
        lines.append(f"dates: Excel serial numbers {sum(stats.dates.values()):,} (e.g. {sample.strip()} = "
                     f"{serial_date(sample.strip())})")
        return None
    if dates.how == "split":
        lines.append("dates: split over " + " and ".join(repr(headers[i]) for i in dates.columns)
                     + f", {sum(stats.dates.values()):,} rows")
        return None
    if dates.how == "financial year":
        years = Counter()
        for value, n in stats.dates.items():
            years[value.strip()] += n
        lines.append("no dates: a financial year per row: " + ", ".join(f"{y} {n:,}" for y, n in sorted(years.items())))
        return None
    forms, failing = Counter(), Counter()
    for value, n in stats.dates.items():
        try:
            forms[clean.date(value)[2]] += n
        except ValueError as e:
            failing[(value, e.args[1] if len(e.args) > 1 else "")] += n
    lines.append("dates: " + (", ".join(f"{form} {n:,}" for form, n in forms.most_common()) or "none read"))
    suggested = None
    for (value, fix), n in failing.most_common(5):
        lines.append(f"  NOT READ: {value.strip()!r} ({n:,} rows, first on line {stats.first[('date', value)]}): {fix}")
        suggestion = re.search(r'date_format: "([^"]+)"', fix)
        suggested = suggested or (suggestion.group(1) if suggestion else None)
    return suggested


def example_of(stats, date_format):
    """'01-Apr-15 is 2015-04-01', for the first date the pattern reads."""
    for value in stats.dates:
        try:
            return f"{value.strip()} is {clean.date(value, date_format)[0]}"
        except (ValueError, AttributeError):
            continue
    return date_format


MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = rf"(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+)?({MONTH_WORDS})\.?,?\s+(\d{{4}})"
TITLE_RANGE = re.compile(rf"{_DAY_MONTH_YEAR}\s*(?:to|and|until|-|–|—)\s*{_DAY_MONTH_YEAR}", re.I)
TITLE_SINCE = re.compile(rf"(?:since|from)\s+{_DAY_MONTH_YEAR}", re.I)
TITLE_YEARS = re.compile(r"(\d{4})\s*/\s*(\d{2,4})\s*(?:to|and|-|–)\s*(\d{4})\s*/\s*(\d{2,4})", re.I)


def title_period(notes):
    """(from, to or None, the words) of a period a title line states, or None."""
    def day_of(day, month, year, last=False):
        y, m = int(year), MONTHS[month.lower()]
        d = int(day) if day else (calendar.monthrange(y, m)[1] if last else 1)
        return datetime.date(y, m, d)

    for note in notes:
        try:
            if m := TITLE_RANGE.search(note):
                return day_of(*m.groups()[:3]), day_of(*m.groups()[3:], last=True), m.group(0)
            if m := TITLE_YEARS.search(note):
                return datetime.date(int(m.group(1)), 4, 1), datetime.date(int(m.group(3)) + 1, 3, 31), m.group(0)
            if m := TITLE_SINCE.search(note):
                return day_of(*m.groups()), None, m.group(0)
        except (ValueError, KeyError):
            continue
    return None


def propose_period(stats, dates, date_format, lines):
    """`period:` from the title line where it states one, else from the earliest and latest dates."""
    spans = {}
    for value in stats.dates if dates else ():
        span = date_of(value, dates, date_format)
        if span:
            spans[value] = span
    if not spans:
        return None, None
    earliest, latest = min(s[0] for s in spans.values()), max(s[1] for s in spans.values())
    lines.append(f"{'financial years' if dates.how == 'financial year' else 'dates'} found: from {earliest} to {latest}")
    titled = title_period(stats.notes)
    start, end, words = (titled[0], titled[1] or latest, titled[2]) if titled else (earliest, latest, None)
    entry = ["    # The dates the release covers" + (f" (its title says {words!r})" if words else " (the earliest and "
             "latest dates in the rows)") + ": a row dated outside them stops the build",
             f"    period: {{from: {start}, to: {end}}}"]
    if titled:
        lines.append(f"the title says {words!r}: period {start} to {end}")
    before = [(v, n) for v, n in stats.dates.items() if v in spans and spans[v][1] < start]
    after = [(v, n) for v, n in stats.dates.items() if v in spans and spans[v][0] > end]
    outside = []
    for rows, where, edge in ((before, "before", start), (after, "after", end)):
        if rows:
            n = sum(k for _, k in rows)
            line = min(stats.first[("date", v)] for v, _ in rows)
            lines.append(f"{n:,} row{'' if n == 1 else 's'} dated {where} {edge} (first on line {line}): outside the period")
            outside.append(f"    # {n:,} rows are dated {where} {edge} (first on line {line}). To keep them out of "
                           "cautions (in the raw table, with the reason), uncomment the next line")
    if outside:
        outside.append("    # outside_period: exclude")
    return entry, outside


def describe_repeats(stats, lines):
    """References that repeat: one row per offence (or per offender), not per crime."""
    repeated = {ref: n for ref, n in stats.references.items() if n > 1 and ref}
    if not repeated:
        return []
    rows = sum(repeated.values())
    first = sorted(repeated, key=lambda r: stats.first[("reference", r)])[:3]
    lines.append(f"{len(repeated):,} crime references repeat ({rows:,} rows), e.g. "
                 + ", ".join(f"{r!r} {repeated[r]} rows" for r in first)
                 + ": one row per offence, not per crime")
    return [f"    # {len(repeated):,} crime references repeat, on {rows:,} rows: each row is an offence of a crime "
            "(figures count distinct crimes)",
            "    rows_are: offences"]


LOOKUP = Path(__file__).resolve().parent.parent / "data" / "reference" / "offence_codes.csv"


def describe_offences(stats, lines):
    """Each distinct (code, description) read as the build reads it: codes found inside description
    cells are said, and every offence the lookup cannot place is listed, with `offences:` lines to
    fill in (commented: only the journalist knows the code) and `unmatched_offences: keep`."""
    if not stats.offences or not LOOKUP.exists():
        return []
    lookup = Lookup(LOOKUP)
    how, unmatched = Counter(), []
    for pair, n in sorted(stats.offences.items(), key=lambda kv: stats.first[("offence", kv[0])]):
        match = lookup.read(*pair, {})
        how[match.how] += n
        if match.how in UNMATCHED:
            unmatched.append((pair, n, match))
    lines.append("offences: " + ", ".join(f"{h} {n:,}" for h, n in how.most_common()))
    if not unmatched:
        return []
    rows = sum(n for _, n, _ in unmatched)
    lines.append(f"NOT MATCHED: {len(unmatched):,} offences ({rows:,} rows) match no Home Office code in the lookup: "
                 + "; ".join(f"{' / '.join(c.strip() for c in pair if c.strip())!r} ({n:,} row{'s' * (n > 1)}, first on line "
                             f"{stats.first[('offence', pair)]}: {m.how})" for pair, n, m in unmatched))
    described = [m.description for _, _, m in unmatched if not m.code_as_given and m.description]
    entry = ["    # Offences the lookup cannot place (data/reference/offence_codes.csv has the codes): give each its",
             "    # code under `offences:`, or load them with no code (counted in no offence figure):"]
    if described:
        entry.append("    # offences:")
        entry += [f"    #   {json.dumps(d, ensure_ascii=False)}: <code>" for d in described]
    entry.append("    # unmatched_offences: keep")
    return entry


def disclosure_lines(watch, hidden, mapped, lines):
    """The disclosure check's findings as comment lines, and the decisions it would need, commented:
    the journalist decides (README.md, 'Before you publish: personal data')."""
    findings = []
    for i, seen in watch.values.items():
        def counted(values, seen=seen):
            return sum(seen[v][0] for v in values), sorted(seen[v][1] for v in values)[:5]
        findings += disclosure.findings_of(watch.headers[i], hidden.sheet if hidden else None,
                                           disclosure.scan(watch.headers[i], list(seen), free_text=i not in mapped,
                                                           rows=watch.counts(i)),
                                           counted)
    findings += disclosure.hidden_findings(hidden)
    if not findings:
        lines.append("disclosure check: no personal data or hidden content found (you are still responsible: "
                     "see README.md, 'Before you publish: personal data')")
        return []
    lines += [f"DISCLOSURE: {f.describe()}" for f in findings]
    lines.append("DISCLOSURE: decide before you build (the build stops until you do); the commented lines at the end "
                 "of the entry, uncommented, decide all of them: see README.md, 'Before you publish: personal data'")
    return [f"    # {line}" for line in disclosure.proposed(findings)]


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
