"""The sample release, exported the ways forces export it: each way a small named function.

The sample (data/sample/, 7,982 crimes) reproduces the seven figures the story published, so
whatever a force's export does to it, the right answer is known. Each transformation below
changes the file the way a force's spreadsheet, database report or PDF conversion would, and
says which manifest keys a journalist writes for it. `build_case()` then runs the real build
(build.main, in-process: the same code `make build` runs, without a subprocess per case) beside
a good database, and `problems()` says what went wrong, if anything:

- the figures: every published figure (metadata.yml `published:`) comes out exact, and so does
  the count by financial year and caution type that every chart adds up to (by offender only,
  where the export no longer says simple or conditional);
- or a refusal: exit 1, a message naming the file with what is wrong and what to do (and, for
  each transformation that must stop, the values or counts it must list), and the previous
  database byte for byte as it was;
- never a traceback, never a different number.

    python tests/metamorphic.py            # every case, one line each, grouped by what went wrong
    python tests/metamorphic.py --cases 1000 --seed 7
    python tests/metamorphic.py --describe # each transformation alone, with describe's manifest entry

A transformation is registered with `@transformation(step, ...)`. The steps run in order, so
transformations combine: rows added or repeated, then values rewritten (dates, outcomes,
offences), then spelling (spaces, case), then columns, then the page layout, then the file.
`slots` name what a transformation decides alone (two outcome wordings cannot both apply);
`stops=True` marks one whose right answer is a refusal (a combination holds at most one).
"""
import codecs
import contextlib
import csv
import datetime
import functools
import hashlib
import io
import os
import random
import re
import shutil
import sqlite3
import importlib.util
import sys
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from foi import figure_blocks
from foi.offences import Lookup

ROOT = Path(__file__).resolve().parent.parent
# build.py, the script `make build` runs: imported by path, so `python tests/metamorphic.py` works too
_spec = importlib.util.spec_from_file_location("build", ROOT / "build.py")
build = sys.modules.get("build") or importlib.util.module_from_spec(_spec)
if "build" not in sys.modules:
    sys.modules["build"] = build
    _spec.loader.exec_module(build)

MANIFEST = yaml.safe_load((ROOT / "data" / "manifest.yml").read_text(encoding="utf-8"))
SAMPLE_ENTRY = MANIFEST["releases"][0]
SAMPLE_FILE = ROOT / "data" / SAMPLE_ENTRY["file"]
METADATA = figure_blocks.load(ROOT / "metadata.yml")  # each figure's block derived into its canned query
PUBLISHED = {(name, p.get("label") or ""): p["value"]
             for name, q in METADATA["databases"]["cautions"]["queries"].items() for p in q.get("published") or []}
LOOKUP = Lookup(ROOT / "data" / "reference" / "offence_codes.csv")
PERIOD = {"from": datetime.date(2015, 4, 1), "to": datetime.date(2017, 3, 31)}  # the title row says so
XLS_FIXTURE = ROOT / "tests" / "metamorphic_fixtures" / "tvp_cautions_SAMPLE.xls.gz"

# The order transformations apply in, whichever order a combination names them.
ROWS, VALUES, SPELLING, COLUMNS, LAYOUT, FILE = range(6)


# --- the sample, as a table a transformation changes ----------------------------------------------

def header_key(name):
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@dataclass
class Sample:
    above: list      # lines above the header: one text each ('' a blank line)
    header: list
    rows: list
    below: list


def read_sample():
    with open(SAMPLE_FILE, encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    at = next(i for i, cells in enumerate(lines) if cells[:1] == ["Crime Reference"])
    end = next(i for i in range(at + 1, len(lines)) if not any(lines[i]))
    return Sample([" ".join(c for c in cells if c) for cells in lines[:at]], lines[at], lines[at + 1:end],
                  [" ".join(c for c in cells if c) for cells in lines[end:]])


SAMPLE = read_sample()
SAMPLE_REFERENCES = frozenset(row[0] for row in SAMPLE.rows)
FIELDS = {f: SAMPLE_ENTRY["columns"][f] for f in
          ("crime_reference", "offence_code", "offence_description", "outcome", "outcome_date", "age_group")}


@dataclass
class FileForm:
    """How the table is written out: a text file (encoding, delimiter, line ends, quoting) or a workbook."""
    container: str = "csv"          # csv, utf-16, xlsx, ods, xls
    encoding: str = "utf-8"
    delimiter: str = ","
    newline: str = "\r\n"
    quoting: int = csv.QUOTE_MINIMAL
    suffix: str = ".csv"
    sheet: str = "Cautions"
    sheets_before: list = field(default_factory=list)  # (name, rows) of sheets before the release's
    date_cells: bool = True         # a workbook's dd/mm/yyyy dates as date cells, serial numbers as numbers


@dataclass
class Export:
    """The release as a force's export holds it, and what the journalist writes in the manifest."""
    above: list
    header: list
    rows: list
    below: list
    fields: dict                    # field -> the header named in the manifest (a list: a date in parts)
    mapped: set                     # the fields written under `columns:` (the rest found by their synonyms)
    keys: dict = field(default_factory=dict)       # other manifest keys: date_format, period, rows_are...
    layout: dict = field(default_factory=dict)     # header_every, page_every, blank_every, total
    form: FileForm = field(default_factory=FileForm)
    dates_as_given: bool = True     # the dates still dd/mm/yyyy (a workbook may hold them as date cells)
    stops: list = None              # the right answer is a refusal whose message holds each of these
    compare: str = "caution_type"   # the breakdown checked beside the figures: caution_type, offender or None
    applied: list = field(default_factory=list)

    @classmethod
    def of_sample(cls):
        return cls(list(SAMPLE.above), list(SAMPLE.header), [list(r) for r in SAMPLE.rows], list(SAMPLE.below),
                   dict(FIELDS), set(FIELDS))

    def col(self, name):
        """The column index of a field (or of a header), or None when the export has no such column."""
        wanted = self.fields.get(name, name)
        if not isinstance(wanted, str):
            return None
        keys = [header_key(h) for h in self.header]
        return keys.index(header_key(wanted)) if header_key(wanted) in keys else None

    def values(self, name):
        """(row, index) of each cell of a field."""
        i = self.col(name)
        return [] if i is None else [(row, i) for row in self.rows]

    def rewrite(self, name, change):
        for row, i in self.values(name):
            row[i] = change(row[i])

    def rename(self, name, new, mapped=True):
        i = self.col(name)
        if i is None:
            return
        self.header[i] = new
        if name in self.fields:
            self.fields[name] = new
            (self.mapped.add if mapped else self.mapped.discard)(name)

    def add_column(self, header, values, at=None):
        at = len(self.header) if at is None else at
        self.header.insert(at, header)
        for row, value in zip(self.rows, values):
            row.insert(at, value)

    def drop_column(self, name):
        i = self.col(name)
        del self.header[i]
        for row in self.rows:
            del row[i]
        self.fields.pop(name, None)
        self.mapped.discard(name)
        return i

    def must_stop(self, *phrases):
        self.stops = (self.stops or []) + list(phrases)

    def coarser(self, compare):
        order = ["caution_type", "offender", None]
        self.compare = max(self.compare, compare, key=order.index)

    def rng(self, name):
        return random.Random(f"{name}-{len(self.rows)}")

    def manifest_entry(self, file_name):
        entry = {k: v for k, v in SAMPLE_ENTRY.items() if k not in ("columns", "file", "description", "request", "status")}
        entry["file"] = file_name
        if self.form.container in ("xlsx", "ods", "xls"):
            entry["sheet"] = self.form.sheet
        columns = {f: self.fields[f] for f in self.fields if f in self.mapped}
        if columns:
            entry["columns"] = columns
        entry.update(self.keys)
        return entry


# --- transformations -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transformation:
    name: str
    apply: object
    step: int
    slots: frozenset
    stops: bool
    weight: float       # how often a random combination picks it (workbooks are slow to write and read)
    alone: bool         # only as a case of its own (a committed fixture file)
    doc: str


TRANSFORMATIONS = {}


def transformation(step, slots=(), stops=False, weight=1.0, alone=False):
    def register(f):
        doc = " ".join((f.__doc__ or f.__name__).split())
        TRANSFORMATIONS[f.__name__] = Transformation(f.__name__, f, step, frozenset(slots) | ({"stop"} if stops else set()),
                                                     stops, weight, alone, doc)
        return f
    return register


def some(rng, share):
    return rng.random() < share


SPACED_FIELDS = ("crime_reference", "offence_code", "offence_description", "outcome", "outcome_date", "age_group")


# whitespace and case: one value written several ways in one file

@transformation(SPELLING)
def trailing_spaces_on_some_cells(export):
    """A space after some cells only ('Adult simple caution ' beside 'Adult simple caution')."""
    rng = export.rng("trailing")
    for name in SPACED_FIELDS:
        export.rewrite(name, lambda v: v + rng.choice([" ", "  "]) if v and some(rng, 0.15) else v)


@transformation(SPELLING)
def leading_spaces_on_some_cells(export):
    """A space before some cells only."""
    rng = export.rng("leading")
    for name in SPACED_FIELDS:
        export.rewrite(name, lambda v: " " + v if v and some(rng, 0.1) else v)


@transformation(SPELLING)
def no_break_spaces_on_some_cells(export):
    """A no-break space (U+00A0, as pasted from a web page or Word) after or before some cells."""
    rng = export.rng("nbsp")
    for name in SPACED_FIELDS:
        export.rewrite(name, lambda v: (v + "\u00a0" if some(rng, 0.6) else "\u00a0" + v) if v and some(rng, 0.1) else v)


@transformation(SPELLING)
def repeated_inner_spaces_on_some_cells(export):
    """Two spaces between words in some cells ('Adult  simple caution')."""
    rng = export.rng("inner")
    for name in ("offence_description", "outcome", "age_group"):
        export.rewrite(name, lambda v: v.replace(" ", "  ", 1) if " " in v and some(rng, 0.15) else v)


@transformation(SPELLING, slots={"outcome case"})
def outcomes_in_capitals(export):
    """Every outcome in capitals ('ADULT SIMPLE CAUTION')."""
    export.rewrite("outcome", str.upper)


@transformation(SPELLING, slots={"outcome case"})
def outcomes_in_mixed_case(export):
    """Outcomes in lower case on some rows and Title Case on others."""
    rng = export.rng("case")
    export.rewrite("outcome", lambda v: v.lower() if some(rng, 0.3) else v.title() if some(rng, 0.4) else v)


@transformation(SPELLING, slots={"description case"})
def offence_descriptions_in_capitals(export):
    """Every offence description in capitals."""
    export.rewrite("offence_description", str.upper)


@transformation(COLUMNS, slots={"header names"})
def headers_in_capitals(export):
    """The header in capitals ('CRIME REFERENCE'), the manifest's `columns:` as it was."""
    export.header = [h.upper() for h in export.header]


@transformation(COLUMNS, slots={"header names"})
def headers_with_underscores(export):
    """Headers as a database writes them ('Crime_Reference', 'Outcome_Date'), `columns:` as it was."""
    export.header = [h.replace(" ", "_") for h in export.header]


# outcomes: the four kinds of caution in the sample, worded as other forces word them

ADULT_SIMPLE, YOUTH_SIMPLE = "Adult simple caution", "Youth caution"
ADULT_CONDITIONAL, YOUTH_CONDITIONAL = "Adult conditional caution", "Youth conditional caution"


def reword_outcomes(export, adult_simple, youth_simple, adult_conditional, youth_conditional):
    words = {ADULT_SIMPLE: adult_simple, YOUTH_SIMPLE: youth_simple, ADULT_CONDITIONAL: adult_conditional,
             YOUTH_CONDITIONAL: youth_conditional}
    export.rewrite("outcome", lambda v: words.get(v, v))


@transformation(VALUES, slots={"outcome wording"})
def outcomes_cond_dot_caution_dash_adult(export):
    """'Caution - Adult', 'Cond. Caution - Adult', 'Caution - Youth', 'Cond. Caution - Youth'."""
    reword_outcomes(export, "Caution - Adult", "Caution - Youth", "Cond. Caution - Adult", "Cond. Caution - Youth")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_adult_cond_caution(export):
    """'Adult Caution', 'Adult Cond Caution', 'Youth Caution', 'Youth Cond Caution'."""
    reword_outcomes(export, "Adult Caution", "Youth Caution", "Adult Cond Caution", "Youth Cond Caution")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_cond_caution_with_age_in_brackets(export):
    """'Caution (Adult)', 'Cond Caution (Adult)', 'Caution (Youth)', 'Cond Caution (Youth)'."""
    reword_outcomes(export, "Caution (Adult)", "Caution (Youth)", "Cond Caution (Adult)", "Cond Caution (Youth)")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_acc_and_ycc(export):
    """Conditional cautions as 'ACC' and 'YCC' (adult and youth conditional caution)."""
    reword_outcomes(export, "Adult Caution", "Youth Caution", "ACC", "YCC")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_simple_and_conditional_first(export):
    """'Simple Caution - Adult', 'Conditional Caution - Adult', 'Simple Caution - Youth', ..."""
    reword_outcomes(export, "Simple Caution - Adult", "Simple Caution - Youth", "Conditional Caution - Adult",
                    "Conditional Caution - Youth")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_as_home_office_outcome_numbers(export):
    """'Outcome 3' for an adult's caution, 'Outcome 2' for a youth's: simple or conditional no longer said."""
    reword_outcomes(export, "Outcome 3", "Outcome 2", "Outcome 3", "Outcome 2")
    export.coarser("offender")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_as_oc_numbers(export):
    """'OC3' and 'OC2'."""
    reword_outcomes(export, "OC3", "OC2", "OC3", "OC2")
    export.coarser("offender")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_as_type_numbers(export):
    """'Type 3' and 'Type 2'."""
    reword_outcomes(export, "Type 3", "Type 2", "Type 3", "Type 2")
    export.coarser("offender")


@transformation(VALUES, slots={"outcome wording"})
def outcomes_as_numbers_with_wording(export):
    """'Outcome 3 - Adult Simple Caution', 'Outcome 2 - Youth Conditional Caution', ..."""
    reword_outcomes(export, "Outcome 3 - Adult Simple Caution", "Outcome 2 - Youth Caution",
                    "Outcome 3 - Adult Conditional Caution", "Outcome 2 - Youth Conditional Caution")
    export.coarser("offender")  # whether 'Outcome 2 - Youth Caution' says simple is the build's to decide


CHECKPOINT = ("Adult Caution - Checkpoint", "Youth Caution - Checkpoint")


def some_outcomes_with_a_word_nobody_foresaw(export):
    rng = export.rng("checkpoint")
    words = {ADULT_SIMPLE: CHECKPOINT[0], YOUTH_SIMPLE: CHECKPOINT[1]}
    export.rewrite("outcome", lambda v: words[v] if v in words and some(rng, 0.02) else v)


@transformation(VALUES, slots={"outcome wording"}, stops=True)
def outcomes_with_a_word_nobody_foresaw(export):
    """Some cautions written 'Adult Caution - Checkpoint' (a deferred-prosecution scheme: is it a
    caution?), no `outcomes:` line: the build must stop and list both values."""
    some_outcomes_with_a_word_nobody_foresaw(export)
    export.must_stop(*CHECKPOINT)


@transformation(VALUES, slots={"outcome wording"})
def outcomes_with_a_word_nobody_foresaw_declared(export):
    """The same, with the journalist's `outcomes:` lines saying what each is."""
    some_outcomes_with_a_word_nobody_foresaw(export)
    export.keys["outcomes"] = {CHECKPOINT[0]: "adult simple caution", CHECKPOINT[1]: "youth simple caution"}


NOT_CAUTIONS = ["Charged", "Summonsed", "Community Resolution", "Penalty Notice for Disorder", "No Further Action",
                "Outcome 1", "Outcome 8", "Cannabis Warning"]


@transformation(ROWS, slots={"rows added"})
def outcomes_that_are_not_cautions_among_the_rows(export):
    """The force exported every outcome: 500 more crimes charged, fined, resolved in the community or
    dropped (rapes and Class A supply among them), which are not cautions."""
    rng = export.rng("not cautions")
    originals = [r for r in export.rows if r[0] in SAMPLE_REFERENCES]
    headline = [r for r in originals if headline_code(r[1])]
    for n in range(500):
        row = list(rng.choice(headline if n % 10 == 0 else originals))
        row[0], row[3] = f"TVP-43-NC-{n:06d}", rng.choice(NOT_CAUTIONS)
        export.rows.insert(rng.randrange(len(export.rows) + 1), row)


# offences

@functools.lru_cache(maxsize=None)
def headline_code(code):
    """Whether a code is counted by a published figure (rape, sexual assault, Class A supply, firearm)."""
    from foi.clean import offence_code
    row = LOOKUP.by_code.get(offence_code(code) or "")
    return bool(row) and bool(row["is_rape"] or row["is_sexual_assault"] or row["is_firearm_with_intent"]
                              or (row["drug_class"] == "A" and row["drug_offence"] == "possession with intent to supply"))


@transformation(VALUES, slots={"offence columns"})
def offence_codes_without_leading_zeros(export):
    """Codes as '92/70' and '19/8', not '092/70' and '019/08'."""
    export.rewrite("offence_code", lambda v: "/".join(str(int(p)) for p in v.split("/")) if "/" in v else v)


@transformation(VALUES, slots={"offence columns"})
def offence_codes_in_lower_case(export):
    """Class codes in lower case ('8n', '105a')."""
    export.rewrite("offence_code", str.lower)


@transformation(VALUES, slots={"offence columns"})
def code_and_description_in_one_column(export):
    """One 'Offence' column holding '092/70 - Having possession ... - Cocaine'."""
    code, description = export.col("offence_code"), export.col("offence_description")
    merged = [f"{row[code]} - {row[description]}" for row in export.rows]
    export.drop_column("offence_description")
    at = export.drop_column("offence_code")
    export.add_column("Offence", merged, at)
    export.fields["offence_description"] = "Offence"
    export.mapped.add("offence_description")


@transformation(VALUES, slots={"offence columns"})
def descriptions_only(export):
    """No code column: the descriptions alone, worded as in the Home Office lookup."""
    export.drop_column("offence_code")


REWORDED = {  # as forces abbreviate them; none is a description the lookup holds
    "Rape of a female aged 16 or over": ("Rape of female 16 or over", "19/8"),
    "Rape of a female aged under 16": ("Rape - female under 16", "19/7"),
    "Attempted rape of a female aged 16 or over": ("Att. rape female 16+", "19/12"),
    "Sexual assault on a female": ("Sex assault on female (13 or over)", "20/5"),
    "Assault on a female by penetration": ("Assault by penetration - female", "20/3"),
    "Having possession of a controlled drug with intent to supply - Class A - Cocaine": ("PWITS Class A - Cocaine",
                                                                                         "92/70"),
    "Having possession of a controlled drug with intent to supply - Class A - Crack": ("PWITS Class A - Crack", "92/74"),
    "Having possession of a controlled drug with intent to supply - Class A - Heroin": ("PWITS Class A - Heroin",
                                                                                        "92/71"),
    "Possession of firearms etc. with intent to endanger life (Group II)": ("Poss firearm w/i endanger life", "5/15"),
    "Shoplifting": ("Theft from shops/stalls", "46"),
    "Assault without injury": ("Common assault / battery", "105A"),
    "Harassment": ("Harassment (S2 PHA 1997)", "8L"),
}
NOT_HEADLINE = ("Shoplifting", "Assault without injury", "Harassment")


def reword_descriptions(export, which):
    export.drop_column("offence_code")
    export.rewrite("offence_description", lambda v: REWORDED[v][0] if v in which else v)
    return [REWORDED[d][0] for d in which]


@transformation(VALUES, slots={"offence columns"}, stops=True)
def descriptions_only_reworded(export):
    """No code column, and descriptions in the force's words ('PWITS Class A - Cocaine', 'Rape of female
    16 or over'): the build must stop, listing every one it cannot match (12 here)."""
    export.must_stop(*reword_descriptions(export, REWORDED))


@transformation(VALUES, slots={"offence columns"})
def descriptions_only_reworded_with_offences_lines(export):
    """The same, with an `offences:` line for each (description as given: code)."""
    reword_descriptions(export, REWORDED)
    export.keys["offences"] = {words: code for words, code in REWORDED.values()}


@transformation(VALUES, slots={"offence columns"})
def descriptions_only_reworded_kept_uncoded(export):
    """No code column, three everyday offences in the force's words, and `unmatched_offences: keep`:
    loaded uncoded, which no published figure counts."""
    reword_descriptions(export, NOT_HEADLINE)
    export.keys["unmatched_offences"] = "keep"


# columns

@transformation(COLUMNS, slots={"column order"})
def columns_in_reverse_order(export):
    """The columns in the opposite order."""
    order = list(reversed(range(len(export.header))))
    export.header = [export.header[i] for i in order]
    export.rows = [[row[i] for i in order] for row in export.rows]


@transformation(COLUMNS, slots={"column order"})
def columns_shuffled(export):
    """The columns in another order."""
    order = list(range(len(export.header)))
    export.rng("shuffle columns").shuffle(order)
    export.header = [export.header[i] for i in order]
    export.rows = [[row[i] for i in order] for row in export.rows]


@transformation(COLUMNS, slots={"extra columns"})
def more_columns_than_the_figures_need(export):
    """District, officer's collar number and a mostly empty Notes column, first."""
    rng = export.rng("extra columns")
    districts = ["Aylesbury Vale", "Chiltern", "South Bucks", "Wycombe", "Oxford", "Reading", "Slough", "Milton Keynes"]
    export.add_column("Notes", ["" if some(rng, 0.95) else "see file" for _ in export.rows], 0)
    export.add_column("Collar No", [str(rng.randint(1000, 9999)) for _ in export.rows], 0)
    export.add_column("District", [rng.choice(districts) for _ in export.rows], 0)


@transformation(COLUMNS, slots={"age column"})
def no_age_group_column(export):
    """No age group column: adult or youth only from the outcome."""
    if export.col("age_group") is not None:
        export.drop_column("age_group")


SYNONYMS = {"crime_reference": "Crime No", "offence_code": "HO Code", "offence_description": "Offence",
            "outcome": "Disposal", "outcome_date": "Disposal Date", "age_group": "Age Group"}


@transformation(COLUMNS, slots={"header names"})
def headers_the_build_knows_without_columns(export):
    """'Crime No', 'HO Code', 'Offence', 'Disposal', 'Disposal Date', 'Age Group' (synonyms foi/fields.py
    lists), and no `columns:`."""
    for name, new in SYNONYMS.items():
        export.rename(name, new, mapped=False)


@transformation(COLUMNS, slots={"header names"})
def headers_of_the_forces_own_given_under_columns(export):
    """'Ref No.', 'HOCR', 'Offence Wording', 'Disposal Method', 'Disposal Dt', 'Offender Age Band',
    each named under `columns:`."""
    for name, new in {"crime_reference": "Ref No.", "offence_code": "HOCR", "offence_description": "Offence Wording",
                      "outcome": "Disposal Method", "outcome_date": "Disposal Dt", "age_group": "Offender Age Band"}.items():
        export.rename(name, new)


# dates: every form a spreadsheet or a database report writes

@functools.lru_cache(maxsize=None)
def as_given(value):
    """A date of the sample as written there (dd/mm/yyyy) -> datetime; a few hundred distinct ones."""
    return datetime.datetime.strptime(value, "%d/%m/%Y")


def rewrite_dates(export, form):
    export.dates_as_given = False
    written = {}

    def change(v):
        if v not in written:
            d = as_given(v)
            written[v] = form(d) if callable(form) else d.strftime(form)
        return written[v]
    export.rewrite("outcome_date", change)


def time_of_day(d):
    """A time of day that is the same for the same date (so a date keeps one spelling per day)."""
    n = d.toordinal() * 7919 % 86400
    return datetime.time(n // 3600, n // 60 % 60, n % 60)


@transformation(VALUES, slots={"dates"})
def dates_without_leading_zeros(export):
    """'1/4/2015' (d/m/yyyy)."""
    rewrite_dates(export, lambda d: f"{d.day}/{d.month}/{d.year}")


@transformation(VALUES, slots={"dates"})
def dates_with_dots(export):
    """'01.04.2015'."""
    rewrite_dates(export, "%d.%m.%Y")


@transformation(VALUES, slots={"dates"})
def dates_with_hyphens(export):
    """'01-04-2015'."""
    rewrite_dates(export, "%d-%m-%Y")


@transformation(VALUES, slots={"dates"})
def dates_with_two_digit_years_declared(export):
    """'01/04/15', with `date_format: "%d/%m/%y"`."""
    rewrite_dates(export, "%d/%m/%y")
    export.keys["date_format"] = "%d/%m/%y"


@transformation(VALUES, slots={"dates"})
def dates_iso(export):
    """'2015-04-01'."""
    rewrite_dates(export, "%Y-%m-%d")


@transformation(VALUES, slots={"dates"})
def dates_iso_with_time(export):
    """'2015-04-01T14:30:00'."""
    rewrite_dates(export, lambda d: datetime.datetime.combine(d, time_of_day(d)).isoformat())


@transformation(VALUES, slots={"dates"})
def dates_iso_with_time_zone(export):
    """'2015-04-01T14:30:00Z' (an API's export, in UTC; times of day between 08:00 and 20:00, so the
    date is the same read in UTC or in UK time)."""
    def utc(d):
        t = time_of_day(d)
        return f"{d:%Y-%m-%d}T{8 + t.hour % 12:02d}:{t.minute:02d}:{t.second:02d}Z"
    rewrite_dates(export, utc)


@transformation(VALUES, slots={"dates"})
def dates_iso_with_midnight_as_a_database_writes_them(export):
    """'2015-04-01 00:00:00.000'."""
    rewrite_dates(export, "%Y-%m-%d 00:00:00.000")


@transformation(VALUES, slots={"dates"})
def dates_with_hours_and_minutes(export):
    """'01/04/2015 14:30' (dd/mm/yyyy hh:mm, as Excel writes a date-time)."""
    rewrite_dates(export, lambda d: f"{d:%d/%m/%Y} {time_of_day(d):%H:%M}")


@transformation(VALUES, slots={"dates"})
def dates_with_seconds(export):
    """'01/04/2015 14:30:07'."""
    rewrite_dates(export, lambda d: f"{d:%d/%m/%Y} {time_of_day(d):%H:%M:%S}")


@transformation(VALUES, slots={"dates"})
def dates_as_day_month_abbreviation_two_digit_year(export):
    """'01-Apr-15', with `date_format: "%d-%b-%y"`."""
    rewrite_dates(export, "%d-%b-%y")
    export.keys["date_format"] = "%d-%b-%y"


@transformation(VALUES, slots={"dates"}, stops=True)
def dates_with_two_digit_years_undeclared(export):
    """'01-Apr-15' without `date_format:`: the build must stop and name the `date_format:` to add."""
    rewrite_dates(export, "%d-%b-%y")
    export.must_stop("date_format", "%d-%b-%y")


@transformation(VALUES, slots={"dates"})
def dates_as_words(export):
    """'01 April 2015', with `date_format: "%d %B %Y"`."""
    rewrite_dates(export, "%d %B %Y")
    export.keys["date_format"] = "%d %B %Y"


@transformation(VALUES, slots={"dates"})
def dates_as_eight_digits(export):
    """'20150401', with `date_format: "%Y%m%d"`."""
    rewrite_dates(export, "%Y%m%d")
    export.keys["date_format"] = "%Y%m%d"


@transformation(VALUES, slots={"dates"})
def dates_month_first_declared(export):
    """'04/01/2015' (an American-set machine), with `date_format: "%m/%d/%Y"`."""
    rewrite_dates(export, "%m/%d/%Y")
    export.keys["date_format"] = "%m/%d/%Y"


@transformation(VALUES, slots={"dates"}, stops=True)
def dates_month_first_undeclared(export):
    """The same without `date_format:`: the build must stop at the first date that cannot be
    day-first, and name the `date_format:` to add."""
    rewrite_dates(export, "%m/%d/%Y")
    export.must_stop("date_format")


def excel_serial(d):
    return (d - datetime.datetime(1899, 12, 30)).days


@transformation(VALUES, slots={"dates"})
def dates_as_excel_serial_numbers(export):
    """'42095' (days since 1900, as a date cell becomes when its format is lost), with `date_format: excel`."""
    rewrite_dates(export, lambda d: str(excel_serial(d)))
    export.keys["date_format"] = "excel"


@transformation(VALUES, slots={"dates"})
def dates_as_excel_serial_numbers_with_times(export):
    """'42095.604166667': a serial date-time, with `date_format: excel`."""
    def serial(d):
        t = time_of_day(d)
        return f"{excel_serial(d) + (t.hour * 3600 + t.minute * 60 + t.second) / 86400:.9f}".rstrip("0")
    rewrite_dates(export, serial)
    export.keys["date_format"] = "excel"


@transformation(VALUES, slots={"dates"})
def dates_as_months_only(export):
    """'2015-04', the month alone (as police.uk gives it)."""
    rewrite_dates(export, "%Y-%m")


def split_dates(export, parts):
    export.dates_as_given = False
    i = export.col("outcome_date")
    dates = [as_given(row[i]) for row in export.rows]
    export.drop_column("outcome_date")
    for offset, (header, form) in enumerate(parts):
        export.add_column(header, [form(d) for d in dates], i + offset)
    export.fields["outcome_date"] = [header for header, _ in parts]
    export.mapped.add("outcome_date")


@transformation(VALUES, slots={"dates"})
def date_split_into_year_and_month(export):
    """A Year column and a Month column (4), no day: `columns: {outcome_date: [Year, Month]}`."""
    split_dates(export, [("Year", lambda d: str(d.year)), ("Month", lambda d: str(d.month))])


@transformation(VALUES, slots={"dates"})
def date_split_into_year_and_month_name(export):
    """A Year column and a Month column ('April'): `columns: {outcome_date: [Year, Month]}`."""
    split_dates(export, [("Year", lambda d: str(d.year)), ("Month", lambda d: f"{d:%B}")])


@transformation(VALUES, slots={"dates"})
def date_split_into_day_month_and_year(export):
    """Day, Month and Year columns: `columns: {outcome_date: [Day, Month, Year]}`."""
    split_dates(export, [("Day", lambda d: str(d.day)), ("Month", lambda d: str(d.month)),
                         ("Year", lambda d: str(d.year))])


def financial_year_column(export, form):
    export.dates_as_given = False
    i = export.col("outcome_date")
    years = []
    for row in export.rows:
        d = as_given(row[i])
        start = d.year if d.month >= 4 else d.year - 1
        years.append(form(start))
    export.drop_column("outcome_date")
    export.add_column("FY", years, i)
    export.fields["financial_year"] = "FY"
    export.mapped.add("financial_year")


@transformation(VALUES, slots={"dates"})
def financial_year_column_and_no_date(export):
    """An FY column ('2015/16') and no date: `columns: {financial_year: FY}`."""
    financial_year_column(export, lambda y: f"{y}/{(y + 1) % 100:02d}")


@transformation(VALUES, slots={"dates"})
def financial_year_column_written_with_a_hyphen(export):
    """An FY column written '2015-16' and no date: `columns: {financial_year: FY}`."""
    financial_year_column(export, lambda y: f"{y}-{(y + 1) % 100:02d}")


# rows: more of them than there are crimes

def add_repeats(export, name, repeat):
    """Insert, after each chosen crime of the sample, the rows `repeat` makes of it; returns how many
    crime references now repeat."""
    rng = export.rng(name)
    code = export.col("offence_code")
    chosen = set(rng.sample([r[0] for r in export.rows if r[0] in SAMPLE_REFERENCES], 300))
    headline = [r[0] for r in export.rows if headline_code(r[code])]
    chosen.update(headline[:: max(1, len(headline) // 4)][:4])  # rapes, sexual assaults, Class A supply among them
    rows = []
    for row in export.rows:
        rows.append(row)
        if row[0] in chosen:
            rows.extend(repeat(row, rng))
    export.rows = rows
    return len(chosen)


@functools.lru_cache(maxsize=None)
def everyday_offences():
    return sorted({(r[1], r[2]) for r in SAMPLE.rows if not headline_code(r[1])})


def everyday_offence(rng):
    return rng.choice(everyday_offences())


def another_offence(row, rng):
    """A second offence of the same crime: the same offence again for a crime a figure counts
    (two counts of it), an everyday one otherwise."""
    if headline_code(row[1]):
        return [list(row)]
    extra = list(row)
    extra[1], extra[2] = everyday_offence(rng)
    return [extra]


# These take the "total" slot too: whether a force's Total row counts the rows or the crimes of a file
# of offences is not said, so no combination asks it.
@transformation(ROWS, slots={"repeated crimes", "total"})
def one_row_per_offence_declared(export):
    """One row per offence: 304 crimes on two rows (a rape, a sexual assault, a Class A supply among
    them, each with the same offence twice), with `rows_are: offences`: figures count crimes."""
    add_repeats(export, "offences", another_offence)
    export.keys["rows_are"] = "offences"
    export.coarser(None)


@transformation(ROWS, slots={"repeated crimes", "total"}, stops=True)
def one_row_per_offence_undeclared(export):
    """The same without `rows_are:`: the build must stop, saying how many references repeat (all 304)."""
    repeated = add_repeats(export, "offences", another_offence)
    export.must_stop(("references repeat", repeated))


@transformation(ROWS, slots={"repeated crimes", "total"})
def one_row_per_offender_declared(export):
    """One row per offender: 304 crimes with two offenders, each cautioned, with `rows_are: offenders`."""
    add_repeats(export, "offenders", lambda row, rng: [list(row)])
    export.keys["rows_are"] = "offenders"
    export.coarser(None)


OUTSIDE = 45  # rows dated outside April 2015 to March 2017, one of them a rape


def rows_outside_the_period(export):
    rng = export.rng("outside")
    originals = [r for r in export.rows if r[0] in SAMPLE_REFERENCES]
    rape = next(r for r in originals if r[1] == "019/08")
    for n in range(OUTSIDE):
        row = list(rape if n == 7 else rng.choice(originals))
        before = n < 40  # 40 from February and March 2015, 5 from April 2017 (the release was answered on the 20th)
        day = (datetime.date(2015, 2, 1) + datetime.timedelta(days=rng.randrange(59)) if before
               else datetime.date(2017, 4, 1) + datetime.timedelta(days=rng.randrange(19)))
        row[0], row[4] = f"TVP-43-{day:%y}-9{n:05d}", f"{day:%d/%m/%Y}"
        export.rows.insert(0 if before else len(export.rows), row)
    export.keys["period"] = dict(PERIOD)


@transformation(ROWS, slots={"period"})
def rows_outside_the_period_excluded(export):
    """45 crimes dated before April 2015 or after March 2017 (one a rape), with `period:` and
    `outside_period: exclude`: kept out of the figures."""
    rows_outside_the_period(export)
    export.keys["outside_period"] = "exclude"


@transformation(ROWS, slots={"period"}, stops=True)
def rows_outside_the_period_not_excluded(export):
    """The same with `period:` alone: the build must stop, saying how many rows (all 45) are outside it."""
    rows_outside_the_period(export)
    export.must_stop(("rows outside the period", OUTSIDE))


@transformation(ROWS, slots={"row order"})
def rows_in_random_order(export):
    """The rows in no order."""
    export.rng("order").shuffle(export.rows)


@transformation(ROWS, slots={"row order"})
def rows_sorted_by_offence(export):
    """The rows sorted by offence code, then reference."""
    export.rows.sort(key=lambda r: (r[1], r[0]))


# the page: what is above, between and below the rows

@transformation(LAYOUT, slots={"pages"})
def header_repeated_every_50_rows(export):
    """The header again every 50 rows."""
    export.layout["header_every"] = 50


@transformation(LAYOUT, slots={"pages"})
def page_lines_and_repeated_headers(export):
    """A PDF turned into a spreadsheet: 'Page 3 of 178' after every 45 rows, then the header again."""
    export.layout.update(header_every=45, page_every=45)


@transformation(LAYOUT, slots={"pages"})
def page_lines_between_blocks(export):
    """'Page n of N' after every 60 rows, the header not repeated."""
    export.layout["page_every"] = 60


@transformation(LAYOUT, slots={"blank rows"})
def blank_rows_between_blocks(export):
    """A blank row after every 100 rows."""
    export.layout["blank_every"] = 100


@transformation(LAYOUT, slots={"notes"})
def notes_above_and_below(export):
    """Four lines of title, reference and caveats above the header, three notes below the rows."""
    export.above = ["Thames Valley Police", "Freedom of Information request 2017/0123",
                    "Crimes resolved by caution, 1 April 2015 to 31 March 2017", ""]
    export.below = ["", "Notes:", "1. Figures are taken from the force's crime recording system on 18/04/2017.",
                    "2. A crime may be resolved by more than one outcome; the latest is given."]


@transformation(LAYOUT, slots={"notes"})
def no_title_header_on_the_first_line(export):
    """Nothing above the header, nothing below the rows."""
    export.above, export.below = [], []


@transformation(LAYOUT, slots={"total"})
def total_row_at_the_end(export):
    """A 'Total' row under the rows, giving their number."""
    export.layout["total"] = 0


@transformation(LAYOUT, slots={"total"}, stops=True)
def total_row_that_does_not_add_up(export):
    """A 'Total' row one more than the rows: the build must stop and give both numbers."""
    export.layout["total"] = 1
    export.must_stop(("total", len(export.rows) + 1), ("rows", len(export.rows)))


@transformation(LAYOUT, slots={"total"})
def total_as_a_sentence_below_the_rows(export):
    """'Grand total: 7,982 crimes' in one cell under the rows."""
    export.layout["total_sentence"] = True


# the file

@transformation(FILE, slots={"encoding"})
def windows_1252(export):
    """Windows-1252 ('ANSI', Excel's plain CSV), with an en dash and a pound sign in the notes."""
    export.form.encoding = "cp1252"
    export.above = [line.replace("2015 to ", "2015 – ") for line in export.above]
    export.below = export.below + ["Costs of £450 per request are not charged – see the covering letter."]


@transformation(FILE, slots={"encoding"})
def utf8_with_byte_order_mark(export):
    """UTF-8 with a byte-order mark (Excel's 'CSV UTF-8')."""
    export.form.encoding = "utf-8-sig"


@transformation(FILE, slots={"encoding", "delimiter", "container"}, weight=0.5)
def utf16_tab_separated_unicode_text(export):
    """Excel's 'Unicode Text': UTF-16 (little-endian, with its byte-order mark), tab-separated, .txt."""
    export.form.container, export.form.delimiter, export.form.suffix = "utf-16", "\t", ".txt"
    export.form.encoding = "utf-16-le"


@transformation(FILE, slots={"encoding", "delimiter", "container"}, weight=0.5)
def utf16_big_endian_tab_separated(export):
    """UTF-16 big-endian with its byte-order mark, tab-separated, .txt."""
    export.form.container, export.form.delimiter, export.form.suffix = "utf-16", "\t", ".txt"
    export.form.encoding = "utf-16-be"


@transformation(FILE, slots={"delimiter"})
def semicolon_separated(export):
    """Semicolons between cells (a machine set to a European locale)."""
    export.form.delimiter = ";"


@transformation(FILE, slots={"delimiter"})
def tab_separated(export):
    """Tabs between cells, in a .txt file."""
    export.form.delimiter, export.form.suffix = "\t", ".txt"


@transformation(FILE, slots={"delimiter"})
def pipe_separated(export):
    """Pipes between cells (a database report)."""
    export.form.delimiter = "|"


@transformation(FILE, slots={"line ends"})
def lf_line_endings(export):
    """Lines ending LF (Unix)."""
    export.form.newline = "\n"


@transformation(FILE, slots={"line ends"})
def cr_line_endings(export):
    """Lines ending CR (old Mac Excel)."""
    export.form.newline = "\r"


@transformation(FILE, slots={"quoting"})
def every_cell_quoted(export):
    """Every cell in double quotes."""
    export.form.quoting = csv.QUOTE_ALL


WORKBOOK = {"encoding", "delimiter", "container", "line ends", "quoting"}


@transformation(FILE, slots=WORKBOOK, weight=0.15)
def xlsx_with_date_cells(export):
    """An .xlsx workbook (sheet 'Cautions'), dates as date cells, `sheet: Cautions`."""
    export.form.container, export.form.suffix = "xlsx", ".xlsx"


@transformation(FILE, slots=WORKBOOK, weight=0.15)
def xlsx_every_cell_text(export):
    """An .xlsx workbook whose every cell is text."""
    export.form.container, export.form.suffix, export.form.date_cells = "xlsx", ".xlsx", False


@transformation(FILE, slots=WORKBOOK, weight=0.15)
def xlsx_rows_on_the_second_sheet(export):
    """An .xlsx whose first sheet holds the covering notes and the second ('Data') the rows: `sheet: Data`."""
    export.form.container, export.form.suffix, export.form.sheet = "xlsx", ".xlsx", "Data"
    export.form.sheets_before = [("Notes", [["Thames Valley Police: FOI 2017/0123"], [],
                                            ["The rows are on the sheet 'Data'."]])]


@transformation(FILE, slots=WORKBOOK, weight=0.3)
def ods_spreadsheet(export):
    """An OpenDocument spreadsheet (.ods, LibreOffice), dates as date cells, `sheet: Cautions`."""
    export.form.container, export.form.suffix = "ods", ".ods"


@transformation(FILE, slots=WORKBOOK, alone=True)
def xls_97_2003_workbook(export):
    """An Excel 97-2003 workbook (.xls), dates as date cells, `sheet: Cautions` (a committed fixture,
    tests/metamorphic_fixtures/, made by make_xls.py there with xlwt, which the project does not
    install: so this case is the sample alone, combined with nothing)."""
    export.form.container, export.form.suffix = "xls", ".xls"


# --- writing the export ----------------------------------------------------------------------------

def lines(export):
    """Every line of the sheet, each a list of cells: notes, header, rows with the page layout, total."""
    width = len(export.header)
    pad = lambda *cells: list(cells) + [""] * (width - len(cells))  # noqa: E731
    out = [pad(text) if text else pad() for text in export.above]
    out.append(list(export.header))
    header_every, page_every = export.layout.get("header_every"), export.layout.get("page_every")
    blank_every, n = export.layout.get("blank_every"), len(export.rows)
    per_page = page_every or header_every
    pages = -(-n // per_page) if per_page else 1
    for i, row in enumerate(export.rows):
        if i and per_page and i % per_page == 0:
            if page_every:
                out.append(pad(f"Page {i // per_page} of {pages}"))
            if header_every:
                out.append(list(export.header))
        elif i and blank_every and i % blank_every == 0:
            out.append(pad())
        out.append(row)
    if page_every:
        out.append(pad(f"Page {pages} of {pages}"))
    if "total" in export.layout:
        out.append(pad("Total", str(n + export.layout["total"])))
    if export.layout.get("total_sentence"):
        out.append(pad(f"Grand total: {n:,} crimes"))
    out.extend(pad(text) if text else pad() for text in export.below)
    return out


WORKBOOKS = {}


def write(export, folder):
    """The export as a file in `folder`; returns its name."""
    form = export.form
    name = "release" + form.suffix
    path = Path(folder) / name
    if form.container in ("csv", "utf-16"):
        text = io.StringIO()
        csv.writer(text, delimiter=form.delimiter, quoting=form.quoting, lineterminator=form.newline).writerows(
            lines(export))
        data = text.getvalue()
        if form.container == "utf-16":
            bom = codecs.BOM_UTF16_LE if form.encoding == "utf-16-le" else codecs.BOM_UTF16_BE
            path.write_bytes(bom + data.encode(form.encoding))
        else:
            path.write_bytes(data.encode(form.encoding))
    elif form.container == "xlsx":  # written once for the same export (alone, and with describe's entry)
        key = tuple(export.applied)
        if key not in WORKBOOKS:
            write_xlsx(export, path)
            WORKBOOKS[key] = path.read_bytes()
        path.write_bytes(WORKBOOKS[key])
    elif form.container == "ods":
        write_ods(export, path)
    elif form.container == "xls":
        if export.applied != ["xls_97_2003_workbook"]:
            raise ValueError("the .xls fixture is the untransformed sample: it cannot be combined")
        import gzip
        path.write_bytes(gzip.decompress(XLS_FIXTURE.read_bytes()))
    return name


def typed_cells(export):
    """The lines with each date cell as a date (dd/mm/yyyy) or a number (an Excel serial), as a
    workbook holds them; every other cell text."""
    date_column = export.col("outcome_date") if export.form.date_cells and export.dates_as_given else None
    serial = export.keys.get("date_format") == "excel"
    for number, cells in enumerate(lines(export)):
        if date_column is not None and len(cells) > date_column:
            value = cells[date_column]
            if re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
                cells = list(cells)
                cells[date_column] = as_given(value)
            elif serial and re.fullmatch(r"\d+(\.\d+)?", value):
                cells = list(cells)
                cells[date_column] = float(value) if "." in value else int(value)
        yield cells


def write_xlsx(export, path):
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    book = openpyxl.Workbook(write_only=True)
    for name, rows in export.form.sheets_before:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    sheet = book.create_sheet(export.form.sheet)
    for cells in typed_cells(export):
        row = []
        for value in cells:
            if isinstance(value, datetime.datetime):
                value = WriteOnlyCell(sheet, value)
                value.number_format = "DD/MM/YYYY"
            row.append(value if value != "" else None)
        sheet.append(row)
    book.save(path)


ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def write_ods(export, path):
    """An OpenDocument spreadsheet, written as the standard describes it (a zip of XML): no library needed."""
    def cell(value):
        if value == "" or value is None:
            return "<table:table-cell/>"
        if isinstance(value, datetime.datetime):
            return (f'<table:table-cell office:value-type="date" office:date-value="{value:%Y-%m-%d}">'
                    f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>")
        if isinstance(value, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    def table(name, rows):
        body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
        return f'<table:table table:name="{escape(name)}">{body}</table:table>'

    sheets = [table(name, rows) for name, rows in export.form.sheets_before]
    sheets.append(table(export.form.sheet, typed_cells(export)))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} office:version="1.2">'
               f'<office:body><office:spreadsheet>{"".join(sheets)}</office:spreadsheet></office:body>'
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)  # first and uncompressed, as the standard asks
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


# --- a case: transformations applied, the build run, the answer judged ----------------------------

def export_of(names):
    export = Export.of_sample()
    order = list(TRANSFORMATIONS)  # within a step, in the order they are written here
    for t in sorted((TRANSFORMATIONS[n] for n in names), key=lambda t: (t.step, order.index(t.name))):
        t.apply(export)
        export.applied.append(t.name)
    return export


def manifest_text(export, file_name):
    """The manifest a journalist writes: the sample's entry with the keys this export needs, and the
    shipped releases the other figures come from (the Buckinghamshire total, the Home Office tables)."""
    entry = yaml.safe_dump([export.manifest_entry(file_name)], sort_keys=False, allow_unicode=True)
    return manifest_around(entry)


def manifest_around(entry):
    """A manifest holding `entry` (YAML text of one release, `- id: ...`) and the shipped releases but the sample."""
    others = [{**{k: v for k, v in release.items() if k != "description"}, "file": str(ROOT / "data" / release["file"])}
              for release in MANIFEST["releases"][1:] if not release.get("request")]  # not the round robin's replies
    head = {"offence_codes": str(ROOT / "data" / MANIFEST["offence_codes"]), "story": MANIFEST["story"]}
    return (yaml.safe_dump(head, sort_keys=False, allow_unicode=True) + "releases:\n"
            + indent(entry) + indent(yaml.safe_dump(others, sort_keys=False, allow_unicode=True)))


def indent(text):
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))


@dataclass
class Built:
    exit_code: int | None
    stdout: str
    stderr: str
    crash: str | None            # the traceback, when the build raised
    figures: dict | None         # (query, label) -> the value this build gives
    breakdown: dict | None       # compare -> {(financial year, type or offender): cautions}
    database_unchanged: bool
    leftovers: list
    file_name: str


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_figures(database):
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        figures = {(q, label or ""): value for q, label, value in
                   db.execute("select query, label, computed_value from headline_figures")}
        breakdown = {compare: dict(((fy, kind), n) for fy, kind, n in db.execute(
            f"select financial_year, {compare}, sum(cautions) from monthly_cautions "
            "where release_id in (select release_id from story_releases) group by 1, 2"))  # the story's crimes only
            for compare in ("caution_type", "offender")}
    return figures, breakdown


QUERY_KEYS = ("sql", "published", "column", "rows_view", "breakdown")


def site_metadata(folder):
    """metadata.yml less what only the site reads (titles, descriptions, charts, plugins): every canned
    query is still there, with what the build checks. A third of a build's time was reading the whole file."""
    path = Path(folder) / "metadata.yml"
    queries = {name: {k: q[k] for k in QUERY_KEYS if k in q}
               for name, q in METADATA["databases"]["cautions"]["queries"].items()}
    path.write_text(yaml.safe_dump({"title": METADATA["title"], "databases": {"cautions": {"queries": queries}}},
                                   sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def build_case(names, folder, previous, metadata=None, describe=False):
    """Write the export of `names` into `folder`, and build it over a copy of `previous` (with the
    `metadata` site_metadata() wrote, or metadata.yml itself). The manifest entry is the one the
    transformations say a journalist writes, or with `describe` the one `build.py describe` proposes,
    with only the journalist's own fields filled in."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    export = export_of(names)
    file_name = write(export, folder)
    if describe:
        described = run_build(["describe", str(folder / file_name)])
        if described.crash or described.code != 0:
            return export, Built(described.code, described.stdout, described.stderr, described.crash, None, None,
                                 True, [], file_name)
        text = manifest_around(filled_in(described.stdout))
    else:
        text = manifest_text(export, file_name)
    manifest = folder / "manifest.yml"
    manifest.write_text(text, encoding="utf-8")
    output = folder / "cautions.db"
    if previous:
        shutil.copyfile(previous, output)
    before = sha256(output) if previous else None
    done = run_build(["--manifest", str(manifest), "--output", str(output), "--quiet",
                      "--metadata", str(metadata or ROOT / "metadata.yml")])
    unchanged = (sha256(output) if output.exists() else None) == before
    figures = breakdown = None
    if done.code == 0 and not done.crash:
        figures, breakdown = read_figures(output)
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".cautions.db")]
    return export, Built(done.code, done.stdout, done.stderr, done.crash, figures, breakdown, unchanged, leftovers,
                         file_name)


@dataclass
class Ran:
    code: int | None
    stdout: str
    stderr: str
    crash: str | None


def run_build(argv):
    """build.py's main() in this process, as `python build.py ARGV` would run it."""
    out, err, crash, code = io.StringIO(), io.StringIO(), None, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = build.main(argv)
        except BaseException:  # noqa: BLE001 - exactly what must never happen
            crash = traceback.format_exc()
    return Ran(code, out.getvalue(), err.getvalue(), crash)


JOURNALIST = {"title": SAMPLE_ENTRY["title"], "authority": SAMPLE_ENTRY["authority"],
              "foi_reference": SAMPLE_ENTRY["foi_reference"], "requested": str(SAMPLE_ENTRY["requested"]),
              "answered": str(SAMPLE_ENTRY["answered"]), "source_url": SAMPLE_ENTRY["source_url"],
              "licence": SAMPLE_ENTRY["licence"]}


def filled_in(described):
    """describe's entry with what only the journalist knows written where its placeholders are, and the
    release's id the published figures name."""
    import json
    entry = described[described.index("  - id:"):]
    entry = re.sub(r"^  - id: .*$", f"  - id: {SAMPLE_ENTRY['id']}", entry, count=1, flags=re.M)
    entry = re.sub(r"^    # (\w+): .*$", lambda m: f"    {m.group(1)}: {json.dumps(JOURNALIST[m.group(1)])}"
                   if m.group(1) in JOURNALIST else m.group(0), entry, flags=re.M)
    return "\n".join(line[2:] if line.startswith("  ") else line for line in entry.splitlines()) + "\n"


def normalised(text):
    return " ".join(text.replace("\u00a0", " ").replace("\\xa0", " ").lower().split())


def problems(export, built, baseline, either=False):
    """What is wrong with this case's answer: [] when it is right. Each problem begins with its kind
    (traceback, wrong number, refused, built, message, database), so failures group by cause.
    `either`: the figures exact, or any refusal with a message, are both right (describe's entry
    cannot know the keys only the journalist can write)."""
    if built.crash:
        return ["traceback: " + built.crash.strip().splitlines()[-1]]
    found = []
    if "Traceback (most recent call last)" in built.stderr + built.stdout:
        found.append("traceback: printed by the build: " + (built.stderr + built.stdout).strip().splitlines()[-1])
    if built.leftovers:
        found.append(f"database: temporary files left beside it: {built.leftovers}")
    stops = export.stops
    if either:
        stops = None if built.exit_code == 0 else []
    if stops is None:  # the figures, exact
        if built.exit_code != 0:
            first = next((line for line in built.stderr.splitlines()[1:] if line.strip()), built.stderr.strip())
            return found + [f"refused: {first.strip()}"]
        wrong = {k: (PUBLISHED[k], built.figures.get(k)) for k in PUBLISHED if built.figures.get(k) != PUBLISHED[k]}
        if wrong:
            found.append("wrong number: " + "; ".join(f"{q}{' / ' + label if label else ''} published {want}, "
                                                       f"built {got}" for (q, label), (want, got) in wrong.items()))
        if export.compare and built.breakdown[export.compare] != baseline[export.compare]:
            want, got = baseline[export.compare], built.breakdown[export.compare]
            differ = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
            found.append(f"wrong number: by financial year and {export.compare}: "
                         + "; ".join(f"{k[0]} {k[1]}: {want.get(k, 0)} -> {got.get(k, 0)}" for k in differ[:6]))
        return found
    # a refusal: exit 1, the message, and the previous database as it was
    if built.exit_code == 0:
        exact = all(built.figures.get(k) == v for k, v in PUBLISHED.items())
        return found + ["built: exit 0 where the build must stop (" + ("figures exact" if exact else "figures "
                        + ", ".join(f"{q} {built.figures.get((q, label))}" for q, label in PUBLISHED
                                    if built.figures.get((q, label)) != PUBLISHED[q, label])) + ")"]
    if built.exit_code != 1:
        found.append(f"refused: exit {built.exit_code}, not 1")
    if not built.database_unchanged:
        found.append("database: the previous database was changed by a build that stopped")
    message = normalised(built.stderr)
    if "what to do" not in message or not (built.file_name in built.stderr or "manifest.yml" in built.stderr):
        found.append("message: it does not name the file and say what to do: " + built.stderr.strip()[:300])
    missing = []
    for phrase in stops:
        if isinstance(phrase, tuple):  # (word, number): the number, written 7,983 or 7983
            word, number = phrase
            if not re.search(rf"\b({number}|{number:,})\b", built.stderr):
                missing.append(f"{word} {number:,}")
        elif normalised(phrase) not in message:
            missing.append(phrase)
    if missing:
        found.append(f"message: it does not list {', '.join(map(repr, missing))}: "
                     + " | ".join(built.stderr.strip().splitlines()[1:4])[:400])
    return found


# --- which cases ------------------------------------------------------------------------------------

DEFAULT_CASES = 200  # in CI; `make metamorphic` runs 2,000
CASES = int(os.environ.get("METAMORPHIC_CASES", DEFAULT_CASES))
SEED = int(os.environ.get("METAMORPHIC_SEED", "20261205"))


def singles():
    return [(name,) for name in TRANSFORMATIONS]


def combinations(cases=None, seed=None):
    """`cases` seeded combinations of 2 to 4 transformations that can apply together (no two deciding
    the same thing, at most one that must stop), each different."""
    cases, seed = CASES if cases is None else cases, SEED if seed is None else seed
    rng = random.Random(seed)
    pool = [t for t in TRANSFORMATIONS.values() if not t.alone]
    chosen, seen = [], set()
    while len(chosen) < cases:
        size, picked, slots = rng.randint(2, 4), [], set()
        for _ in range(50):
            if len(picked) == size:
                break
            t = rng.choices(pool, weights=[t.weight for t in pool])[0]
            if t.name not in picked and not (t.slots & slots):
                picked.append(t.name)
                slots |= t.slots
        key = frozenset(picked)
        if len(picked) >= 2 and key not in seen:
            seen.add(key)
            chosen.append(tuple(picked))
    return chosen


class Baseline:
    """The good database every case's build starts beside, and must leave byte for byte as it was when
    it stops: `previous` (the tests pass conftest's sample_db, the shipped build), or the untransformed
    sample built here. Its figures and breakdowns are what every case must give."""

    def __init__(self, folder, previous=None):
        self.metadata = site_metadata(folder)
        if previous is None:
            _, built = build_case((), Path(folder) / "baseline", previous=None, metadata=self.metadata)
            if built.crash or built.exit_code != 0:
                raise RuntimeError("the untransformed sample does not build:\n" + (built.crash or built.stderr))
            previous = Path(folder) / "baseline" / "cautions.db"
        self.database = Path(folder) / "previous.db"
        shutil.copyfile(previous, self.database)
        self.figures, self.breakdown = read_figures(self.database)


def run(names, folder, baseline, describe=False):
    export, built = build_case(names, folder, baseline.database, baseline.metadata, describe)
    return export, built, problems(export, built, baseline.breakdown, either=describe)


def report(cases, folder, describe=False):
    """Every case, one line each, then the failures grouped by kind and cause."""
    import collections
    import time
    baseline = Baseline(folder)
    groups = collections.defaultdict(list)
    started = time.perf_counter()
    for n, names in enumerate(cases):
        case_folder = Path(folder) / f"case{n}"
        _, _, found = run(names, case_folder, baseline, describe)
        shutil.rmtree(case_folder, ignore_errors=True)
        label = " + ".join(names)
        print(("ok   " if not found else "FAIL ") + label + ("" if not found else "\n       " + "\n       ".join(found)),
              flush=True)
        for problem in found:
            groups[re.sub(r"'[^']*'|\d[\d,]*", "…", problem)[:140]].append(label)
    print(f"\n{len(cases)} cases in {time.perf_counter() - started:.0f}s; "
          f"{sum(1 for g in groups.values() for _ in g)} problems\n")
    for cause, labels in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(labels):4d}  {cause}")


if __name__ == "__main__":
    import argparse
    import tempfile
    parser = argparse.ArgumentParser(description="Run every metamorphic case and group what went wrong.")
    parser.add_argument("--cases", type=int, default=CASES, help="random combinations (default %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", nargs="*", help="these transformations alone")
    parser.add_argument("--describe", action="store_true",
                        help="each transformation alone, with the manifest entry `build.py describe` proposes")
    args = parser.parse_args()
    chosen = [(n,) for n in args.only] if args.only else singles() if args.describe else \
        singles() + combinations(args.cases, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        report(chosen, scratch, args.describe)
