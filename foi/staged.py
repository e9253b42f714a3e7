"""What passes between the steps of a row-level release (foi/rows.py): the release as staged in its
raw table (`Staged`), where its date is (`DateColumns`), each distinct (outcome, age group) decided
(`Kind`), and the SQL helpers every step shares."""
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import ReleaseError
from .loaded import Loaded


WHITESPACE = "' ' || char(9, 10, 13, 160)"  # what SQL trim() strips, as Python's strip() would


@dataclass
class Staged:
    """A release read into its raw table, with every decision made: what insert() needs."""
    loaded: Loaded
    raw: str                      # the raw table
    line: str                     # its line-number column
    reason: str                   # its rejected-reason column
    field_columns: dict           # field -> raw column name, for the fields the release has
    extra: dict                   # raw column name -> header; after plan_extra_columns(), -> column in cautions
    headers: list
    found: dict                   # field -> index of its header
    dates: "DateColumns" = None   # where the date comes from
    date_columns: list = field(default_factory=list)  # the raw columns it is read from
    kinds: list = field(default_factory=list)     # [Kind] by id: each distinct (outcome, age group), decided
    raw_columns: list = field(default_factory=list)  # the raw table's columns for the release's cells, in order
    tally: "Tally" = None
    combination: str = None       # the temporary raw table's column numbering each row's combination (Tally)
    rows: str = None              # the temporary table the raw rows are in: `raw` itself, or their own cells'
    combined: str = None          # ...with each combination's cells in this one, `raw` the view of both (rows.combine)

    @property
    def date_header(self):
        return " + ".join(self.headers[i] for i in self.dates.columns) if self.dates else None

    @property
    def offence_header(self):
        at = self.found.get("offence_description", self.found.get("offence_code"))
        return self.headers[at] if at is not None else None

    @property
    def temp(self):
        """The decisions' temporary tables, which insert() joins to: this release's own."""
        return {name: f"temp.{quote(f'_{name}_{self.raw}')}" for name in ("kind", "date", "offence")}


class Kind(NamedTuple):
    """One distinct (outcome, age group) of a release, as given, and what its rows become: a caution
    of a type, or rejected with the reason."""
    outcome: str
    age: str
    caution_type: str | None
    offender: str | None
    conditional: int | None
    age_group: str | None
    reason: str | None      # why its rows are not cautions; None for a caution
    suppressed: bool        # the age group is a suppression mark


@dataclass
class Values:
    """Each distinct date and (code, description) of a release's cautions, decided once (by their ids
    in the Tally), with the rows that carry each and the first line it is on."""
    dates: list                   # by id: a date as given, the tuple of its cells
    pairs: list                   # by id: (offence code, offence description) as given
    parsed: dict = field(default_factory=dict)         # date id -> ReadDate, or (problem, fix)
    matches: dict = field(default_factory=dict)        # pair id -> what the offence lookup made of it
    date_rows: Counter = field(default_factory=Counter)
    date_first: dict = field(default_factory=dict)
    offence_rows: Counter = field(default_factory=Counter)
    offence_first: dict = field(default_factory=dict)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def as_list(value):
    return value if isinstance(value, list) else [value] if value else []


@dataclass(frozen=True)
class DateColumns:
    """Where a release's date is: one column (`how` 'date'), a date split over two or three columns
    ('parts': `roles` says which is the year, month and day), or only a financial year ('financial_year')."""
    how: str
    columns: tuple         # column indexes
    roles: tuple = ()      # for 'parts': 'year', 'month', 'day', in the order of columns

    def describe(self, headers):
        return " + ".join(repr(headers[i]) for i in self.columns)


def column_sql(staged, field_name):
    column = staged.field_columns.get(field_name)
    return f"r.{quote(column)}" if column else "''"


def first_empty(db, staged, field_name):
    column = column_sql(staged, field_name)
    return db.execute(f"select min(r.{quote(staged.line)}) from {quote(staged.raw)} r join {staged.temp['kind']} k "
                      f"on k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')} "
                      f"and k.reason is null where trim({column}, {WHITESPACE}) = ''").fetchone()[0]


def empty_error(staged, field_name, line):
    return ReleaseError(staged.loaded.display, f"{field_name.replace('_', ' ')} is empty",
                        "fill it in, or remove the row if it is not a crime", line=line,
                        column=staged.headers[staged.found[field_name]])


def raw_table_sql(name, line, cells, reason, combination):
    """A temporary table of raw rows: each row's line, the cells given, its rejected reason, its combination."""
    return (f"create temp table {quote(name)} ({quote(line)} integer primary key, "
            f"{''.join(f'{quote(n)} text, ' for n in cells)}{quote(reason)} text, {quote(combination)} integer)")


def update_rows(db, staged, assignment, sources, where):
    """UPDATE the raw rows, each row (`r`) joined to `sources` on `where`: the raw table itself, or the
    rows' own table with each row's combination as `r` (it holds the cells `where` reads)."""
    if staged.combined:
        db.execute(f"update {quote(staged.rows)} as n set {assignment} from {staged.combined} r, {sources} "
                   f"where r.{quote(staged.combination)} = n.{quote(staged.combination)} and {where}")
    else:
        db.execute(f"update {quote(staged.raw)} as r set {assignment} from {sources} where {where}")


def widen(db, staged):
    """Every cell of the raw rows in one table again, raw_<id>: before they are rewritten in place."""
    if not staged.combined:
        return
    wide = f"_wide_{staged.raw}"
    db.execute(raw_table_sql(wide, staged.line, staged.raw_columns, staged.reason, staged.combination))
    db.execute(f"insert into temp.{quote(wide)} select * from temp.{quote(staged.raw)} order by {quote(staged.line)}")
    db.execute(f"drop view temp.{quote(staged.raw)}")
    db.execute(f"drop table temp.{quote(staged.rows)}")
    db.execute(f"drop table {staged.combined}")
    db.execute(f"alter table temp.{quote(wide)} rename to {quote(staged.raw)}")
    staged.rows, staged.combined = staged.raw, None
