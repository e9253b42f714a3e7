"""What a spreadsheet hides: hidden and very hidden sheets, hidden rows and columns, comments and
notes, and the people its properties name. Read from the file's own XML (XLSX and ODS are zips of
XML), never through a reader that might load it. Hidden content is never loaded: the reader skips
`hidden_rows` (sheet row numbers, from 1) and `hidden_columns` (column indexes, from 0) of the sheet
it reads, and a hidden sheet is never read.

    hidden = spreadsheet("release.xlsx", sheet="Cautions")
    hidden.sheets          -> [HiddenSheet(name="Staff", state="hidden", rows=501, columns=3)]
    hidden.hidden_rows     -> {7, 8}            (of the sheet read)
    hidden.hidden_columns  -> {4}
    hidden.comments        -> {"Cautions": 2}
    hidden.people          -> {"creator": "J Bloggs"}
"""
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .errors import ReleaseError

CHUNK = 1 << 22
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_COL = re.compile(rb"<(?:\w+:)?col\b[^>]*/?>")
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"|\b(?:ht|width)="0(?:\.0*)?"')  # hidden, or no height or width
_ATTR = {name: re.compile(rb'\b' + name.encode() + rb'="(\d+)"') for name in ("r", "min", "max")}
# workbook properties that name a program, not a person
PROGRAMS = re.compile(r"^(?:|openpyxl|xlsxwriter|apache poi|microsoft office user|microsoft excel|user|author|"
                      r"unknown|administrator|admin|calc|libreoffice|python-calamine|.*\.py)$", re.IGNORECASE)


@dataclass
class HiddenSheet:
    name: str
    state: str          # hidden, or veryHidden (shown only through the VBA editor)
    rows: int           # rows holding anything
    columns: int


@dataclass
class Hidden:
    """What one spreadsheet hides; `sheet` is the sheet read (its hidden rows and columns are here)."""
    sheet: str | None = None
    sheet_names: list = field(default_factory=list)        # every sheet, in order
    sheets: list = field(default_factory=list)             # HiddenSheet
    hidden_rows: set = field(default_factory=set)
    hidden_columns: set = field(default_factory=set)
    comments: dict = field(default_factory=dict)           # sheet -> comments and notes
    people: dict = field(default_factory=dict)             # property -> value that may be a person
    stored: dict = field(default_factory=dict)             # "pivot_cache" / "embedded" -> files in the workbook

    def __bool__(self):
        return bool(self.sheets or self.hidden_rows or self.hidden_columns or self.comments or self.people
                    or self.stored)


def spreadsheet(path, sheet=None, display=None):
    """The hidden content of an XLSX or ODS file (a CSV hides nothing: an empty Hidden)."""
    suffix = str(path).lower().rsplit(".", 1)[-1]
    if suffix == "xls":
        return old_excel(path, sheet)
    if suffix not in ("xlsx", "xlsm", "ods"):
        return Hidden(sheet)
    try:
        with zipfile.ZipFile(path) as z:
            return _ods(z, sheet) if suffix == "ods" else _xlsx(z, sheet)
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return Hidden(sheet)  # not a real spreadsheet: the reader says so, with its own message


def old_excel(path, sheet=None):
    """An Excel 97-2003 .xls: what python-calamine can say (which sheets are hidden or very hidden, and
    their size); its hidden rows, columns and comments it cannot. Without python-calamine, nothing."""
    hidden = Hidden(sheet)
    try:
        import python_calamine
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # not installed, or not a workbook: the reader says so, with its own message
        return hidden
    for meta in book.sheets_metadata:
        hidden.sheet_names.append(meta.name)
        state = str(meta.visible).rsplit(".", 1)[-1]
        if state != "Visible":
            found = book.get_sheet_by_name(meta.name)
            hidden.sheets.append(HiddenSheet(meta.name, "veryHidden" if state == "VeryHidden" else "hidden",
                                             found.height, found.width))
    shown = [n for n in hidden.sheet_names if n not in {h.name for h in hidden.sheets}]
    hidden.sheet = hidden.sheet or (shown[0] if shown else None)
    return hidden


def _xml(z, name):
    return ET.fromstring(z.read(name))


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _attr(element, name):
    return next((v for k, v in element.attrib.items() if _local(k) == name), None)


def _targets(z, rels_name, base):
    """A .rels file -> {id: member name in the zip}."""
    if rels_name not in z.namelist():
        return {}
    out = {}
    for rel in _xml(z, rels_name):
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(base) / target)
        parts = []
        for part in name.split("/"):
            if part == "..":
                parts.pop() if parts else None
            elif part and part != ".":
                parts.append(part)
        out[rel.get("Id")] = "/".join(parts)
    return out


def _xlsx(z, sheet):
    hidden = Hidden(sheet)
    workbook = _xml(z, "xl/workbook.xml")
    targets = _targets(z, "xl/_rels/workbook.xml.rels", "xl")
    members = {}
    for s in workbook.iter():
        if _local(s.tag) != "sheet":
            continue
        name, state = s.get("name"), s.get("state") or "visible"
        hidden.sheet_names.append(name)
        members[name] = targets.get(_attr(s, "id"))
        if state != "visible":
            rows, columns = _extent(z, members[name])
            hidden.sheets.append(HiddenSheet(name, state, rows, columns))
    hidden_names = {h.name for h in hidden.sheets}
    if hidden.sheet is None:  # the reader takes the first visible sheet
        hidden.sheet = next((n for n in hidden.sheet_names if n not in hidden_names), None)
    for name, member in members.items():
        if not member or member not in z.namelist():
            continue
        folder, base = member.rsplit("/", 1)
        for target in _targets(z, f"{folder}/_rels/{base}.rels", folder).values():
            if target in z.namelist() and re.search(r"(?:threaded)?[cC]omments\d*\.xml$", target):
                n = sum(1 for e in _xml(z, target).iter() if _local(e.tag) in ("comment", "threadedComment"))
                if n:
                    hidden.comments[name] = hidden.comments.get(name, 0) + n
        if name == hidden.sheet:
            hidden.hidden_rows, hidden.hidden_columns = _hidden_rows_and_columns(z, member)
    # data a workbook carries besides its sheets: a pivot table's copy of its source rows (kept even
    # when the source sheet is deleted), and embedded files
    for kind, pattern in (("pivot_cache", r"xl/pivotCache/pivotCacheRecords\d*\.xml"), ("embedded", r"xl/embeddings/.+")):
        n = sum(1 for name in z.namelist() if re.fullmatch(pattern, name))
        if n:
            hidden.stored[kind] = n
    if "docProps/core.xml" in z.namelist():
        for e in _xml(z, "docProps/core.xml"):
            if _local(e.tag) in ("creator", "lastModifiedBy") and not PROGRAMS.match((e.text or "").strip()):
                hidden.people[_local(e.tag)] = e.text.strip()
    return hidden


def _hidden_rows_and_columns(z, member):
    """Streamed over the sheet's XML: <row r="7" hidden="1"> and <col min="2" max="3" hidden="1"/>."""
    rows, columns, tail = set(), set(), b""
    with z.open(member) as f:
        while chunk := f.read(CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")
            text, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            if b"hidden" not in text and b'="0' not in text:
                continue
            for m in _ROW.finditer(text):
                if _HIDDEN.search(m.group()) and (r := _ATTR["r"].search(m.group())):
                    rows.add(int(r.group(1)))
            for m in _COL.finditer(text):
                if _HIDDEN.search(m.group()):
                    low, high = _ATTR["min"].search(m.group()), _ATTR["max"].search(m.group())
                    if low and high:
                        columns.update(range(int(low.group(1)) - 1, min(int(high.group(1)), 16384)))
    return rows, columns


def _extent(z, member):
    """(rows holding a cell, widest row in cells) of a sheet, counted without keeping its values."""
    if not member or member not in z.namelist():
        return 0, 0
    rows = width = 0
    with z.open(member) as f:
        for _, e in ET.iterparse(f):
            if _local(e.tag) == "row":
                cells = sum(1 for c in e if _local(c.tag) == "c")
                if cells:
                    rows, width = rows + 1, max(width, cells)
                e.clear()
    return rows, width


ODS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}


def _ods(z, sheet):
    """content.xml: a table whose style says table:display="false", rows and columns with
    table:visibility="collapse" or "filter", office:annotation; meta.xml: the creators."""
    hidden = Hidden(sheet)
    t = "{%s}" % ODS["table"]
    content = _xml(z, "content.xml")
    not_shown = {s.get("{%s}name" % ODS["style"]) for s in content.iter("{%s}style" % ODS["style"])
                 if any(p.get(t + "display") == "false" for p in s)}
    tables = list(content.iter(t + "table"))
    hidden.sheet_names = [table.get(t + "name") for table in tables]
    for table in tables:
        name = table.get(t + "name")
        rows = [r for r in table.iter(t + "table-row")]
        if table.get(t + "style-name") in not_shown:
            filled = [r for r in rows if any((c.text or "").strip() or len(c) for c in r)]
            hidden.sheets.append(HiddenSheet(name, "hidden", len(filled), max((len(r) for r in filled), default=0)))
        notes = sum(1 for _ in table.iter("{%s}annotation" % ODS["office"]))
        if notes:
            hidden.comments[name] = notes
    shown = [n for n in hidden.sheet_names if n not in {h.name for h in hidden.sheets}]
    hidden.sheet = hidden.sheet or (shown[0] if shown else None)
    for table in tables:
        if table.get(t + "name") != hidden.sheet:
            continue
        number = 0
        for row in table.iter(t + "table-row"):
            repeat = int(row.get(t + "number-rows-repeated") or 1)
            if row.get(t + "visibility") in ("collapse", "filter"):
                hidden.hidden_rows.update(range(number + 1, number + 1 + min(repeat, 1_048_576)))
            number += repeat
        number = 0
        for column in table.iter(t + "table-column"):
            repeat = min(int(column.get(t + "number-columns-repeated") or 1), 16384)
            if column.get(t + "visibility") in ("collapse", "filter"):
                hidden.hidden_columns.update(range(number, number + repeat))
            number += repeat
    if "meta.xml" in z.namelist():
        for e in _xml(z, "meta.xml").iter():
            if _local(e.tag) in ("initial-creator", "creator") and not PROGRAMS.match((e.text or "").strip()):
                hidden.people[_local(e.tag)] = e.text.strip()
    return hidden


def check_sheet(hidden, display):
    """The manifest's `sheet:` may not name a hidden sheet: hidden content is never loaded, whatever
    the manifest says. To publish it, unhide it in a copy of the file and point `file:` at the copy."""
    state = next((h.state for h in hidden.sheets if h.name == hidden.sheet), None)
    if state:
        shown = [n for n in hidden.sheet_names if n not in {h.name for h in hidden.sheets}]
        raise ReleaseError(display, f"sheet {hidden.sheet!r} is {'very hidden' if state == 'veryHidden' else 'hidden'} "
                           "in the spreadsheet, and hidden content is never loaded",
                           "if the release is on a visible sheet, set `sheet:` to it"
                           + (f" ({', '.join(map(repr, shown))})" if shown else "")
                           + "; if the hidden sheet really is meant to be published, ask the force, then unhide it "
                           "in a copy of the file and point `file:` at the copy")
