"""A row-level release (kind: rows): one row per crime, into `cautions`.

Each distinct value is cleaned once, and rows go to SQLite without per-cell Python:
1. stage(): every original cell to SQLite, straight from the CSV parser, 100 rows to an INSERT:
   the cells no decision is made from (the crime reference, columns kept as given) in a temporary
   table, each row with its line and the number of its combination of the cells that decide it
   (outcome, age group, offence code and description, date: counted as the rows stream, Tally),
   each combination's cells once in another, and the view raw_<release> reading both as one table;
   then the distinct outcome values, dates and (code, description) pairs are each cleaned once in
   Python, and the decisions written to small tables (`outcome_values`, `date_values`,
   `offence_matches`) that the site publishes;
2. insert(): `cautions` gets the release in one INSERT ... SELECT, each raw row joined to its
   combination's decisions. Columns the manifest does not map come along as columns of their own.
A problem stops the build at the release's first line that has it (file, line, column, what to do).
"""
import re
from itertools import chain, islice

from . import clean, column_values, disclosure_rows, small_numbers
from .errors import ReleaseError
from .loaded import Loaded
from .read import HEADER_FIX, Table
from .row_values import decide_outcomes, decide_values
from .fields import ROW_FIELDS, header_key, match_columns, unique_column_names
from .staged import DateColumns, Staged, as_list, column_sql, quote, raw_table_sql
from .tally import Progress, Tally

RAW_OWN_COLUMNS = ("source_line", "rejected_reason", "combination")


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


def stage(db, release, source, lookup, descriptions, show_progress):
    """Read a row-level release into raw_<id> and make every cleaning decision."""
    display = source.display
    mapping = release.get("columns") or {}
    loaded = Loaded(release, source, table="cautions")
    with Table(source.rows(), display, header_test(mapping), source.header_fix(HEADER_FIX)) as table:
        all_headers = table.headers
        withheld = column_values.withheld_indexes(release, all_headers, display, table.header_line)
        headers = [h for i, h in enumerate(all_headers) if i not in withheld]
        found, dates = fit_header(release, display, all_headers, headers, withheld, table.header_line)
        names, (line_col, reason_col, combination_col) = unique_column_names(headers, RAW_OWN_COLUMNS)
        tally = Tally(found, dates.columns)
        stored = [i for i in range(len(names)) if i not in tally.at]  # the cells no decision is made from
        if not stored or len(set(tally.at)) < len(tally.at):
            stored = None  # every cell in the one table
        raw, rows_table = create_raw(db, release, names, line_col, reason_col, combination_col, stored)
        cells = names if stored is None else [names[i] for i in stored]
        kept = [i for i in range(len(all_headers)) if i not in withheld]
        mapped_full = {kept[j] for j in [*found.values(), *dates.columns]}
        watch = column_values.Watch(all_headers, [i for i in range(len(all_headers)) if i not in mapped_full], withheld)
        bar = Progress(release["id"], source.lines) if show_progress and source.size > 3_000_000 and source.lines else None
        insert_many(db, rows_table, [*cells, line_col, combination_col],  # each row's cells, line, combination
                    tally.records(watch.rows(table.rows()), bar, stored))
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
    mapped = set(found.values()) | set(dates.columns)
    loaded.unmapped_columns = [h for i, h in enumerate(headers) if i not in mapped]
    staged = Staged(loaded, raw, line_col, reason_col, {f: names[i] for f, i in found.items()},
                    extra={names[i]: headers[i] for i in range(len(headers)) if i not in mapped},
                    headers=headers, found=found, dates=dates, date_columns=[names[i] for i in dates.columns],
                    raw_columns=names, tally=tally, combination=combination_col, rows=rows_table)
    tally.finish()
    if stored is not None:
        combine(db, staged)
    loaded.disclosure = disclosure_rows.check_rows(db, staged, tally, watch, source.hidden, quote, notes)
    staged.kinds = decide_outcomes(db, staged, tally)
    loaded.disclosure += small_numbers.coarsen(db, staged, tally, lookup, quote, column_sql)
    decide_values(db, staged, tally, lookup, descriptions)
    return staged


BATCH_ROWS = 100  # rows a statement: one INSERT of 100 rows costs SQLite less than 100 INSERTs of one


def insert_many(db, table, columns, records):
    """`records` (each a row's values for `columns`) into `table`, in their order, BATCH_ROWS to a
    statement, and the last, shorter batch in one of its own."""
    width = len(columns)
    per = max(1, min(BATCH_ROWS, 30_000 // width))  # under SQLite's limit of 32,766 values a statement
    sql = f"insert into {quote(table)} ({', '.join(map(quote, columns))}) values "
    one = f"({', '.join('?' * width)})"
    records, last = iter(records), []

    def batches():
        while True:
            values = list(chain.from_iterable(islice(records, per)))
            if len(values) < per * width:
                last.append(values)
                return
            yield values
    db.conn.executemany(sql + ", ".join([one] * per), batches())
    if last and last[0]:
        db.conn.execute(sql + ", ".join([one] * (len(last[0]) // width)), last[0])


def header_test(mapping):
    """Whether a row is the header: three columns the build knows, or every required header the manifest names."""
    required_keys = {header_key(h) for f, (req, _) in ROW_FIELDS.items() if req
                     for h in as_list(mapping.get(f))} - {""}

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells if c.strip()}
        found, _ = match_columns(cells, mapping)
        return len(found) >= 3 or bool(required_keys and required_keys <= keys)
    return looks_like_header


def fit_header(release, display, all_headers, headers, withheld, header_line):
    """The header's columns for each field -> ({field: column index}, DateColumns), or the build stops
    at the header line: a withheld column the build needs, a field with no column, no offence column."""
    mapping = release.get("columns") or {}
    needed, needed_dates, _ = match_release_columns(all_headers, mapping)
    withheld_fields = [f for f, i in [*needed.items(), *(("outcome_date", i) for i in needed_dates.columns)]
                       if i in withheld]
    if withheld_fields:
        raise ReleaseError(display, f"`withhold:` names the column the build reads as {withheld_fields[0]}, "
                           "which it cannot do without", "withhold only columns the build does not need "
                           "(not the crime reference, offence, outcome, outcome date or age group)",
                           line=header_line)
    found, dates, problems = match_release_columns(headers, mapping)
    if problems:
        field_name, problem = problems[0]
        raise ReleaseError(display, f"the header row does not fit: {problem}",
                           f"map `{field_name}:` to the right header under `columns:` for release {release['id']} "
                           f"in data/manifest.yml (the headers are: {', '.join(map(repr, headers))})",
                           line=header_line)
    if not {"offence_code", "offence_description"} & set(found) and release.get("unmatched_offences") != "keep":
        synonyms = [s for f in ("offence_code", "offence_description") for s in ROW_FIELDS[f][1][:3]]
        raise ReleaseError(display, "the header row does not fit: no column for the offence (looked for "
                           f"{', '.join(map(repr, synonyms))}...), so no row could count in an offence figure",
                           f"map `offence_code:` or `offence_description:` to its header under `columns:` for "
                           f"release {release['id']} in data/manifest.yml (the headers are: "
                           f"{', '.join(map(repr, headers))}); if the release has no offence at all, add "
                           "`unmatched_offences: keep`", line=header_line)
    return found, dates


def create_raw(db, release, names, line_col, reason_col, combination_col, stored=None):
    """Every cell as read, in temporary tables the decisions are made from: raw_<id> itself, or, with
    `stored` (the indexes of the cells no decision is made from), a table of those cells alone, each
    row numbering its combination of the others (Tally), which combine() puts back as the view
    raw_<id> (a row's decided cells are a handful of values over and over: stored once, not a million
    times). keep_raw() writes the compact copy the database keeps. Returns (raw_<id>, the rows' table)."""
    raw = "raw_" + release["id"].replace("-", "_")
    rows = raw if stored is None else f"_rows_{raw}"
    db.execute(raw_table_sql(rows, line_col, names if stored is None else [names[i] for i in stored], reason_col,
                             combination_col))
    return raw, rows


def combine(db, staged):
    """Each combination's cells in a temporary table by its number, and the view raw_<id>: every cell
    of each raw row as read, by the same names, as one table of them would hold."""
    coded = [staged.raw_columns[i] for i in staged.tally.at]
    combined = f"temp.{quote('_combined_' + staged.raw)}"
    number = quote(staged.combination)  # its number, by a name no header has
    db.execute(f"create table {combined} ({number} integer primary key, {', '.join(f'{quote(c)} text' for c in coded)})")
    insert_many(db, "_combined_" + staged.raw, [staged.combination, *coded],
                ((i, *k) for i, k in enumerate(staged.tally.combinations)))
    columns = [staged.line, *staged.raw_columns, staged.reason, staged.combination]
    db.execute(f"create temp view {quote(staged.raw)} as select "
               + ", ".join(f"{'c' if c in coded else 'r'}.{quote(c)} as {quote(c)}" for c in columns)
               + f" from {quote(staged.rows)} r join {combined} c on c.{number} = r.{number}")
    staged.combined = combined


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
