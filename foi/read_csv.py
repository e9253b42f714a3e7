"""Reading a CSV as FOI officers send it: its encoding, line endings and delimiter found (`sniff`),
its rows streamed from the parser with their line numbers."""
import codecs
import csv
import hashlib
import io
import os
import re

from .errors import ReleaseError


HEADER_SEARCH_ROWS = 50
csv.field_size_limit(1_000_000)  # characters; a cell over read.MAX_FIELD_CHARS is refused anyway


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
    if lf > crlf:  # counted once, by sniff()
        found.add("LF")
    if cr > crlf:
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
