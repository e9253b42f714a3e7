"""The `cautions` table: its columns (the build's own, then each column the releases bring that the
manifest does not map), its DDL, each release's rows in one INSERT ... SELECT, and the unique
index that holds one row per crime."""
import sqlite3

from .errors import ReleaseError

from .fields import header_key
from .raw_copy import keep_raw
from .schema import CAUTIONS_COLUMNS
from .staged import WHITESPACE, column_sql, empty_error, first_empty, quote


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
    flags = db.execute(f"select {', '.join(checks)} from {quote(staged.rows)}").fetchone()  # not coded: there
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


def joins(staged):
    """The raw rows (r) joined to their decisions: the kind (k), the date (d) and the offence (f);
    a row that is not a caution, or is dated outside the period, has no match."""
    t = staged.temp
    return f"""join {t['kind']} k on k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')}
                         and k.reason is null
        join {t['date']} d on {' and '.join(f"d.v{i} = r.{quote(c)}" for i, c in enumerate(staged.date_columns))}
                         and d.reason is null
        join {t['offence']} f on f.code = {column_sql(staged, 'offence_code')}
                       and f.description = {column_sql(staged, 'offence_description')}"""


def decide_combinations(db, staged, values):
    """Each distinct combination of the cells that decide a row (Tally; rows.combine's table), joined
    once to its decisions by the same joins the rows would take, in a temporary table by the
    combination's number; the decided entries of `values` then read from it (m). None when the raw
    rows are one table of every cell (rewritten by small_numbers.coarsen): they are joined as they are."""
    if not staged.combined:
        return None
    decided = f"temp.{quote(f'_decided_{staged.raw}')}"
    names = [c for c, v in values.items() if v[:2] in ("k.", "d.", "f.")]
    db.execute(f"create table {decided} (id integer primary key, {', '.join(f'[{c}]' for c in names)})")  # no affinity
    db.execute(f"insert into {decided} select r.{quote(staged.combination)}, {', '.join(values[c] for c in names)} "
               f"from {staged.combined} r {joins(staged)}")
    values.update({c: f"m.[{c}]" for c in names})
    return decided


def insert(db, staged, extra_columns, unique_references=True):
    """The release's cautions, in one INSERT ... SELECT over its raw rows and its decisions."""
    loaded, release = staged.loaded, staged.loaded.release
    values, line = insert_select(staged)
    casts = {"INTEGER": "cast({} as integer)", "REAL": "cast({} as real)", "TEXT": "{}"}
    for name, kind in extra_columns.items():
        raw_column = next((r for r, n in staged.extra.items() if n == name), None)
        cell = f"nullif(trim(r.{quote(raw_column)}, {WHITESPACE}), '')" if raw_column else "null"
        values[name] = casts[kind].format(cell) if raw_column else "null"
    before = db.execute("select max(id) from cautions").fetchone()[0]  # ids only grow: one INSERT a release
    if before is not None:  # the reference alone is unique only within one release (check_references)
        db.execute("drop index if exists idx_cautions_crime_reference")
    decided = decide_combinations(db, staged, values)
    if decided:  # each row's decisions by its combination's number: one look-up a row, not three
        source = f"{quote(staged.rows)} r join {decided} m on m.id = r.{quote(staged.combination)}"
    else:  # the rows were rewritten (small_numbers.coarsen) and carry no combination's number
        source = f"{quote(staged.raw)} r {joins(staged)}"
    sql = f"""insert into cautions ({', '.join(f'[{c}]' for c in values)})
        select {', '.join(values.values())} from {source} order by {line}"""
    try:
        inserted = db.conn.execute(sql, [release["id"], int(release["is_sample"])]).rowcount
    except sqlite3.IntegrityError as e:
        if "crime_reference" not in str(e):
            raise
        raise empty_error(staged, "crime_reference", first_empty(db, staged, "crime_reference")) from None
    if decided:
        db.execute(f"drop table {decided}")
    loaded.rows_loaded = inserted
    loaded.ids = ((before or 0) + 1, (before or 0) + inserted) if inserted else (None, None)
    loaded.rows_rejected = loaded.rows_read - loaded.rows_loaded
    column = staged.headers[staged.found["crime_reference"]]
    if release.get("rows_are", "crimes") == "crimes":
        check_references(db, loaded, column, unique_references)
    else:
        count_crimes(db, loaded)
    keep_raw(db, staged)


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
