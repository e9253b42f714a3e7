"""The raw copy of a row-level release: every original cell, compact (raw_<id>_cells, with the
values it repeats numbered in raw_values), and the view raw_<id> that reads as the file did."""
from collections import Counter

from .errors import ReleaseError
from .staged import quote
from .tally import Tally

VALUES_TABLE = "raw_values"  # the values the raw copies repeat, numbered; stored, not read (the views read it)


def cells_table(raw):
    """The table that stores the view `raw`'s cells compactly (the site lists it as hidden)."""
    return f"{raw}_cells"


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
    cells = cells_table(raw)
    if db.execute("select 1 from main.sqlite_master where name = ? collate nocase", [cells]).fetchone():
        raise ReleaseError("data/manifest.yml", f"release {staged.loaded.release['id']!r} keeps its cells in {cells}, "
                           "the name another release's table has", "give one of the two releases another `id:`")
    coded = [*(staged.field_columns[f] for f in tally.fields), *staged.date_columns]
    number_values(db, tally)
    columns = [line, *staged.raw_columns, staged.reason]
    reference, reason = staged.field_columns["crime_reference"], quote(staged.reason)
    # The release's cautions are the rows with ids after those of the releases before it; each
    # names its raw row (source_line), and they are the raw rows with no rejected reason, when the
    # counts agree (every row loaded has none).
    last_id = db.execute("select max(id) from cautions").fetchone()[0] or 0
    rows = f"temp.{quote(staged.rows)}"  # the raw rows: every cell, or (with staged.combined) those not coded
    kept = db.execute(f"select count(*) from {rows} where {reason} is null").fetchone()[0]
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
                   + f" from main.cautions k join {rows} r on r.{quote(line)} = k.source_line{joined} "
                   f"where k.id > {last_id - loaded.rows_loaded} order by k.id")
        if kept < loaded.rows_read:  # the rejected rows, when there are any
            db.execute(insert + ", ".join(cell.get(c, f"r.{quote(c)}") for c in columns)
                       + f" from {rows} r{joined} where r.{reason} is not null")
    else:
        db.execute(insert + ", ".join(cell.get(c, f"r.{quote(c)}") for c in columns) + f" from {rows} r{joined}")
    set_aside(db, staged)
    if joined:
        db.execute(f"drop table {combinations}")
    create_view(db, raw, cells, columns, coded, reference if by_id else None)


def set_aside(db, staged):
    """The raw rows, once copied, set aside so that raw_<id> finds the view keep_raw() makes, not
    them; not dropped: dropping reads every page back from the temporary file, which goes when the
    connection closes."""
    if staged.combined:
        db.execute(f"drop view temp.{quote(staged.raw)}")
        db.execute(f"drop table {staged.combined}")
    else:
        db.execute(f"alter table temp.{quote(staged.raw)} rename to {quote('_read_' + staged.raw)}")


def number_values(db, tally):
    """Each value of the columns the build decides from, numbered in raw_values; the commonest values
    first: SQLite stores the numbers 0 and 1 in no bytes, up to 127 in one."""
    rows = Counter()
    kinds, dates, offences = Tally.values(tally.kinds), Tally.values(tally.dates), Tally.values(tally.offences)
    for (ki, di, oi), (n, _) in tally.joint.items():
        for value in (*kinds[ki], *dates[di], *offences[oi]):
            rows[value] += n
    db.execute("create table if not exists raw_values (id integer primary key, value text not null unique)")
    first = db.execute("select coalesce(max(id) + 1, 0) from raw_values").fetchone()[0]
    db.conn.executemany("insert or ignore into raw_values (id, value) values (?, ?)", [
        (first + i, value) for i, value in enumerate(sorted(rows, key=lambda v: (-rows[v], v)))])


def create_view(db, raw, cells, columns, coded, reference):
    """The view raw_<id>: every original cell back, by the same names; `reference`, the crime
    reference column when it is stored as the number of its crime's row in cautions."""
    shown = {c: f"(select value from raw_values where id = c.{quote(c)})" for c in coded}
    if reference:
        shown[reference] = (f"case when typeof(c.{quote(reference)}) = 'integer' then (select crime_reference "
                            f"from cautions where id = c.{quote(reference)}) else c.{quote(reference)} end")
    db.execute(f"create view {quote(raw)} as select " + ", ".join(
        f"{shown[c]} as {quote(c)}" if c in shown else f"c.{quote(c)}" for c in columns) + f" from {quote(cells)} c")
