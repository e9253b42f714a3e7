"""A row-level release (kind: rows): one row per crime, into `cautions`.

Each distinct value is cleaned once, and rows go to SQLite without per-cell Python:
1. stage(): every original cell into raw_<release> with executemany, straight from the CSV parser;
   then the distinct outcome values, dates and (code, description) pairs are read from SQLite,
   each cleaned once in Python, and the decisions written to small tables (`outcome_values`,
   `date_values`, `offence_matches`) that the site publishes;
2. insert(): `cautions` gets the release in one INSERT ... SELECT, the raw rows joined to those
   decisions. Columns the manifest does not map come along as columns of their own.
A problem stops the build at the release's first line that has it (file, line, column, what to do).
"""
import json
import re
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from sys import intern

from . import clean, column_values, disclosure, outcomes, small_numbers
from .errors import ReleaseError
from .loaded import Loaded
from .read import HEADER_FIX, Table
from .schema import CAUTIONS_COLUMNS, ROW_FIELDS, header_key, match_columns, unique_column_names

WHITESPACE = "' ' || char(9, 10, 13, 160)"  # what SQL trim() strips, as Python's strip() would
RAW_OWN_COLUMNS = ("source_line", "rejected_reason", "combination")


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
    outcomes: dict = field(default_factory=dict)  # outcome value as given -> the kind it was read as
    kinds: list = field(default_factory=list)     # by id: each distinct (outcome, age group), decided
    raw_columns: list = field(default_factory=list)  # the raw table's columns for the release's cells, in order
    tally: "Tally" = None
    combination: str = None       # the temporary raw table's column numbering each row's combination (Tally)

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


def date_roles(headers):
    """[Year, Month] -> ('year', 'month'): each part's role by its header, else by its place
    (two parts: year, month; three: day, month, year)."""
    roles = []
    for header in headers:
        key = header_key(header)
        role = next((r for r in ("year", "month", "day") if r in key.split() or key.startswith(r)), None)
        roles.append(role)
    if None in roles or len(set(roles)) < len(roles) or "year" not in roles or "month" not in roles:
        roles = ["year", "month"] if len(headers) == 2 else ["day", "month", "year"]
    return tuple(roles)


def match_release_columns(headers, mapping):
    """A row-level release's header -> ({field: column index}, DateColumns, [problems]). The date is
    `outcome_date` (one header, or a list of two or three: `[Year, Month]`), else a `financial_year`."""
    mapping = dict(mapping)
    parts = mapping.pop("outcome_date") if isinstance(mapping.get("outcome_date"), list) else None
    fields = {**ROW_FIELDS, "outcome_date": (False, [] if parts else ROW_FIELDS["outcome_date"][1])}
    found, problems = match_columns(headers, mapping, fields)
    if parts:
        keys = [header_key(h) for h in headers]
        at = []
        for part in parts:
            hits = [i for i, k in enumerate(keys) if k == header_key(part)]
            if len(hits) != 1:
                problems.append(("outcome_date", f"no column for outcome_date (looked for {part!r})" if not hits else
                                 f"{len(hits)} columns are called {headers[hits[0]]!r}"))
            else:
                at.append(hits[0])
        found.pop("financial_year", None)  # the date decides; a financial-year column stays a column
        return found, DateColumns("parts", tuple(at), date_roles(parts)), problems
    if "outcome_date" in found:
        if "financial_year" in found and not mapping.get("financial_year"):
            del found["financial_year"]  # found by a synonym only: the date decides, the column stays a column
        return found, DateColumns("date", (found["outcome_date"],)), problems
    if "financial_year" in found:
        return found, DateColumns("financial_year", (found.pop("financial_year"),)), problems
    _, missing = match_columns(headers, mapping, {"outcome_date": ROW_FIELDS["outcome_date"]})
    return found, DateColumns("date", ()), problems + missing


def cautions_column_name(header, taken):
    """'LSOA name' -> 'lsoa_name'; a name the build uses itself gets '_as_given'; unique."""
    name = header_key(header).replace(" ", "_") or "column"
    if name[0].isdigit():
        name = "column_" + name
    if name in CAUTIONS_COLUMNS:
        name += "_as_given"
    base, n = name, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def stage(db, release, source, lookup, descriptions, show_progress):
    """Read a row-level release into raw_<id> and make every cleaning decision."""
    display = source.display
    mapping = release.get("columns") or {}
    required_keys = {header_key(h) for f, (req, _) in ROW_FIELDS.items() if req
                     for h in as_list(mapping.get(f))} - {""}

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells if c.strip()}
        found, _ = match_columns(cells, mapping)
        return len(found) >= 3 or bool(required_keys and required_keys <= keys)

    loaded = Loaded(release, source, table="cautions")
    hidden = source.hidden
    with Table(source.rows(), display, looks_like_header, source.header_fix(HEADER_FIX)) as table:
        all_headers = table.headers
        withheld = column_values.withheld_indexes(release, all_headers, display, table.header_line)
        headers = [h for i, h in enumerate(all_headers) if i not in withheld]
        needed, needed_dates, _ = match_release_columns(all_headers, mapping)
        withheld_fields = [f for f, i in [*needed.items(), *(("outcome_date", i) for i in needed_dates.columns)]
                           if i in withheld]
        if withheld_fields:
            raise ReleaseError(display, f"`withhold:` names the column the build reads as {withheld_fields[0]}, "
                               "which it cannot do without", "withhold only columns the build does not need "
                               "(not the crime reference, offence, outcome, outcome date or age group)",
                               line=table.header_line)
        found, dates, problems = match_release_columns(headers, mapping)
        if problems:
            field_name, problem = problems[0]
            raise ReleaseError(display, f"the header row does not fit: {problem}",
                               f"map `{field_name}:` to the right header under `columns:` for release {release['id']} "
                               f"in data/manifest.yml (the headers are: {', '.join(map(repr, headers))})",
                               line=table.header_line)
        if not {"offence_code", "offence_description"} & set(found) and release.get("unmatched_offences") != "keep":
            synonyms = [s for f in ("offence_code", "offence_description") for s in ROW_FIELDS[f][1][:3]]
            raise ReleaseError(display, "the header row does not fit: no column for the offence (looked for "
                               f"{', '.join(map(repr, synonyms))}...), so no row could count in an offence figure",
                               f"map `offence_code:` or `offence_description:` to its header under `columns:` for "
                               f"release {release['id']} in data/manifest.yml (the headers are: "
                               f"{', '.join(map(repr, headers))}); if the release has no offence at all, add "
                               "`unmatched_offences: keep`", line=table.header_line)
        names, (line_col, reason_col, combination_col) = unique_column_names(headers, RAW_OWN_COLUMNS)
        raw = "raw_" + release["id"].replace("-", "_")
        # every cell as read, in a temporary table the decisions are made from; keep_raw() writes the
        # compact copy the database keeps, and the view of it named raw_<id>
        db.execute(f"create temp table {quote(raw)} ({quote(line_col)} integer primary key, "
                   f"{''.join(f'{quote(n)} text, ' for n in names)}{quote(reason_col)} text, "
                   f"{quote(combination_col)} integer)")
        insert_sql = (f"insert into {quote(raw)} ({', '.join(map(quote, [*names, line_col, combination_col]))}) "
                      f"values ({', '.join('?' * (len(names) + 2))})")  # each row's cells, its line, its combination
        tally = Tally(found, dates.columns)
        kept = [i for i in range(len(all_headers)) if i not in withheld]
        mapped_full = {kept[j] for j in [*found.values(), *dates.columns]}
        watch = column_values.Watch(all_headers, [i for i in range(len(all_headers)) if i not in mapped_full], withheld)
        bar = Progress(release["id"], source.lines) if show_progress and source.size > 3_000_000 and source.lines else None
        db.conn.executemany(insert_sql, tally.records(watch.rows(table.rows()), bar))
        loaded.rows_read = tally.rows
        if bar:
            bar.done(loaded.rows_read)
        loaded.blank_rows, loaded.skipped_lines = table.blank_rows, table.skipped_lines
        notes = table.notes  # the disclosure check reads them; withheld, they are not kept
        loaded.notes = [] if 0 in withheld or column_values.NOTES in (release.get("withhold") or []) else notes
        header_line, totals = table.header_line, table.totals
    if not loaded.rows_read:
        raise ReleaseError(display, "the file has a header but no data rows",
                           "check the right sheet or file was exported", line=header_line)
    check_rows_total(totals, loaded, display)
    loaded.raw_table = raw
    field_columns = {f: names[i] for f, i in found.items()}
    mapped = set(found.values()) | set(dates.columns)
    loaded.unmapped_columns = [h for i, h in enumerate(headers) if i not in mapped]
    staged = Staged(loaded, raw, line_col, reason_col, field_columns,
                    extra={names[i]: headers[i] for i in range(len(headers)) if i not in mapped},
                    headers=headers, found=found, dates=dates, date_columns=[names[i] for i in dates.columns],
                    raw_columns=names, tally=tally, combination=combination_col)
    tally.finish()
    loaded.disclosure = disclosure.check_rows(db, staged, tally, watch, hidden, quote, notes)
    decide_outcomes(db, staged, tally)
    loaded.disclosure += small_numbers.coarsen(db, staged, tally, lookup, quote, column_sql)
    decide_values(db, staged, tally, lookup, descriptions)
    return staged


def column_sql(staged, field_name):
    column = staged.field_columns.get(field_name)
    return f"r.{quote(column)}" if column else "''"


class Tally:
    """Counts the distinct combinations of the cells that decide a row as rows stream from the CSV
    parser to SQLite: one dictionary look-up a row, and no cell cleaned. Then each distinct (outcome,
    age group), date and (code, description) gets an id, and each combination of the three its rows
    and first line. A date split over columns is one value: the tuple of its cells."""
    FIELDS = ("outcome", "age_group", "offence_code", "offence_description")

    def __init__(self, found, date_at):
        at = [found.get(f) for f in self.FIELDS] + list(date_at)
        present = [i for i in at if i is not None]
        self.fields = [f for f, i in zip(self.FIELDS, at) if i is not None]  # in the key's order, then the date
        self.positions = [present.index(i) if i is not None else None for i in at]
        self.key = itemgetter(*present)  # outcome and a date column are always there: a tuple
        self.seen = {}

    def records(self, rows, bar=None):
        """The rows as executemany takes them: each row's cells, then its line number and the number
        of its combination (in the order the combinations first appear)."""
        key, seen = self.key, self.seen
        mark = bar.every if bar else float("inf")
        for line, cells in rows:
            k = key(cells)
            counted = seen.get(k)
            if counted is None:  # the strings of a new combination, shared with the others that hold them
                counted = seen[tuple(map(intern, k))] = [1, line, len(seen)]
            else:
                counted[0] += 1
            if line > mark:
                mark = bar.show(line, sum(v[0] for v in seen.values()))
            cells.append(line)
            cells.append(counted[2])
            yield cells
        self.rows = sum(v[0] for v in seen.values())

    def finish(self, kinds=None):
        """`kinds`: the (outcome, age group) ids already given out, kept (small_numbers.coarsen)."""
        positions, parts = self.positions[:4], self.positions[4:]
        self.kinds, self.dates, self.offences, self.joint = dict(kinds or {}), {}, {}, {}
        # each combination by the number its rows carry; none once the rows were rewritten (coarsened)
        self.combinations = list(self.seen) if all(len(v) == 3 for v in self.seen.values()) else None
        for k, (n, line, *_) in self.seen.items():
            o, a, c, s = (k[p] if p is not None else "" for p in positions)
            d = tuple(k[p] for p in parts)
            ki = self.kinds.setdefault((o, a), len(self.kinds))
            di = self.dates.setdefault(d, len(self.dates))
            oi = self.offences.setdefault((c, s), len(self.offences))
            counted = self.joint.get((ki, di, oi))
            if counted is None:
                self.joint[ki, di, oi] = [n, line]
            else:
                counted[0] += n
                counted[1] = min(counted[1], line)
        self.seen = None

    @staticmethod
    def values(ids):
        """{value: id} -> [value by id]"""
        out = [None] * len(ids)
        for value, i in ids.items():
            out[i] = value
        return out


def decide_outcomes(db, staged, tally):
    """Each distinct outcome value, classified once: by the manifest's `outcomes:`, else the defaults."""
    loaded, release, display = staged.loaded, staged.loaded.release, staged.loaded.display
    declared = {outcomes.normalise(str(k)): str(v) for k, v in (release.get("outcomes") or {}).items()}
    kinds = Tally.values(tally.kinds)  # (outcome, age group) by id
    rows, first = Counter(), {}
    for (ki, _, _), (n, line) in tally.joint.items():
        value = kinds[ki][0]
        rows[value] += n
        first[value] = min(first.get(value, line), line)
    decisions, unknown = {}, []
    for value in sorted(rows, key=first.get):
        given = value.strip()
        if given and outcomes.normalise(given) in declared:
            decisions[value] = (declared[outcomes.normalise(given)], "outcomes: in data/manifest.yml")
        elif (default := outcomes.classify(given)) is not None:
            decisions[value] = default
        else:
            unknown.append((given, rows[value], first[value]))
    column = staged.headers[staged.found["outcome"]]
    if unknown:
        shown = ", ".join(f"{v!r} ({n:,} row{'s' if n > 1 else ''}, first on line {line})" for v, n, line in unknown[:20])
        more = f", and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        paste = "\n".join(f"      {json.dumps(v, ensure_ascii=False)}: not a caution" for v, _, _ in unknown[:20])
        raise ReleaseError(display, f"{len(unknown)} outcome value{'s are' if len(unknown) > 1 else ' is'} neither "
                           f"in the defaults nor under `outcomes:`: {shown}{more}",
                           f"say what each one is under `outcomes:` for release {release['id']} in data/manifest.yml, "
                           f"as one of: {', '.join(outcomes.KINDS)}. For example:\n    outcomes:\n{paste}",
                           line=unknown[0][2], column=column)
    if all(name == outcomes.NOT_A_CAUTION for name, _ in decisions.values()):
        shown = ", ".join(f"{v.strip() or '(blank)'!r} ({rows[v]:,})" for v in list(decisions)[:12])
        raise ReleaseError(display, f"no row of this release is a caution (its outcomes: {shown})",
                           "check `columns: outcome:` names the outcome column, and that `outcomes:` in "
                           "data/manifest.yml says which values are cautions", column=column)
    db.conn.executemany("insert into outcome_values values (?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], value, rows[value], first[value], name,
         outcomes.label(*outcomes.KINDS[name]) if name != outcomes.NOT_A_CAUTION else None, why)
        for value, (name, why) in decisions.items()])
    loaded.outcome_values = [(value.strip(), rows[value], name, why) for value, (name, why) in decisions.items()]
    staged.outcomes = {value: name for value, (name, _) in decisions.items()}
    # one row per distinct (outcome, age group): what the rows carrying it become
    for outcome, age in kinds:
        name = staged.outcomes[outcome]
        cleaned = " ".join(age.split())  # spaces and no-break spaces as a reader sees them
        suppressed = bool(cleaned) and len(cleaned) <= clean.LONGEST_SUPPRESSED and clean.is_suppressed(cleaned)
        age_group = None if suppressed or not cleaned else cleaned
        if name == outcomes.NOT_A_CAUTION:
            reason = f"outcome {outcome.strip()!r} is not a caution" if outcome.strip() else "no outcome given"
            staged.kinds.append((outcome, age, None, None, None, age_group, reason, suppressed))
            continue
        offender, kind = outcomes.KINDS[name]
        offender = offender or (outcomes.offender_of_age_group(age_group) if age_group else None)
        conditional = None if kind is None else int(kind != "simple")
        staged.kinds.append((outcome, age, outcomes.label(offender, kind), offender, conditional, age_group, None,
                             suppressed))
    t = staged.temp
    db.execute(f"create temp table {t['kind']} (outcome text, age text, caution_type text, offender text, "
               "conditional integer, age_group text, reason text, outcome_as_given text, primary key (outcome, age))")
    db.conn.executemany(f"insert into {t['kind']} values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [(*k[:7], k[0].strip()) for k in staged.kinds])
    if any(k[6] for k in staged.kinds):
        db.execute(f"update {quote(staged.raw)} as r set {quote(staged.reason)} = k.reason from {t['kind']} k "
                   f"where k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')} "
                   "and k.reason is not null")


def decide_values(db, staged, tally, lookup, descriptions):
    """Each distinct date and (code, description) of the release's cautions, cleaned once; the
    per-month summary counted from the combinations, without reading the rows again."""
    release = staged.loaded.release
    bounds = Bounds.of(release)
    declared_offences = release.get("_offences") or {}
    dates, pairs = Tally.values(tally.dates), Tally.values(tally.offences)
    kinds = staged.kinds
    date_rows, date_first, offence_rows, offence_first = Counter(), {}, Counter(), {}
    parsed, matches = {}, {}
    for (ki, di, oi), (n, line) in tally.joint.items():
        if kinds[ki][6] is not None:  # not a caution
            continue
        date_rows[di] += n
        date_first[di] = min(date_first.get(di, line), line)
        if di not in parsed:
            parsed[di] = read_date(staged.dates, dates[di], release.get("date_format"), bounds)
        if not isinstance(parsed[di], ReadDate) or parsed[di].outside:  # a problem, or excluded: below
            continue
        offence_rows[oi] += n
        offence_first[oi] = min(offence_first.get(oi, line), line)
        if oi not in matches:
            matches[oi] = lookup.read(*pairs[oi], declared_offences)
    check_dates(db, staged, dates, parsed, date_rows, date_first, bounds)
    check_offences(staged, pairs, matches, offence_rows, offence_first)
    count_summaries(staged, tally, parsed, matches, lookup)
    publish_decisions(db, staged, dates, pairs, parsed, matches, date_rows, date_first, offence_rows, offence_first,
                      lookup, descriptions)


def count_summaries(staged, tally, parsed, matches, lookup):
    """The per-month and per-code summaries and the suppressed cells, from the combinations."""
    loaded, kinds = staged.loaded, staged.kinds
    for (ki, di, oi), (n, _) in tally.joint.items():
        kind = kinds[ki]
        if kind[6] is not None or parsed[di].outside:
            continue
        loaded.suppressed_cells += n * (kind[7] + matches[oi].suppressed)
        date, code = parsed[di], matches[oi].code
        loaded.by_month[date.month, date.financial_year, kind[2], kind[3], lookup.group(code)] += n
        loaded.by_code[code, date.financial_year, kind[2]] += n


@dataclass(frozen=True)
class Bounds:
    """The dates a release's rows may have: none before 1990 or after the answer (impossible), and,
    with `period:`, none outside the period it covers (stopped, or excluded by `outside_period:`)."""
    earliest: str
    latest: str
    period: tuple | None
    exclude: bool

    @classmethod
    def of(cls, release):
        period = release.get("period") or {}
        latest = max(str(period.get("to", "")), str(release.get("answered") or time.strftime("%Y-%m-%d")))
        span = (str(period.get("from", "1990-01-01")), str(period.get("to", latest))) if period else None
        return cls("1990-01-01", latest, span, release.get("outside_period") == "exclude")


@dataclass(frozen=True)
class ReadDate:
    iso: str | None          # the date, a month alone ('2018-06'), or None (a financial year alone)
    clock: str | None
    form: str
    financial_year: str
    month: str | None
    outside: bool = False    # outside the release's period, and excluded


def within(first, last, start, end):
    """Whether a date, month or financial year (from `first` to `last`) lies within start..end."""
    return start[:len(first)] <= first and last <= end


def read_date(spec, cells, date_format, bounds):
    """A distinct date (the tuple of its cells) -> ReadDate, or (problem, fix)."""
    text = " / ".join(c.strip() for c in cells)
    if not any(c.strip() for c in cells):
        return "outcome date is empty", "fill it in, or remove the row if it is not a crime"
    try:
        if spec.how == "financial_year":
            year = clean.financial_year_cell(cells[0])
            first, last = f"{year[:4]}-04-01", f"{int(year[:4]) + 1}-03-31"
            read = ReadDate(None, None, "financial year (no date)", year, None)
        else:
            iso, clock, form = (clean.date_from_parts(cells, spec.roles) if spec.how == "parts"
                                else clean.date(cells[0], date_format))
            first = last = iso
            read = ReadDate(iso, clock, form, clean.financial_year(iso), iso[:7])
    except ValueError as e:
        return e.args[0], e.args[1] if len(e.args) > 1 else "write the date as dd/mm/yyyy"
    if last < bounds.earliest[:len(last)] or first > bounds.latest:  # impossible: no part of it could be
        return (f"outcome date {text!r} is outside {bounds.earliest} to {bounds.latest} (no crime before 1990, "
                "none after the release was answered)",
                "check the date, and the release's `answered:` in data/manifest.yml")
    if bounds.period and not within(first, last, *bounds.period):
        return ReadDate(read.iso, read.clock, read.form, read.financial_year, read.month, outside=True)
    return read


def check_dates(db, staged, dates, parsed, date_rows, date_first, bounds):
    """Every date that cannot be read stops the build, all of them listed; so do dates outside the
    release's period, unless `outside_period: exclude` (then they are kept out, with the reason)."""
    loaded, display, column = staged.loaded, staged.loaded.display, staged.date_header
    errors = sorted((date_first[di], di, *p) for di, p in parsed.items() if not isinstance(p, ReadDate))
    if errors:
        line, _, problem, fix = errors[0]
        empty_reference = first_empty(db, staged, "crime_reference")
        if empty_reference and empty_reference < line:
            raise empty_error(staged, "crime_reference", empty_reference)
        if len(errors) > 1:
            others = "; ".join(f"{' / '.join(dates[di])!r} ({date_rows[di]:,} row{'s' * (date_rows[di] > 1)}, "
                               f"first on line {first})" for first, di, _, _ in errors[1:])
            problem += f"; and {len(errors) - 1} more date value{'s' * (len(errors) > 2)} not read: {others}"
        raise ReleaseError(display, problem, fix, line=line, column=column)
    outside = sorted((date_first[di], di) for di, p in parsed.items() if p.outside)
    loaded.rows_outside_period = sum(date_rows[di] for _, di in outside)
    if outside and not bounds.exclude:
        n = loaded.rows_outside_period
        shown = ", ".join(f"{' / '.join(dates[di])!r} (line {line})" for line, di in outside[:20])
        more = f", and {len(outside) - 20} more dates" if len(outside) > 20 else ""
        raise ReleaseError(display, f"{n:,} row{'s are' if n > 1 else ' is'} dated outside the period the release "
                           f"covers ({bounds.period[0]} to {bounds.period[1]}), on {len(outside):,} "
                           f"date{'s' * (len(outside) > 1)}: {shown}{more}",
                           "check them with the force. If they belong to the release, widen `period:`; to keep "
                           "them out of the figures (they stay in the raw table, with the reason), add "
                           f"`outside_period: exclude` to release {loaded.release['id']} in data/manifest.yml",
                           line=outside[0][0], column=column)
    read = [p for p in parsed.values() if not p.outside]
    firsts = [p.iso or f"{p.financial_year[:4]}-04" for p in read]
    lasts = [p.iso or f"{int(p.financial_year[:4]) + 1}-03" for p in read]
    loaded.earliest_date, loaded.latest_date = (min(firsts), max(lasts)) if read else (None, None)


UNMATCHED = ("code not in the lookup", "not a code this build can read", "description not in the lookup",
             "description matches more than one code in the lookup")


def check_offences(staged, pairs, matches, offence_rows, offence_first):
    """Every offence the lookup cannot place stops the build, all listed, with the lines to paste;
    `unmatched_offences: keep` loads them with no code (counted in no offence figure)."""
    loaded, release = staged.loaded, staged.loaded.release
    unmatched = sorted((offence_first[oi], oi) for oi, m in matches.items() if m.how in UNMATCHED)
    for _, oi in unmatched:
        m, n = matches[oi], offence_rows[oi]
        if m.code_as_given:
            loaded.unknown_offence_codes[m.code_as_given] = loaded.unknown_offence_codes.get(m.code_as_given, 0) + n
        else:
            loaded.unmatched_descriptions[m.description] = loaded.unmatched_descriptions.get(m.description, 0) + n
    if not unmatched or release.get("unmatched_offences") == "keep":
        return
    rows = sum(offence_rows[oi] for _, oi in unmatched)
    shown = "; ".join(f"{' / '.join(c.strip() for c in pairs[oi] if c.strip())!r} ({offence_rows[oi]:,} "
                      f"row{'s' * (offence_rows[oi] > 1)}, first on line {line}: {matches[oi].how})"
                      for line, oi in unmatched)
    paste = "\n".join(f"      {json.dumps(matches[oi].description, ensure_ascii=False)}: <code>"
                       for _, oi in unmatched if not matches[oi].code_as_given and matches[oi].description)
    fix = (f"for each description, give its Home Office code (data/reference/offence_codes.csv) under `offences:` "
           f"for release {release['id']} in data/manifest.yml" + (f":\n    offences:\n{paste}\n  " if paste else "; ")
           + "a code not in the lookup goes in data/reference/offence_codes.csv. Or, to load these rows with no "
           "code (counted in no offence figure, listed on the release's page), add `unmatched_offences: keep`")
    first = matches[unmatched[0][1]]
    column = staged.headers[staged.found["offence_code"]] if first.code_as_given else staged.offence_header
    raise ReleaseError(loaded.display, f"{len(unmatched):,} offence{'s' * (len(unmatched) > 1)} ({rows:,} "
                       f"row{'s' * (rows > 1)}) match{'es' * (len(unmatched) == 1)} no Home Office code in the "
                       f"lookup: {shown}", fix, line=unmatched[0][0], column=column)


def publish_decisions(db, staged, dates, pairs, parsed, matches, date_rows, date_first, offence_rows, offence_first,
                      lookup, descriptions):
    """The decision tables the site publishes, each value as given with its rows, and the small
    temporary tables insert() joins to."""
    loaded, release = staged.loaded, staged.loaded.release
    for di, p in parsed.items():
        loaded.date_forms[p.form + (" (outside the period: excluded)" if p.outside else "")] += date_rows[di]
    db.conn.executemany("insert into date_values values (?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], " / ".join(dates[di]), date_rows[di], date_first[di], parsed[di].iso, parsed[di].clock,
         parsed[di].form + (" (outside the period: excluded)" if parsed[di].outside else ""))
        for di in sorted(parsed, key=date_first.get)])
    ordered = sorted(matches, key=offence_first.get)
    for oi in ordered:  # description ids in the order the release first gives each one
        if matches[oi].description:
            descriptions.setdefault(matches[oi].description, len(descriptions) + 1)
    db.conn.executemany("insert into offence_matches values (?, ?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], *pairs[oi], offence_rows[oi], offence_first[oi],
         matches[oi].code, matches[oi].description, matches[oi].how) for oi in ordered])
    t, parts = staged.temp, [f"v{i}" for i in range(len(staged.date_columns))]
    db.execute(f"create temp table {t['date']} ({', '.join(f'{v} text' for v in parts)}, outcome_date text, "
               f"outcome_time text, financial_year text, month text, reason text, primary key ({', '.join(parts)}))")
    db.execute(f"create temp table {t['offence']} (code text, description text, offence_code text, "
               "offence_code_as_given text, offence_description text, offence_description_id integer, "
               "offence_group text, primary key (code, description))")
    period = release.get("period") or {}
    db.conn.executemany(f"insert into {t['date']} values ({', '.join('?' * (len(parts) + 5))})", [
        (*dates[di], p.iso, p.clock, p.financial_year, p.month,
         f"outcome date outside the period the release covers ({period.get('from')} to {period.get('to')})"
         if p.outside else None) for di, p in parsed.items()])
    db.conn.executemany(f"insert into {t['offence']} values (?, ?, ?, ?, ?, ?, ?)", [
        (*pairs[oi], m.code, m.code_as_given, m.description,
         descriptions.get(m.description) if m.description else None, lookup.group(m.code)) for oi, m in matches.items()])
    if loaded.rows_outside_period:
        on = " and ".join(f"d.{v} = r.{quote(c)}" for v, c in zip(parts, staged.date_columns))
        db.execute(f"update {quote(staged.raw)} as r set {quote(staged.reason)} = d.reason from {t['date']} d "
                   f"where {on} and d.reason is not null and {quote(staged.reason)} is null")


def first_empty(db, staged, field_name):
    column = column_sql(staged, field_name)
    return db.execute(f"select min(r.{quote(staged.line)}) from {quote(staged.raw)} r join {staged.temp['kind']} k "
                      f"on k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')} "
                      f"and k.reason is null where trim({column}, {WHITESPACE}) = ''").fetchone()[0]


def empty_error(staged, field_name, line):
    return ReleaseError(staged.loaded.display, f"{field_name.replace('_', ' ')} is empty",
                        "fill it in, or remove the row if it is not a crime", line=line,
                        column=staged.headers[staged.found[field_name]])


def extra_column_types(db, staged):
    """Each column the manifest does not map: INTEGER where every value is a whole number (no leading
    zero), REAL where every value is a decimal number, else TEXT."""
    if not staged.extra:
        return {}
    checks = []
    for column in staged.extra:
        t = f"trim({quote(column)}, {WHITESPACE})"
        checks.append(f"max({t} != '' and ({t} glob '*[^0-9]*' or {t} glob '0?*' or length({t}) > 18))")
        n = f"ltrim({t}, '-')"
        checks.append(f"max({t} != '' and ({n} glob '*[^0-9.]*' or {n} glob '*.*.*' or {n} not glob '*[0-9]*' or {n} glob '0[0-9]*'))")
        checks.append(f"max({t} != '')")
    flags = db.execute(f"select {', '.join(checks)} from {quote(staged.raw)}").fetchone()
    types = {}
    for i, column in enumerate(staged.extra):
        not_integer, not_real, any_value = flags[3 * i: 3 * i + 3]
        types[column] = "TEXT" if not any_value else "INTEGER" if not not_integer else "REAL" if not not_real else "TEXT"
    return types


def plan_extra_columns(db, all_staged):
    """The columns cautions gets beyond its own, across every row-level release: name -> type."""
    columns = {}
    for staged in all_staged:
        types = extra_column_types(db, staged)
        named = {}
        for raw_column, header in staged.extra.items():
            key = header_key(header)
            existing = next((n for n, (k, _) in columns.items() if k == key and n not in named.values()), None)
            name = existing or cautions_column_name(header, set(columns))
            kind = types[raw_column]
            if existing:
                previous = columns[name][1]
                kind = previous if previous == kind else "REAL" if {previous, kind} == {"INTEGER", "REAL"} else "TEXT"
            columns[name] = (key, kind)
            named[raw_column] = name
        staged.extra = {raw_column: name for raw_column, name in named.items()}
        staged.loaded.extra_columns = dict(zip(staged.loaded.unmapped_columns, named.values()))
    return {name: kind for name, (_, kind) in columns.items()}


def create_cautions(db, extra_columns):
    types = {int: "INTEGER", str: "TEXT"}
    columns = [f"[{name}] {types[kind]}" + (" PRIMARY KEY" if name == "id" else "")
               + (" NOT NULL" if name in ("release_id", "crime_reference") else "")
               for name, kind in CAUTIONS_COLUMNS.items()]
    columns += [f"[{name}] {kind}" for name, kind in extra_columns.items()]
    db.execute(f"""create table cautions ({', '.join(columns)},
        foreign key (release_id) references releases(id),
        foreign key (offence_code) references offence_codes(code),
        foreign key (offence_description_id) references offence_descriptions(id))""")
    db.extra_columns = extra_columns


def insert_select(staged):
    line = f"r.{quote(staged.line)}"
    text = f"nullif(trim({{}}, {WHITESPACE}), '')"
    values = {
        "release_id": "?", "source_line": line, "crime_reference": text.format(column_sql(staged, "crime_reference")),
        "offence_code": "f.offence_code", "offence_code_as_given": "f.offence_code_as_given",
        "offence_description": "f.offence_description", "offence_description_id": "f.offence_description_id",
        "offence_group": "f.offence_group", "caution_type": "k.caution_type", "offender": "k.offender",
        "conditional": "k.conditional", "outcome_as_given": "k.outcome_as_given",
        "outcome_date": "d.outcome_date", "outcome_time": "d.outcome_time", "financial_year": "d.financial_year",
        "month": "d.month", "age_group": "k.age_group", "is_sample": "?",
    }
    return values, line


def insert(db, staged, extra_columns, unique_references=True):
    """The release's cautions, in one INSERT ... SELECT over its raw rows and its decisions."""
    loaded, release = staged.loaded, staged.loaded.release
    values, line = insert_select(staged)
    t = staged.temp
    casts = {"INTEGER": "cast({} as integer)", "REAL": "cast({} as real)", "TEXT": "{}"}
    for name, kind in extra_columns.items():
        raw_column = next((r for r, n in staged.extra.items() if n == name), None)
        cell = f"nullif(trim(r.{quote(raw_column)}, {WHITESPACE}), '')" if raw_column else "null"
        values[name] = casts[kind].format(cell) if raw_column else "null"
    before = db.execute("select count(*) from cautions").fetchone()[0]
    if before:  # the reference alone is unique only within one release (check_references)
        db.execute("drop index if exists idx_cautions_crime_reference")
    sql = f"""insert into cautions ({', '.join(f'[{c}]' for c in values)})
        select {', '.join(values.values())}
        from {quote(staged.raw)} r
        join {t['kind']} k on k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')}
                         and k.reason is null
        join {t['date']} d on {' and '.join(f"d.v{i} = r.{quote(c)}" for i, c in enumerate(staged.date_columns))}
                         and d.reason is null
        join {t['offence']} f on f.code = {column_sql(staged, 'offence_code')}
                       and f.description = {column_sql(staged, 'offence_description')}
        order by {line}"""
    try:
        db.conn.execute(sql, [release["id"], int(release["is_sample"])])
    except sqlite3.IntegrityError as e:
        if "crime_reference" not in str(e):
            raise
        raise empty_error(staged, "crime_reference", first_empty(db, staged, "crime_reference")) from None
    loaded.rows_loaded = db.execute("select count(*) from cautions").fetchone()[0] - before
    loaded.rows_rejected = loaded.rows_read - loaded.rows_loaded
    column = staged.headers[staged.found["crime_reference"]]
    if release.get("rows_are", "crimes") == "crimes":
        check_references(db, loaded, column, unique_references)
    else:
        count_crimes(db, loaded)
    keep_raw(db, staged)


def keep_raw(db, staged):
    """The release's original cells, as the database keeps them. A column the build decides from
    (outcome, age group, offence code and description, the date) holds a handful of values over
    and over: raw_<id>_cells stores each of its cells as the number of its value in raw_values (a
    foreign key, so Datasette shows the value beside it). A crime reference that cautions holds
    exactly as written is stored as the number of that crime's row in cautions (its id), once;
    any other (a rejected row's, one with spaces around it) as written, and so are the other
    cells (columns kept as given, rejected_reason). The view raw_<id> puts the values back:
    every original cell, readable and queryable by the same names as before."""
    raw, line, tally, loaded = staged.raw, staged.line, staged.tally, staged.loaded
    cells = f"{raw}_cells"
    if db.execute("select 1 from main.sqlite_master where name = ? collate nocase", [cells]).fetchone():
        raise ReleaseError("data/manifest.yml", f"release {staged.loaded.release['id']!r} keeps its cells in {cells}, "
                           "the name another release's table has", "give one of the two releases another `id:`")
    coded = [*(staged.field_columns[f] for f in tally.fields), *staged.date_columns]
    # the commonest values first: SQLite stores the numbers 0 and 1 in no bytes, up to 127 in one
    rows = Counter()
    kinds, dates, offences = Tally.values(tally.kinds), Tally.values(tally.dates), Tally.values(tally.offences)
    for (ki, di, oi), (n, _) in tally.joint.items():
        for value in (*kinds[ki], *dates[di], *offences[oi]):
            rows[value] += n
    db.execute("create table if not exists raw_values (id integer primary key, value text not null unique)")
    first = db.execute("select coalesce(max(id) + 1, 0) from raw_values").fetchone()[0]
    db.conn.executemany("insert or ignore into raw_values (id, value) values (?, ?)", [
        (first + i, value) for i, value in enumerate(sorted(rows, key=lambda v: (-rows[v], v)))])
    columns = [line, *staged.raw_columns, staged.reason]
    reference, reason = staged.field_columns["crime_reference"], quote(staged.reason)
    # The release's cautions are the rows with ids after those of the releases before it; each
    # names its raw row (source_line), and they are the raw rows with no rejected reason, when the
    # counts agree (every row loaded has none).
    last_id = db.execute("select max(id) from cautions").fetchone()[0] or 0
    kept = db.execute(f"select count(*) from temp.{quote(raw)} where {reason} is null").fetchone()[0]
    by_id = kept == loaded.rows_loaded
    cell = {c: f"(select id from raw_values where value = r.{quote(c)})" for c in coded}
    joined = ""
    if tally.combinations is not None:  # each row's numbers by its combination's: one look-up a row, not five
        number = dict(db.execute("select value, id from raw_values"))
        combinations = f"temp.{quote('_combinations_' + raw)}"
        db.execute(f"create table {combinations} (id integer primary key, "
                   + ", ".join(f"v{i} integer" for i in range(len(coded))) + ")")
        db.conn.executemany(f"insert into {combinations} values ({', '.join('?' * (len(coded) + 1))})",
                            [(i, *(number[v] for v in k)) for i, k in enumerate(tally.combinations)])
        cell = {c: f"m.v{i}" for i, c in enumerate(coded)}
        joined = f" join {combinations} m on m.id = r.{quote(staged.combination)}"
    db.execute(f"create table {quote(cells)} (" + ", ".join(
        f"{quote(c)} integer primary key" if c == line else f"{quote(c)} integer not null" if c in coded
        else f"{quote(c)}" if c == reference and by_id else f"{quote(c)} text" for c in columns)  # a number or text
        + "".join(f", foreign key ({quote(c)}) references raw_values(id)" for c in coded) + ")")
    insert = f"insert into main.{quote(cells)} select "
    if by_id:
        r = f"r.{quote(reference)}"
        db.execute(insert + ", ".join({**cell, reference: f"case when {r} = k.crime_reference then k.id else {r} end"}
                                      .get(c, f"r.{quote(c)}") for c in columns)
                   + f" from main.cautions k join temp.{quote(raw)} r on r.{quote(line)} = k.source_line{joined} "
                   f"where k.id > {last_id - loaded.rows_loaded} order by k.id")
        db.execute(insert + ", ".join(cell.get(c, f"r.{quote(c)}") for c in columns)
                   + f" from temp.{quote(raw)} r{joined} where r.{reason} is not null")
    else:
        db.execute(insert + ", ".join(cell.get(c, f"r.{quote(c)}") for c in columns) + f" from temp.{quote(raw)} r{joined}")
    db.execute(f"drop table temp.{quote(raw)}")
    if joined:
        db.execute(f"drop table {combinations}")
    shown = {c: f"(select value from raw_values where id = c.{quote(c)})" for c in coded}
    if by_id:
        shown[reference] = (f"case when typeof(c.{quote(reference)}) = 'integer' then (select crime_reference "
                            f"from cautions where id = c.{quote(reference)}) else c.{quote(reference)} end")
    db.execute(f"create view {quote(raw)} as select " + ", ".join(
        f"{shown[c]} as {quote(c)}" if c in shown else f"c.{quote(c)}" for c in columns) + f" from {quote(cells)} c")


def check_references(db, loaded, column, unique):
    """One row per crime: the unique index on (release, crime reference), made after each release;
    on the crime reference alone while cautions holds one release (the same rule, a third smaller:
    the release's id is not repeated in every entry). When a reference repeats, making it fails,
    and only then are the repeated references counted."""
    db.execute("drop index if exists idx_cautions_release_id_crime_reference")
    db.execute("drop index if exists idx_cautions_crime_reference")
    alone = db.execute("select release_id = ? from cautions order by id limit 1", [loaded.release["id"]]).fetchone()
    try:
        if unique and alone and alone[0]:
            db.execute("create unique index idx_cautions_crime_reference on cautions (crime_reference)")
        else:
            db.execute(f"create {'unique' if unique else ''} index idx_cautions_release_id_crime_reference "
                       "on cautions (release_id, crime_reference)")
        if unique:
            return
    except sqlite3.IntegrityError:
        pass
    repeated = db.execute(
        "select crime_reference, count(*), group_concat(source_line, ', ') from cautions where release_id = ? "
        "group by crime_reference having count(*) > 1 order by min(source_line)", [loaded.release["id"]]).fetchall()
    if not repeated:
        return
    reference, _, lines = repeated[0]
    extra_rows = sum(n - 1 for _, n, _ in repeated)
    raise ReleaseError(loaded.display, f"crime reference {reference!r} appears more than once (lines {lines})"
                       + (f"; {len(repeated) - 1:,} more reference{'s repeat' if len(repeated) > 2 else ' repeats'} "
                          f"too: {len(repeated):,} crimes on {len(repeated) + extra_rows:,} rows" if len(repeated) > 1 else ""),
                       "a release with `rows_are: crimes` (the default) has one row per crime: remove the repeated "
                       "rows, or, if the force sent one row per offence (or per offender) of a crime, add "
                       f"`rows_are: offences` (or `rows_are: offenders`) to release {loaded.release['id']} in "
                       "data/manifest.yml: every row is then loaded, and the figures count each crime once",
                       line=int(lines.split(",")[0]), column=column) from None


def count_crimes(db, loaded):
    """A release of one row per offence or offender: the summaries the figures read count each crime
    once, by its first row (by month, type and group), and once for each offence code it has."""
    db.execute("drop index if exists idx_cautions_release_id_crime_reference")
    db.execute("drop index if exists idx_cautions_crime_reference")
    db.execute("create index idx_cautions_release_id_crime_reference on cautions (release_id, crime_reference)")
    loaded.by_month.clear()
    loaded.by_code.clear()
    for *key, n in db.execute(
            "select month, financial_year, caution_type, offender, offence_group, count(*) from cautions c "
            "where release_id = :r and id = (select min(id) from cautions where release_id = :r "
            "and crime_reference = c.crime_reference) group by 1, 2, 3, 4, 5", {"r": loaded.release["id"]}):
        loaded.by_month[tuple(key)] += n
    for *key, n in db.execute(
            "select offence_code, financial_year, caution_type, count(distinct crime_reference) from cautions "
            "where release_id = ? group by 1, 2, 3", [loaded.release["id"]]):
        loaded.by_code[tuple(key)] += n


def check_rows_total(totals, loaded, display):
    for line, cells in totals:
        numbers = [clean.count(c) for c in cells[1:] if re.fullmatch(r"\d[\d,]*", c.strip())]
        if not numbers:
            loaded.total_row = f"line {line}: no number"
            continue
        if numbers[0] != loaded.rows_read:
            raise ReleaseError(display, f"the total row says {numbers[0]:,} crimes but the file has "
                               f"{loaded.rows_read:,} data rows", "check no rows were lost or added when the file "
                               "was exported; ask the force which is right", line=line)
        loaded.total_row = f"line {line}: {numbers[0]:,}, matches the rows"


class Progress:
    """A progress bar on stderr for big files, estimated from the lines read so far."""

    def __init__(self, name, lines, width=30):
        self.name, self.lines, self.width, self.started = name, max(lines, 1), width, time.perf_counter()
        self.every = 50_000

    def show(self, line, rows):
        filled = int(min(0.99, line / self.lines) * self.width)
        print(f"\r{self.name} [{'#' * filled}{'.' * (self.width - filled)}] {rows:,} rows", end="", file=sys.stderr,
              flush=True)
        self.every = line + 50_000
        return self.every

    def done(self, rows):
        print(f"\r{self.name} [{'#' * self.width}] {rows:,} rows in {time.perf_counter() - self.started:.1f}s",
              file=sys.stderr)
