"""From a release file to its header and data rows, as FOI officers really send them.

- encodings: UTF-8, UTF-8 with a byte-order mark, Windows-1252 (checked before a row is read);
- line endings: LF, CRLF or CR only (Python's csv module reads all three);
- XLSX: converted with csvkit's in2csv, from the sheet the manifest names;
- title rows above the header and note rows below the data are kept as the release's notes;
- "Total" rows are set aside for checking; blank rows are counted and skipped.
Rows are streamed: nothing here holds more than one row of a large file.
"""
import codecs
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import hidden as hidden_content
from .errors import ReleaseError

csv.field_size_limit(1_000_000)  # characters; a cell over MAX_FIELD_CHARS is refused anyway
HEADER_SEARCH_ROWS = 50
# The site reads no value or row longer than 16 KB (plugins/sqlite_limits.py): a row of up to
# 4,000 characters (4 bytes each at most in UTF-8) always fits.
MAX_FIELD_CHARS = MAX_ROW_CHARS = 4_000


@dataclass
class Source:
    """A release file as the build reads it: a CSV (an XLSX converted, UTF-16 re-encoded) and how."""
    original: Path        # the file the manifest names
    path: Path            # the CSV read
    display: str          # how messages name it
    encoding: str         # as the file was sent
    read_encoding: str    # as the build reads path
    line_endings: str
    lines: int
    delimiter: str
    is_xlsx: bool
    size: int
    sha256: str | None = None   # of the original, when it is the file read (computed as it is checked)
    hidden: object = None       # hidden.Hidden: what a spreadsheet hides (its hidden rows and columns are skipped)

    @property
    def delimiter_name(self):
        return DELIMITERS.get(self.delimiter, self.delimiter)


def open_release(release, path, scratch):
    """The manifest's file -> Source: XLSX through in2csv, UTF-16 re-encoded, the encoding checked
    whole and the delimiter found."""
    display = str(Path("data") / release["file"])
    if path.is_dir():
        raise ReleaseError(display, "this is a folder, not a file", "point `file:` at the release file itself")
    csv_path, is_xlsx = path, path.suffix.lower() == ".xlsx"
    hidden = None
    if is_xlsx:
        display += f" (sheet {release['sheet']!r})" if release.get("sheet") else ""
        csv_path = Path(scratch) / (release["id"] + ".csv")
        hidden = hidden_content.spreadsheet(path, release.get("sheet"))
        if release.get("sheet") is None or str(release["sheet"]) in hidden.sheet_names:
            hidden_content.check_sheet(hidden, display)  # a hidden sheet is never read
        xlsx_to_csv(path, hidden.sheet if hidden.sheet is not None else release.get("sheet"), display, csv_path)
    elif utf16_to_utf8(path, display, Path(scratch) / (release["id"] + ".utf8.csv")):
        csv_path = Path(scratch) / (release["id"] + ".utf8.csv")
    declared = release.get("encoding") if csv_path is path else None
    encoding, endings, lines, digest = sniff(csv_path, display, declared)
    if csv_path is not path and not is_xlsx:
        encoding = "utf-16"
    read_as = "utf-8" if encoding == "utf-16" else encoding
    separator = "," if is_xlsx else delimiter(csv_path, read_as, release.get("delimiter"))
    return Source(path, csv_path, display, encoding, read_as, endings, lines, separator, is_xlsx,
                  os.path.getsize(csv_path), digest if csv_path is path else None, hidden)


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


def xlsx_to_csv(path, sheet, display, out_path):
    """Convert one sheet of a spreadsheet to CSV with csvkit's in2csv, every cell as text."""
    in2csv = Path(sys.executable).with_name("in2csv")
    command = [str(in2csv if in2csv.exists() else "in2csv"), "--no-inference", "--no-header-row", "--reset-dimensions"]
    if sheet:
        command += ["--sheet", str(sheet)]
    sheets = subprocess.run([command[0], "--names", str(path)], capture_output=True, text=True)
    if sheets.returncode != 0:
        raise ReleaseError(display, "the spreadsheet could not be opened: "
                           + (sheets.stderr.strip().splitlines() or ["unknown error"])[-1],
                           "check it is a real .xlsx file (not renamed CSV or an old .xls); re-save it from Excel")
    names = sheets.stdout.split("\n")[:-1]
    if sheet and str(sheet) not in names:
        raise ReleaseError(display, f"there is no sheet called {sheet!r}; the sheets are {', '.join(map(repr, names))}",
                           "set `sheet:` for this release in data/manifest.yml to one of those names")
    with open(out_path, "wb") as out:
        done = subprocess.run(command + [str(path)], stdout=out, stderr=subprocess.PIPE, text=False)
    if done.returncode != 0:
        raise ReleaseError(display, "in2csv could not read the sheet: " + done.stderr.decode(errors="replace").strip(),
                           "open it in Excel, check the sheet holds a plain table, and save it again")


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


class Skipping:
    """A csv reader that passes over some rows (sheet row numbers, from 1) and columns (indexes, from
    0): the spreadsheet's hidden ones. A skipped row is given as no cells, so line numbers stay those
    of the sheet; `blanked` counts them. (The XLSX reader on the `reader` branch takes the same two
    sets as `skip_rows` and `skip_columns`.)"""

    def __init__(self, reader, skip_rows, skip_columns, line_offset):
        self._reader, self._rows, self._offset = reader, frozenset(skip_rows), line_offset
        self._columns = frozenset(skip_columns)
        self.blanked = 0

    @property
    def line_num(self):
        return self._reader.line_num

    def __iter__(self):
        return self

    def __next__(self):
        start = self._reader.line_num + 1 - self._offset
        cells = next(self._reader)
        if start in self._rows:
            self.blanked += 1
            return []
        if self._columns:
            cells = [c for i, c in enumerate(cells) if i not in self._columns]
        return cells


class Table:
    """A release file's header, notes, and an iterator over its data rows.

    `looks_like_header(cells)` decides which of the first rows is the header (with `header_rows`,
    which run of that many rows, joined). Data rows come from `rows()` as (line number, cells),
    padded to the header's width. Rows labelled Total, Grand Total or All (and any `total_labels`)
    are set aside in `totals`, rows labelled with a `subtotal_labels` label in `subtotals`.
    """

    def __init__(self, path, display, encoding, looks_like_header, first_line_is_column_letters=False,
                 header_fix="check the file is the release, and that `columns:` in data/manifest.yml names its headers",
                 delimiter=",", header_rows=1, total_labels=(), subtotal_labels=(), skip_rows=(), skip_columns=()):
        self.display, self.notes, self.totals, self.subtotals = display, [], [], []
        self.blank_rows = 0
        self.total_labels = {"total", "totals", "grand total", "all"} | {label_key(str(t)) for t in total_labels}
        self.subtotal_labels = {label_key(str(t)) for t in subtotal_labels}
        self._longest_label = max(len(t) for t in self.total_labels | self.subtotal_labels) + 2
        self._file = open(path, encoding=encoding, newline="")
        self._reader = csv.reader(self._file, delimiter=delimiter)
        self._last_line = 0
        if first_line_is_column_letters:  # in2csv --no-header-row writes a,b,c,... first
            next(self._reader, None)
            self._line_offset = 1
        else:
            self._line_offset = 0
        if skip_rows or skip_columns:  # hidden rows and columns (foi/hidden.py): never read
            self._reader = Skipping(self._reader, skip_rows, skip_columns, self._line_offset)
        window = []  # the last header_rows rows, (line, cells)
        for line, cells in self._numbered():
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
                    self._blanked_before_data = getattr(self._reader, "blanked", 0)
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

    def is_total(self, cell):
        return len(cell) <= self._longest_label and label_key(cell) in self.total_labels

    def is_subtotal(self, cell):
        return bool(self.subtotal_labels) and len(cell) <= self._longest_label and label_key(cell) in self.subtotal_labels

    def _numbered(self):
        reader = self._reader
        try:
            for cells in reader:
                start = self._last_line + 1
                self._last_line = reader.line_num
                yield start - self._line_offset, cells
        except csv.Error as e:  # named at the line its record starts on
            raise ReleaseError(self.display, f"the CSV is malformed ({e})",
                               "look for an unclosed quote (\") near this line and fix it",
                               line=self._last_line + 1 - self._line_offset) from None

    def rows(self):
        width, pending_notes = len(self.headers), []
        is_total, is_subtotal, longest = self.is_total, self.is_subtotal, self._longest_label
        reader, offset, last = self._reader, self._line_offset, self._last_line
        try:
            for cells in reader:
                line, last = last + 1 - offset, reader.line_num
                c0 = cells[0] if cells else ""
                # The common case, checked cheaply: a full-width row, first cell filled, nothing
                # pending, no total label, no huge row. Anything else takes the careful path.
                if (len(cells) == width and c0 and not pending_notes
                        and (len(c0) > longest or not (is_total(c0) or is_subtotal(c0)))
                        and sum(map(len, cells)) <= MAX_ROW_CHARS and not c0.isspace()
                        and (width == 1 or cells[1] or any(cells[2:]))):
                    yield line, cells
                    continue
                yield from self._careful(line, cells, width, pending_notes)
        except csv.Error as e:  # named at the line its record starts on
            raise ReleaseError(self.display, f"the CSV is malformed ({e})",
                               "look for an unclosed quote (\") near this line and fix it",
                               line=last + 1 - offset) from None
        self._last_line = last
        self.notes.extend(note for _, note in pending_notes)
        self.blank_rows -= getattr(reader, "blanked", 0) - self._blanked_before_data  # hidden, not blank
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
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
