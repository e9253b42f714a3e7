"""From a release file to its header and data rows, as FOI officers really send them.

- encodings: UTF-8, UTF-8 with a byte-order mark, Windows-1252 (checked before a row is read);
- line endings: LF, CRLF or CR only (Python's csv module reads all three);
- XLSX, XLS and ODS: one sheet (the manifest's `sheet:`, else the first), read with python-calamine,
  each cell made the text a person reads in it (sheet_rows);
- every format gives the same rows, (line, cells), to the same Table: title rows above the header and
  note rows below the data are kept as the release's notes; "Total" rows are set aside for checking;
  blank rows, a header repeated on every page, "Page n of N" lines and a repeated title are counted
  and skipped.
Rows are streamed: nothing here holds more than one row of a large text file (a sheet is held by
the spreadsheet reader, which is compiled code, as one block of cells).
"""
import codecs
import csv
import datetime
import hashlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from . import hidden as hidden_content
from .errors import ReleaseError

csv.field_size_limit(1_000_000)  # characters; a cell over MAX_FIELD_CHARS is refused anyway
HEADER_SEARCH_ROWS = 50
# The site reads no value or row longer than 16 KB (plugins/sqlite_limits.py): a row of up to
# 4,000 characters (4 bytes each at most in UTF-8) always fits.
MAX_FIELD_CHARS = MAX_ROW_CHARS = 4_000


# The formats a release may come in, by the file's extension.
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
SPREADSHEETS = ("xlsx", "xls", "ods")


def file_format(path):
    """'csv', 'xlsx', 'xls' or 'ods', from the file's extension; None for any other."""
    return FORMATS.get(Path(path).suffix.lower())


@dataclass
class Source:
    """A release file as the build reads it, and how: `rows()` gives its rows, whatever the format."""
    original: Path        # the file the manifest names
    path: Path            # the file read: the original, or a UTF-8 copy of a UTF-16 text file
    display: str          # how messages name it
    format: str           # 'csv' (any delimited text), 'xlsx', 'xls' or 'ods'
    lines: int | None     # lines of text (None for a sheet: not known before it is read)
    size: int
    encoding: str | None = None       # a text file's, as it was sent
    read_encoding: str | None = None  # ...and as the build reads `path`
    line_endings: str | None = None
    delimiter: str | None = None
    sheet: str | None = None          # a spreadsheet's: the sheet read
    sheets: tuple = ()                # ...and every sheet of the workbook
    sha256: str | None = None   # of the original, when it is the file read (computed as it is checked)
    skip_rows: frozenset = frozenset()     # line numbers (a sheet's row numbers) never read
    skip_columns: frozenset = frozenset()  # 0-based column indexes never read
    hidden: object = None       # hidden.Hidden: what a spreadsheet hides (its hidden rows and columns are skipped)

    @property
    def is_spreadsheet(self):
        return self.format in SPREADSHEETS

    @property
    def delimiter_name(self):
        return DELIMITERS.get(self.delimiter, self.delimiter) if self.delimiter else None

    @property
    def read_as(self):
        """How the file was read, in words: 'utf-8, CRLF line endings, comma-separated' or "XLSX, sheet 'Cautions'"."""
        if self.is_spreadsheet:
            return f"{self.format.upper()}, sheet {self.sheet!r}"
        return f"{self.encoding}, {self.line_endings} line endings, {self.delimiter_name}-separated"

    def rows(self):
        """Every row of the release, as (line, cells): a text file's line numbers, a sheet's row numbers."""
        if self.is_spreadsheet:
            return sheet_rows(self.path, self.sheet, self.skip_rows, self.skip_columns, self.display)
        rows = csv_rows(self.path, self.read_encoding, self.delimiter, self.display)
        return skipping(rows, self.skip_rows, self.skip_columns) if self.skip_rows or self.skip_columns else rows

    def header_fix(self, fix):
        """What to do when no header is found: with another sheet to try, say which."""
        others = [name for name in self.sheets if name != self.sheet]
        if not others:
            return fix
        return (f"{fix}; the release may be on another sheet: this is {self.sheet!r}, the others are "
                f"{', '.join(map(repr, others))} (set `sheet:`, or run `make describe FILE=...` to find it)")


def open_release(release, path, scratch, skip_rows=frozenset(), skip_columns=frozenset()):
    """The manifest's file -> Source. A text file: UTF-16 re-encoded, the encoding checked whole and
    the delimiter found. A spreadsheet: the workbook opened and the sheet found.
    `skip_rows` (line numbers, for a sheet its 1-based row numbers) and `skip_columns` (0-based column
    indexes), e.g. a sheet's hidden rows and columns, are never read."""
    display = str(Path("data") / release["file"])
    if path.is_dir():
        raise ReleaseError(display, "this is a folder, not a file", "point `file:` at the release file itself")
    skip_rows, skip_columns = frozenset(skip_rows or ()), frozenset(skip_columns or ())
    form = file_format(path) or "csv"
    if form in SPREADSHEETS:
        sheet = release.get("sheet")
        display += f" (sheet {str(sheet)!r})" if sheet not in (None, "") else ""
        names = sheet_names(path, display)
        if sheet in (None, ""):  # the first visible sheet: a hidden sheet is never read
            hidden = hidden_content.spreadsheet(path, None)
            name = hidden.sheet if hidden.sheet in names else pick_sheet(names, None, display)
        else:
            name = pick_sheet(names, sheet, display)
            hidden = hidden_content.spreadsheet(path, name)
        hidden.sheet = name
        hidden_content.check_sheet(hidden, display)
        # lines: unknown until the sheet is read (counting them would read it twice)
        return Source(path, path, display, form, None, os.path.getsize(path), sheet=name, sheets=tuple(names),
                      skip_rows=skip_rows | frozenset(hidden.hidden_rows),
                      skip_columns=skip_columns | frozenset(hidden.hidden_columns), hidden=hidden)
    text_path = path
    if utf16_to_utf8(path, display, Path(scratch) / (release["id"] + ".utf8.csv")):
        text_path = Path(scratch) / (release["id"] + ".utf8.csv")
    declared = release.get("encoding") if text_path is path else None
    encoding, endings, lines, digest = sniff(text_path, display, declared)
    read_as = encoding
    if text_path is not path:
        encoding, read_as = "utf-16", "utf-8"
    separator = delimiter(text_path, read_as, release.get("delimiter"))
    return Source(path, text_path, display, "csv", lines, os.path.getsize(text_path), encoding=encoding,
                  read_encoding=read_as, line_endings=endings, delimiter=separator,
                  sha256=digest if text_path is path else None, skip_rows=skip_rows, skip_columns=skip_columns)


def csv_rows(path, encoding, delimiter, display):
    """A text file's rows as (line, cells), the line a record starts on (a quoted cell may span lines)."""
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        last = 0
        try:
            for cells in reader:
                line, last = last + 1, reader.line_num
                yield line, cells
        except csv.Error as e:  # named at the line its record starts on
            raise ReleaseError(display, f"the CSV is malformed ({e})",
                               "look for an unclosed quote (\") near this line and fix it", line=last + 1) from None


def skipping(rows, skip_rows, skip_columns):
    """`rows` without the lines in `skip_rows` and the cells in `skip_columns`."""
    for line, cells in rows:
        if line in skip_rows:
            continue
        yield line, [c for i, c in enumerate(cells) if i not in skip_columns] if skip_columns else cells


def sniff(path, display, declared=None):
    """Check the whole file decodes before any row is loaded. Returns (encoding, line endings, lines,
    sha256 of the bytes).
    `declared` is the release's `encoding:` from the manifest: then only that one is tried."""
    size = os.path.getsize(path)
    if size == 0:
        raise ReleaseError(display, "the file is empty (0 bytes)",
                           "check the right file was saved; re-export it from the spreadsheet")
    with open(path, "rb") as f:
        head = f.read(4)
    if b"\x00" in head[:2] and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise ReleaseError(display, "the file is UTF-16 without a byte-order mark (every other byte is zero), "
                           "which this build cannot tell apart from binary data",
                           "save it again as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8), or as "
                           "'Unicode Text', which writes the byte-order mark")
    encoding = "utf-8-sig" if head[:3] == codecs.BOM_UTF8 else "utf-8"
    errors = []  # where each encoding tried fails
    for candidate in ((declared,) if declared else (encoding, "cp1252")):
        decoder = codecs.getincrementaldecoder(candidate)()
        ascii_compatible = codecs.lookup(candidate).name in ("utf-8", "utf-8-sig", "cp1252", "ascii")
        line, endings, digest = 1, set(), hashlib.sha256()
        with open(path, "rb") as f:
            try:
                while chunk := f.read(1 << 20):
                    if not (ascii_compatible and chunk.isascii()):  # ASCII is every such encoding's text
                        decoder.decode(chunk)
                    digest.update(chunk)
                    lf, cr = chunk.count(b"\n"), chunk.count(b"\r")
                    line += lf or cr
                    endings.update(_endings(chunk, lf, cr))
                decoder.decode(b"", final=True)
                return candidate, "/".join(sorted(endings)) or "none", line, digest.hexdigest()
            except UnicodeDecodeError as e:
                bad_line, bad_cell = _line_and_cell_of_offset(path, f.tell() - len(chunk) + e.start)
                errors.append((bad_line, bad_cell, chunk[e.start:e.start + 4]))
        if not declared and candidate.startswith("utf-8") and has_utf8_text(path):
            bad_line, bad_cell, sample = errors[0]
            raise ReleaseError(display, f"the file is UTF-8 text apart from bytes {sample!r}, which are not (read "
                               "as Windows-1252, every accented letter elsewhere would come out wrong: 'Café' as "
                               "'CafÃ©')", "correct the cell (it was probably pasted from another program), or save "
                               "the file again as 'CSV UTF-8'", line=bad_line, column=bad_cell)
    bad_line, bad_cell, sample = errors[-1]
    if declared:
        raise ReleaseError(display, f"bytes {sample!r} are not {declared} text, which `encoding:` in data/manifest.yml "
                           "says the file is", "remove `encoding:` for this release to let the build find the "
                           "encoding, or set it to the one the file is in", line=bad_line, column=bad_cell)
    raise ReleaseError(display, f"bytes {sample!r} are neither UTF-8 nor Windows-1252 text",
                       "open the file in a spreadsheet and save it as 'CSV UTF-8', or set `encoding:` "
                       "for this release in data/manifest.yml", line=bad_line, column=bad_cell)


def utf16_to_utf8(path, display, out_path):
    """Excel's "Unicode Text" (UTF-16 with a byte-order mark, usually tab-separated) -> a UTF-8 copy,
    which the rest of the build reads like any other file. Returns False when `path` is not UTF-16."""
    with open(path, "rb") as f:
        if f.read(2) not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return False
    try:
        with open(path, encoding="utf-16", newline="") as source, open(out_path, "w", encoding="utf-8", newline="") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
    except UnicodeDecodeError as e:
        raise ReleaseError(display, f"the file starts as UTF-16 but holds bytes that are not UTF-16 text ({e.reason})",
                           "save it again from the spreadsheet as 'CSV UTF-8'") from None
    return True


DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def delimiter(path, encoding, declared=None):
    """The delimiter of a text release: the manifest's `delimiter:`, else whichever of comma, tab,
    semicolon and pipe splits the most of the first lines into the same number (2 or more) of cells."""
    if declared:
        return {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(declared, declared)
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        head = f.read(64 * 1024)
    lines = [line for line in head.splitlines()[:HEADER_SEARCH_ROWS + 20] if line.strip()]
    best, best_score = ",", 0
    for candidate in DELIMITERS:
        widths = {}
        for cells in csv.reader(lines, delimiter=candidate):
            if len(cells) > 1:
                widths[len(cells)] = widths.get(len(cells), 0) + 1
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _endings(chunk, lf, cr):
    if not cr:
        return {"LF"} if lf else set()
    if not lf:
        return {"CR"}
    crlf = lf if lf == cr and chunk[-1:] != b"\r" else chunk.count(b"\r\n")  # as many CR as LF: CRLF
    found = set()
    if crlf:
        found.add("CRLF")
    if chunk.count(b"\n") > crlf:
        found.add("LF")
    if chunk.count(b"\r") > crlf:
        found.add("CR")
    return found


def _line_and_cell_of_offset(path, offset):
    """(line, cell) of a byte offset, both counted from 1: the line of the file the byte is on,
    and its cell in the row, read as CSV from the start (a quoted cell may span lines)."""
    with open(path, "rb") as f:
        before = f.read(offset)
    newline = b"\n" if b"\n" in before else b"\r"
    cells = []
    # "x" stands for the byte itself, so the row it is in is always the last one read
    limit = csv.field_size_limit(len(before) + 2)  # a cell over the reader's limit may come before the byte
    try:
        for cells in csv.reader(io.StringIO(before.decode("latin-1") + "x", newline="")):
            pass
    except csv.Error:
        return before.count(newline) + 1, None
    finally:
        csv.field_size_limit(limit)
    return before.count(newline) + 1, max(len(cells), 1)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                             rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                             rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def has_utf8_text(path):
    """Whether the file holds any character written as UTF-8 (two or more bytes that decode as one):
    a file that does, and also has bytes that are not UTF-8, is UTF-8 with stray bytes, not Windows-1252."""
    with open(path, "rb") as f:
        tail = b""
        while chunk := f.read(1 << 20):
            if _UTF8_MULTIBYTE.search(tail + chunk):
                return True
            tail = chunk[-3:]
    return False


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


HEADER_FIX = "check the file is the release, and that `columns:` in data/manifest.yml names its headers"
SKIPPED = ("repeated headers", "page lines", "repeated titles")  # what Table skips, in the order it says so
PAGE_LINE = re.compile(r"(page|p\.)\s*\d+(\s*(of|/)\s*\d+)?", re.I)  # "Page 3 of 12", "Page 3", "p. 3/12"


class Table:
    """A release's header, notes, and an iterator over its data rows, whatever the file's format.

    `rows` is an iterator of (line, cells), such as Source.rows(). `looks_like_header(cells)` decides
    which of the first rows is the header (with `header_rows`, which run of that many rows, joined).
    Data rows come from `rows()` as (line number, cells), padded to the header's width. Rows labelled
    Total, Grand Total or All (and any `total_labels`) are set aside in `totals`, rows labelled with a
    `subtotal_labels` label in `subtotals`. Blank rows are counted in `blank_rows`; the header again
    below the data (a page break of a PDF or a printout), 'Page n of N' lines and a title row again are
    counted in `skipped` (see `skipped_lines`), and none of them is data.
    """

    def __init__(self, rows, display, looks_like_header, header_fix=HEADER_FIX, header_rows=1, total_labels=(), subtotal_labels=()):
        self.display, self.notes, self.totals, self.subtotals = display, [], [], []
        self.blank_rows = 0
        self.skipped = Counter()  # what was skipped ('repeated headers', 'page lines', 'repeated titles') -> rows
        self.total_labels = {"total", "totals", "grand total", "all"} | {label_key(str(t)) for t in total_labels}
        self.subtotal_labels = {label_key(str(t)) for t in subtotal_labels}
        self._rows = iter(rows)
        window = []  # the last header_rows rows, (line, cells)
        for line, cells in self._rows:
            window.append((line, cells))
            if len(window) > header_rows:
                _, dropped = window.pop(0)
                if any(c.strip() for c in dropped):
                    self.notes.append(" ".join(c.strip() for c in dropped if c.strip()))
            if len(window) == header_rows:
                candidate = cells if header_rows == 1 else join_header_rows([c for _, c in window])
                if looks_like_header(candidate):
                    self.header_line, self.headers = window[0][0], [c.strip() for c in candidate]
                    while self.headers and not self.headers[-1]:
                        self.headers.pop()
                    break
            if line > HEADER_SEARCH_ROWS:
                break
        else:
            self.close()
            raise ReleaseError(display, "no header row found: the file has no rows with the expected column names",
                               header_fix)
        if not hasattr(self, "headers"):
            self.close()
            raise ReleaseError(display, f"no header row in the first {HEADER_SEARCH_ROWS} lines with the expected column names",
                               header_fix)
        # The header rows as written, to know them again below the data; and the title rows above it.
        self._header_keys = {tuple(label_key(c) for c in cells[:len(self.headers)]) for _, cells in window}
        self._titles = set(self.notes)
        # First cells that send a row down the careful path: total and subtotal labels, the header's own.
        self._labels = self.total_labels | self.subtotal_labels | {key[0] for key in self._header_keys if key}
        self._longest_label = max(len(t) for t in self._labels) + 2

    @property
    def skipped_lines(self):
        """'12 repeated headers, 12 page lines', or None when nothing was skipped."""
        return ", ".join(f"{n:,} {what[:-1] if n == 1 else what}" for what in SKIPPED if (n := self.skipped[what])) or None

    def is_total(self, cell):
        return len(cell) <= self._longest_label and label_key(cell) in self.total_labels

    def is_subtotal(self, cell):
        return bool(self.subtotal_labels) and len(cell) <= self._longest_label and label_key(cell) in self.subtotal_labels

    def rows(self):
        width, pending_notes = len(self.headers), []
        labels, longest = self._labels, self._longest_label
        for line, cells in self._rows:
            c0 = cells[0] if cells else ""
            # The common case, checked cheaply: a full-width row, first cell filled, nothing
            # pending, no total label or the header's first name, no huge row. Anything else
            # takes the careful path.
            if (len(cells) == width and c0 and not pending_notes
                    and (len(c0) > longest or label_key(c0) not in labels)
                    and sum(map(len, cells)) <= MAX_ROW_CHARS and not c0.isspace()
                    and (width == 1 or cells[1] or any(cells[2:]))):
                yield line, cells
                continue
            yield from self._careful(line, cells, width, pending_notes)
        self.notes.extend(note for _, note in pending_notes)
        self.close()

    def _careful(self, line, cells, width, pending_notes):
        """A row off the common path: blank, a note, a total, too long, or the wrong width."""
        is_total, is_subtotal = self.is_total, self.is_subtotal
        filled = [i for i, c in enumerate(cells) if c.strip()]
        if not filled:
            self.blank_rows += 1
            return
        huge = [i for i in filled if len(cells[i]) > MAX_FIELD_CHARS]
        if huge:
            raise ReleaseError(self.display, f"a cell holds more than {MAX_FIELD_CHARS:,} characters, more than "
                               "the site can show in one row",
                               "this is usually a stray quote joining many lines into one cell; fix the quoting, "
                               "or shorten the cell",
                               line=line, column=self.headers[huge[0]] if huge[0] < width else None)
        if sum(map(len, cells)) > MAX_ROW_CHARS:
            raise ReleaseError(self.display, f"this row holds {sum(map(len, cells)):,} characters, more than the "
                               f"{MAX_ROW_CHARS:,} the site can show in one row",
                               "shorten its longest cells, or check for a stray quote joining lines into one row",
                               line=line)
        if tuple(label_key(c) for c in cells[:width]) in self._header_keys and not any(c.strip() for c in cells[width:]):
            self.skipped["repeated headers"] += 1
            return
        if len(filled) == 1 and PAGE_LINE.fullmatch(cells[filled[0]].strip()):
            self.skipped["page lines"] += 1
            return
        if " ".join(cells[i].strip() for i in filled) in self._titles:
            self.skipped["repeated titles"] += 1
            return
        if is_total(cells[filled[0]]):
            self.totals.append((line, cells + [""] * (width - len(cells))))
            return
        if is_subtotal(cells[filled[0]]):
            self.subtotals.append((line, cells + [""] * (width - len(cells))))
            return
        if filled == [0] and width > 1:
            pending_notes.append((line, cells[0].strip()))
            return
        if pending_notes:
            note_line, note = pending_notes[0]
            raise ReleaseError(self.display, f"this row has only its first cell filled ({note[:60]!r}) but data rows follow it",
                               "fill in the rest of the row, or move the note below the data", line=note_line)
        if filled[-1] >= width or len(cells) < width:
            cells_in_row = filled[-1] + 1 if filled[-1] >= width else len(cells)
            if any("\n" in c or "\r" in c for c in cells):
                raise ReleaseError(self.display, f"a quote (\") in this row is never closed, so the lines below it "
                                   f"were read into one cell (this row has {cells_in_row} cells but the header has {width})",
                                   "close the quote, or remove it if the cell does not need one", line=line)
            raise ReleaseError(self.display, f"this row has {cells_in_row} cells but the header has {width}",
                               "look for an unquoted comma inside a cell, a missing cell, or a value in the wrong column",
                               line=line)
        yield line, cells[:width]

    def close(self):
        close = getattr(self._rows, "close", None)  # a generator: closes the file it reads
        if close:
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
