"""Finding a file's layout for `build.py describe`: its header row, its columns and what each
holds, on each sheet."""
import re
from collections import Counter
from dataclasses import dataclass, field

from . import outcomes, read
from .describe_values import DATE_NAMES, HEAD_ROWS, MOSTLY, PLACEHOLDERS, financial_year, is_date, is_number, is_page_line, month_number, serial_date, yaml_text
from .fields import header_key, match_columns
from .read import HEADER_SEARCH_ROWS as HEADER_SEARCH, label_key


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
