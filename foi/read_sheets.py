"""Reading a spreadsheet (XLSX, XLS, ODS) as FOI officers send it: the sheet picked, each cell as
the text a reader sees, a header over two rows joined."""
import datetime
from pathlib import Path

import python_calamine

from .errors import ReleaseError


# The formats a release may come in, by the file's extension.
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


SPREADSHEETS = ("xlsx", "xls", "ods")


def file_format(path):
    """'csv', 'xlsx', 'xls' or 'ods', from the file's extension; None for any other."""
    return FORMATS.get(Path(path).suffix.lower())


class open_workbook:
    """A workbook opened with python-calamine, as a context manager; any failure a ReleaseError."""

    def __init__(self, path, display):
        try:
            self.book = python_calamine.CalamineWorkbook.from_path(str(path))
        except python_calamine.PasswordError:
            raise ReleaseError(display, "the spreadsheet is protected by a password",
                               "ask the force for a copy without a password, or open it and save it without one") from None
        except Exception as e:  # calamine's errors (zip, XML, not a workbook) have no common base
            form = file_format(path) or "xlsx"
            raise ReleaseError(display, f"the spreadsheet could not be opened: it is not a real .{form} workbook "
                               f"(the spreadsheet reader says: {str(e).strip() or type(e).__name__})",
                               f"check it is the release as the force sent it (not a CSV or another file renamed "
                               f".{form}); open it in a spreadsheet and save it again as .{form} or CSV UTF-8") from None

    def __enter__(self):
        return self.book

    def __exit__(self, *exc):
        self.book.close()


def sheet_names(path, display):
    """The names of a workbook's worksheets, in order (chart sheets left out)."""
    with open_workbook(path, display) as book:
        return [m.name for m in book.sheets_metadata
                if m.typ in (python_calamine.SheetTypeEnum.WorkSheet,)] or list(book.sheet_names)


def pick_sheet(names, sheet, display):
    """The manifest's `sheet:` (a name, or a number counted from 1), else the first sheet."""
    if not names:
        raise ReleaseError(display, "the workbook has no sheets", "check it is the release; save it again from the spreadsheet")
    if sheet in (None, ""):
        return names[0]
    if str(sheet) in names:
        return str(sheet)
    number = sheet if isinstance(sheet, int) else int(sheet) if str(sheet).isdigit() else None
    if number is not None and 1 <= number <= len(names):
        return names[number - 1]
    raise ReleaseError(display, f"there is no sheet called {str(sheet)!r}; the sheets are {', '.join(map(repr, names))}",
                       "set `sheet:` for this release in data/manifest.yml to one of those names")


def sheet_rows(path, sheet=None, skip_rows=frozenset(), skip_columns=frozenset(), display=None):
    """One sheet of an XLSX, XLS or ODS file as (line, cells): line is the sheet's row number (1-based,
    as the spreadsheet shows it), cells the text a person reads in each cell (cell_text), from column A.

    `sheet`: a name, or None for the first sheet. `skip_rows`: row numbers never yielded; `skip_columns`:
    0-based column indexes (A is 0) whose cells are dropped from every row, so that a table never sees
    them (a sheet's hidden rows and columns). Empty rows are yielded as empty cells, like a CSV's."""
    display = display or str(path)
    with open_workbook(path, display) as book:
        name = pick_sheet(sheet_names(path, display), sheet, display)
        data = book.get_sheet_by_name(name)
        left = [""] * data.start[1] if data.start else []  # calamine's rows start at the first filled column
        text = cell_text
        for number, values in enumerate(data.iter_rows(), 1):
            if number in skip_rows:
                continue
            cells = left + [v if type(v) is str else text(v) for v in values]
            if skip_columns:
                cells = [c for i, c in enumerate(cells) if i not in skip_columns]
            yield number, cells


_MIDNIGHT = datetime.time(0, 0)


def cell_text(value):
    """A typed cell as the text a person reads in it: a date as yyyy-mm-dd (with ' hh:mm:ss' when it has
    a time), 12.0 as '12', other numbers without float noise (0.30000000000000004 as '0.3'), TRUE/FALSE,
    an empty cell as ''. clean.date reads both date forms."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value.is_integer():
            return str(int(value))
        shown = repr(value)
        rounded = format(value, ".15g")  # Excel's precision: digits beyond the 15th are noise
        return shown if float(rounded) == value else rounded
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is datetime.datetime:
        if value.microsecond >= 500_000:
            value += datetime.timedelta(microseconds=1_000_000 - value.microsecond)
        if value.time().replace(microsecond=0) == _MIDNIGHT:
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind is datetime.date:
        return value.isoformat()
    if kind is datetime.time:
        return value.replace(microsecond=0).isoformat()
    if kind is datetime.timedelta:
        seconds = round(value.total_seconds())
        return f"{'-' if seconds < 0 else ''}{abs(seconds) // 3600}:{abs(seconds) % 3600 // 60:02d}:{abs(seconds) % 60:02d}"
    if value is None:
        return ""
    return str(value)


def label_key(cell):
    """How a row's label is compared with the total and subtotal labels."""
    return " ".join(cell.lower().replace(":", " ").split())


def join_header_rows(rows):
    """A header of several rows -> one name per column: 'Outcome 2 / Female'. A merged cell is
    written once, at its left: an empty cell of an upper row takes the name to its left."""
    width = max(len(r) for r in rows)
    levels = []
    for row in rows[:-1]:
        row = [c.strip() for c in row] + [""] * (width - len(row))
        carried, name = [], ""
        for cell in row:
            name = cell or name
            carried.append(name)
        levels.append(carried)
    last = [c.strip() for c in rows[-1]] + [""] * (width - len(rows[-1]))
    names = []
    for i in range(width):
        parts = [level[i] for level in levels] + [last[i]]
        kept = [p for j, p in enumerate(parts) if p and (j == 0 or p != parts[j - 1])]
        names.append(" / ".join(kept))
    return names
