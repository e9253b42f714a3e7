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
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import hidden as hidden_content
from .errors import ReleaseError
from .read_csv import DELIMITERS, HEADER_SEARCH_ROWS, csv_rows, delimiter, skipping, sniff, utf16_to_utf8
from .read_sheets import (SPREADSHEETS, file_format, join_header_rows, label_key, pick_sheet, sheet_names,
                          sheet_rows)


# The site reads no value or row longer than 16 KB (plugins/sqlite_limits.py): a row of up to
# 4,000 characters (4 bytes each at most in UTF-8) always fits.
MAX_FIELD_CHARS = MAX_ROW_CHARS = 4_000


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
                    and len("".join(cells)) <= MAX_ROW_CHARS and not c0.isspace()  # join: faster than sum(map(len))
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
