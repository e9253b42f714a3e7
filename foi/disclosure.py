"""The disclosure check: nothing personal goes from the force's file to the public site.

Run on every release by build.py (foi/rows.py, foi/counts.py) and by `build.py describe`, on the
values as they are read, before the release's rows are put in the database:
- hidden content in a spreadsheet (foi/hidden.py): hidden and very hidden sheets, hidden rows and
  columns of the sheet read, comments and notes, a person named in the workbook's properties. None
  of it is ever loaded; the build stops until the manifest says `hidden: checked`;
- personal data in every text column (foi/personal_data.py): e-mail addresses, UK phone numbers,
  full postcodes, National Insurance numbers, dates of birth (a column named so, or a date next to
  DOB/born), vehicle registrations, house-number-and-street addresses, people's names; and a column
  of sentences (free text), whatever it holds; the title and note rows too;
- small numbers that identify (foi/small_numbers.py): a sexual offence alone in its date, area and
  age group is published with its month and no area, unless the manifest decides otherwise.

Which values are checked (the rule, as the cleaning counts values): each distinct value of a column
once. Every distinct value of the fields the build decides (outcome, age group, date, offence code and
description) and of every other column with up to DISTINCT_LIMIT distinct values; a column with more
(a reference, a free-text column of a large release) is checked on SAMPLE_ROWS rows taken in
SAMPLE_WINDOWS runs spread over the file, first row included. Every value checked goes through every
pattern: the sampling picks values, never patterns.

A finding not yet decided stops the build (exit 1; nothing is written) with a report that never prints
a personal value in full (each example masked, `Mr J*** S****`), ending with the manifest lines to
paste. The decisions (`withhold:`, `hidden: checked`, `reviewed:`) go in the `disclosure` table.
"""
import re
from dataclasses import dataclass

from . import personal_data
from .column_values import DISTINCT_LIMIT, NOTES
from .errors import ReleaseError
from .fields import header_key
from .schema import DISCLOSURE_COLUMNS

FREE_TEXT_SHARE = 0.25   # of a column's distinct values that are sentences
HIDDEN_KINDS = {
    "hidden_sheet": "hidden sheet",
    "hidden_rows": "hidden rows",
    "hidden_columns": "hidden columns",
    "comments": "comments or notes",
    "author": "a person named in the file's properties",
    "pivot_cache": "a pivot table's stored copy of its source data",
    "embedded": "embedded files",
}
KINDS = {**personal_data.KINDS, **HIDDEN_KINDS, "nothing": "nothing found",
         "unchecked": f"not checked (more than {DISTINCT_LIMIT:,} distinct values)"}


@dataclass
class Finding:
    kind: str                 # a key of KINDS
    column: str | None        # the header (None for hidden content)
    sheet: str | None
    rows: int                 # rows (or sheets' rows, comments) affected
    lines: tuple = ()         # the first lines it is on
    example: str = ""         # masked
    detail: str = ""          # for hidden content: where
    decision: str | None = None
    by: str | None = None
    on: str | None = None
    note: str | None = None

    def describe(self):
        if self.column is None:
            return f"{self.detail} ({KINDS[self.kind]}): never loaded"
        lines = ", ".join(map(str, self.lines[:5])) + (", ..." if self.rows > len(self.lines[:5]) else "")
        if self.kind == "small_numbers":
            return (f"column {self.column!r}: {KINDS[self.kind]}, {self.rows:,} row{'s' if self.rows != 1 else ''} "
                    f"(lines {lines}): {self.detail}")
        return (f"column {self.column!r}: {KINDS[self.kind]}, {self.rows:,} row{'s' if self.rows != 1 else ''}"
                + (f" (line{'s' if len(self.lines) > 1 else ''} {lines})" if self.lines else "")
                + (f", e.g. {self.example!r}" if self.example else ""))

    def row(self, release_id):
        row = {"release_id": release_id, "sheet": self.sheet, "column_name": self.column, "finding": KINDS[self.kind],
               "where_found": self.detail or None, "rows": self.rows, "decision": self.decision,
               "decided_by": self.by, "decided_on": self.on, "note": self.note}
        return {c: row[c] for c in DISCLOSURE_COLUMNS}


# --- what the reader hides -----------------------------------------------------------------------

def column_letters(index):
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def ranges(numbers, show=str):
    numbers, out = sorted(numbers), []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    text = [show(a) if a == b else f"{show(a)}-{show(b)}" for a, b in out[:8]]
    return ", ".join(text) + (", ..." if len(out) > 8 else "")


def plural(items, word):
    return word + ("s" if len(items) > 1 else "")


def hidden_findings(hidden):
    """foi/hidden.py's Hidden -> findings; the sheet names and where, never what they hold."""
    if not hidden:
        return []
    found = [Finding("hidden_sheet", None, h.name, h.rows,
                     detail=f"sheet {h.name!r} is {'very hidden' if h.state == 'veryHidden' else 'hidden'}, "
                            f"{h.rows:,} rows and {h.columns} columns") for h in hidden.sheets]
    if hidden.hidden_rows:
        found.append(Finding("hidden_rows", None, hidden.sheet, len(hidden.hidden_rows),
                             detail=f"{plural(hidden.hidden_rows, 'row')} {ranges(hidden.hidden_rows)} of sheet "
                                    f"{hidden.sheet!r} {'are' if len(hidden.hidden_rows) > 1 else 'is'} hidden"))
    if hidden.hidden_columns:
        found.append(Finding("hidden_columns", None, hidden.sheet, len(hidden.hidden_columns),
                             detail=f"{plural(hidden.hidden_columns, 'column')} "
                                    f"{ranges(hidden.hidden_columns, column_letters)} of sheet {hidden.sheet!r} "
                                    f"{'are' if len(hidden.hidden_columns) > 1 else 'is'} hidden"))
    for sheet, n in hidden.comments.items():
        found.append(Finding("comments", None, sheet, n, detail=f"sheet {sheet!r} holds {n:,} comment"
                                                                 f"{'s' if n > 1 else ''} or note{'s' if n > 1 else ''}"))
    for kind, n in hidden.stored.items():
        found.append(Finding(kind, None, None, n, detail=f"the workbook holds {n} "
                             + ("pivot cache" if kind == "pivot_cache" else "embedded file") + ("s" if n > 1 else "")))
    for prop, value in hidden.people.items():
        who = {"creator": "author", "lastModifiedBy": "last editor", "initial-creator": "author"}.get(prop, prop)
        found.append(Finding("author", None, None, 1,
                             detail=f"the file's properties name its {who} ({personal_data.mask_whole(value)})"))
    return found


# --- values to findings ---------------------------------------------------------------------------

def scan(header, values, free_text=True, rows=None):
    """Distinct values of one column -> {kind: [values showing it]} (the column's name counts too).
    Free text: sentences making up a quarter of the values, each on few rows (`rows`: value -> rows it
    is on, when known): a description repeated on many rows is a category, not a note."""
    found = {}
    filled = [v for v in values if v and not v.isspace()]
    if personal_data.is_date_of_birth_header(header) and filled:
        found["date_of_birth"] = filled
    for value in filled:
        for kind in personal_data.kinds_in(value):
            found.setdefault(kind, []).append(value)
    if free_text and filled:
        sentences = [v for v in filled if personal_data.is_sentence(v)]
        repeated = rows is not None and sum(rows[v] for v in sentences) > 1.5 * len(sentences)
        if len(sentences) >= 2 and len(sentences) >= FREE_TEXT_SHARE * len(filled) and not repeated:
            found["free_text"] = sentences
    return {kind: sorted(found[kind]) for kind in KINDS if kind in found}  # the same order every build


def example(kind, value):
    if kind in ("free_text", "date_of_birth") and not personal_data.find(value):
        return personal_data.mask_whole(value[:60])
    return personal_data.mask(value[:120])


def findings_of(header, sheet, found, counted):
    """{kind: values} -> findings; `counted(values)` -> (rows, first lines)."""
    out = []
    for kind, values in found.items():
        rows, lines = counted(values)
        first = values[0]
        out.append(Finding(kind, header, sheet, rows, tuple(lines), example(kind, first)))
    return out


def decide(findings, release, display):
    """Each finding against the manifest's decisions; stops the build on any not yet decided."""
    withheld = {header_key(h) for h in release.get("withhold") or []}
    reviewed = {(header_key(r["column"]), str(r["finding"])): r for r in release.get("reviewed") or []}
    for f in findings:
        if f.column is None:
            if release.get("hidden") == "checked":
                f.decision = "hidden: checked; not loaded"
        elif header_key(f.column) in withheld:
            f.decision = "withheld: never loaded"
        elif (r := reviewed.get((header_key(f.column), f.kind))):
            f.decision, f.by, f.on, f.note = "reviewed: published", str(r["by"]), str(r["on"]), r.get("note")
    undecided = [f for f in findings if f.decision is None]
    if undecided:
        raise ReleaseError(display, report(undecided), paste(release, undecided))
    return findings


def report(findings):
    """What was found and not yet decided: one line naming every column and sheet, then one line each."""
    named = {}
    for f in findings:
        where = f"column {f.column!r}" if f.column is not None else \
            (f"sheet {f.sheet!r}" if f.sheet else "the file's properties")
        named.setdefault(where, []).append(KINDS[f.kind])
    return (f"{len(findings)} finding{'s' if len(findings) > 1 else ''} of personal data or hidden content that nobody "
            "has decided about, so nothing was published: "
            + "; ".join(f"{where} ({', '.join(dict.fromkeys(kinds))})" for where, kinds in named.items())
            + ". Examples masked:\n" + "\n".join("  " + f.describe() for f in findings))


def proposed(findings):
    """The manifest lines that would decide `findings`: withhold each column, hidden content checked."""
    columns = list(dict.fromkeys(f.column for f in findings if f.column is not None))
    lines = []
    if columns:
        lines.append(f"withhold: [{', '.join(yaml_text(c) for c in columns)}]   # never loaded anywhere")
    if any(f.column is None for f in findings):
        lines.append("hidden: checked   # you have looked at the hidden content; it stays unloaded")
    return lines


def paste(release, findings):
    first = next((f for f in findings if f.column is not None), None)
    review = (["# reviewed:   # instead of withholding, a finding you judge safe to publish:",
               f"#   - {{column: {yaml_text(first.column)}, finding: {first.kind}, by: your name, on: yyyy-mm-dd, "
               "note: why it is safe}"] if first else [])
    return (f"look at each one (the file itself, not the site). Then decide, under release {release.get('id')} "
            "in data/manifest.yml; to withhold everything found, paste:\n"
            + "\n".join("    " + line for line in proposed(findings) + review)
            + "\n  See README.md, 'Before you publish: personal data'.")


def yaml_text(text):
    return text if re.fullmatch(r"[A-Za-z][\w ()/.-]*[\w)]", text) else '"' + text.replace('"', '\\"') + '"'


def summary(findings):
    """One line for the releases table: what was found and decided."""
    if not findings:
        return "checked: nothing found"
    parts = []
    withheld = list(dict.fromkeys(f.column for f in findings if f.decision and f.decision.startswith("withheld")))
    if withheld:
        parts.append(f"withheld: {', '.join(withheld)}")
    if any(f.column is None for f in findings):
        parts.append("hidden content checked and not loaded: " + "; ".join(f.detail for f in findings if f.column is None))
    reviewed = [f"{f.column} ({KINDS[f.kind]}, reviewed by {f.by} on {f.on})" for f in findings
                if f.decision and f.decision.startswith("reviewed")]
    if reviewed:
        parts.append("published after review: " + ", ".join(reviewed))
    return "; ".join(parts)


def withheld_without_findings(release, headers, findings, sheet):
    """A withheld column in which nothing was found is still recorded as withheld."""
    found = {header_key(f.column) for f in findings if f.column}
    return [Finding("nothing", h, sheet, 0, decision="withheld: never loaded") for h in release.get("withhold") or []
            if header_key(h) not in found and header_key(h) in {header_key(x) for x in headers}]


def check_counts(watch, counts, hidden, release, display, table_notes=()):
    """A counts release's text columns (its labels) and what its file hides -> findings, each decided."""
    findings = []
    sheet = hidden.sheet if hidden else None
    for i, seen in watch.values.items():
        def counted(values, seen=seen):
            return sum(seen[v][0] for v in values), sorted(seen[v][1] for v in values)[:5]
        findings += findings_of(watch.headers[i], sheet, scan(watch.headers[i], list(seen), rows=watch.counts(i)),
                                counted)
    findings += notes_findings(table_notes, sheet)
    findings += hidden_findings(hidden)
    findings += withheld_without_findings(release, watch.headers, findings, sheet)
    return decide(findings, release, display)


# --- a row-level release --------------------------------------------------------------------------

def notes_findings(notes, sheet):
    """The title and note rows the releases table keeps: `withhold: [title and note rows]` drops them."""
    return findings_of(NOTES, sheet, scan(NOTES, notes, free_text=False), lambda values: (len(values), []))
