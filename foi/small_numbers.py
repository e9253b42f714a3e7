"""Small numbers that identify (the disclosure check, foi/disclosure.py): where a release places crimes
below force level, a sexual offence that no other row shares its date, area and age group with, or
a count of 1 or 2 for one in an area. Reported by line, never by value, and decided like any finding."""
from . import clean, personal_data
from .disclosure import Finding
from .manifest import declared_offences
from .fields import header_key
from .staged import widen

# headers of a column that places a crime below force level
AREA_HEADERS = {"area", "district", "ward", "beat", "neighbourhood", "neighborhood", "lsoa", "lsoa name", "lsoa code",
                "msoa name", "location", "local authority", "local authority district", "town", "sector", "borough",
                "parish", "policing area", "local policing area", "lpa", "postcode district", "street", "village"}
SEXUAL_GROUP = "Sexual offences"   # the offence group of data/reference/offence_codes.csv


def area_columns(headers):
    return [h for h in headers if header_key(h) in AREA_HEADERS]


def coarsen(db, staged, tally, lookup, quote, column_sql):
    """A row-level release with an area: each caution for a sexual offence (the lookup's group Sexual
    offences) that no other caution of the release shares its date, area and age group with identifies
    someone. By default it is published with the month for its date and its area left out: its raw
    cells are rewritten (pragma secure_delete, and the build's VACUUM, leave no copy of the old ones)
    and the distinct values counted again, so that no table (date_values among them) keeps its date.
    `reviewed: [{column: <area>, finding: small_numbers, ...}]` publishes them as released; withholding
    the area leaves nothing to coarsen. A release with no area is at force level: nothing to do."""
    release = staged.loaded.release
    areas = {raw: header for raw, header in staged.extra.items() if header_key(header) in AREA_HEADERS}
    if not areas:
        return []
    declared = declared_offences(release)
    pairs = [(c, d, int(lookup.group(lookup.read(c, d, declared).code) == SEXUAL_GROUP)) for c, d in tally.offences]
    if not any(p[2] for p in pairs):
        return []
    # a date in one column is coarsened to its month; a date split over columns, or a financial year
    # alone, is already no finer than its parts: only its area is left out
    by_date = staged.dates.how == "date"
    months = []
    for (value, *_) in (tally.dates if by_date else ()):
        try:
            months.append((value, clean.date(value, release.get("date_format"))[0][:7]))
        except ValueError:
            pass  # reported when the dates are read
    db.execute("create temp table _sexual (code text, description text, sexual integer)")
    db.execute("create temp table _month (value text primary key, month text)")
    db.conn.executemany("insert into _sexual values (?, ?, ?)", pairs)
    db.conn.executemany("insert into _month values (?, ?)", months)
    lines = identifying_lines(db, staged, quote, column_sql, areas, by_date)
    finding = None
    if lines:
        finding = decide_coarsening(db, staged, tally, quote, areas, lines, by_date)
    db.execute("drop table _sexual")
    db.execute("drop table _month")
    return [finding] if finding else []


def identifying_lines(db, staged, quote, column_sql, areas, by_date):
    """The first line of each caution for a sexual offence alone on its date, area and age group."""
    raw, line, t = quote(staged.raw), quote(staged.line), staged.temp
    area_cells = [f"trim(r.{quote(c)})" for c in areas]
    return [r[0] for r in db.execute(f"""
        select min(r.{line}) from {raw} r
        join {t['kind']} k on k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')}
                          and k.reason is null
        join _sexual s on s.code = {column_sql(staged, 'offence_code')} and s.description = {column_sql(staged, 'offence_description')}
        {f"join _month m on m.value = {column_sql(staged, 'outcome_date')}" if by_date else ""}
        group by {', '.join(f"r.{quote(c)}" for c in staged.date_columns)}, k.age_group, {', '.join(area_cells)}
        having count(*) = 1 and max(s.sexual) = 1 and max({' or '.join(f"{c} != ''" for c in area_cells)})
        order by 1""")]


def decide_coarsening(db, staged, tally, quote, areas, lines, by_date):
    """The finding, reviewed (published as released) or coarsened: the identifying rows' date to its
    month and their area emptied, in place, and the combinations counted again."""
    release = staged.loaded.release
    raw, line = quote(staged.raw), quote(staged.line)
    finding = Finding("small_numbers", next(iter(areas.values())), None, len(lines), tuple(lines[:5]),
                      detail=f"a caution for a sexual offence that no other caution shares its date, "
                             f"{', '.join(areas.values())} and age group with")
    reviewed = any(header_key(r["column"]) in {header_key(h) for h in areas.values()} and r["finding"] == "small_numbers"
                   for r in release.get("reviewed") or [])
    if reviewed:
        r = next(r for r in release["reviewed"] if r["finding"] == "small_numbers")
        finding.decision, finding.by, finding.on, finding.note = "reviewed: published", str(r["by"]), str(r["on"]), \
            r.get("note")
        return finding
    finding.decision = f"coarsened (the default): the month for the date, {', '.join(areas.values())} left out"
    db.execute("create temp table _identifying (line integer primary key)")
    db.conn.executemany("insert into _identifying values (?)", [(n,) for n in lines])
    date_column = quote(staged.date_columns[0])
    widen(db, staged)  # rewritten in place, row by row
    db.execute("pragma secure_delete = on")
    db.execute(f"update {raw} set "
               + (f"{date_column} = (select month from _month where value = {date_column}), " if by_date else "")
               + ", ".join(f"{quote(c)} = null" for c in areas)
               + f" where {line} in (select line from _identifying)")
    db.execute("pragma secure_delete = off")
    db.execute("drop table _identifying")
    db.needs_vacuum = True
    # every distinct combination counted again from the rows as they now are
    columns = ", ".join(quote(c) for c in [*(staged.field_columns[f] for f in tally.fields), *staged.date_columns])
    tally.recount({tuple(r[:-2]): [r[-2], r[-1]] for r in db.execute(
        f"select {columns}, count(*), min({line}) from {raw} group by {columns} order by min({line})")})
    return finding


def small_counts(headers, rows, counts, authority):
    """A counts release with an area column: a count of 1 or 2 in a row about a sexual offence, in an
    area below force level. `rows`: [(line, cells)]; `counts`: indexes of the count columns."""
    areas = [i for i, h in enumerate(headers) if header_key(h) in AREA_HEADERS]
    if not areas:
        return []
    force = {w for w in header_key(authority or "").split() if w not in ("police", "constabulary", "service")}
    titles = personal_data.offence_titles()
    hits = []
    for line, cells in rows:
        text = " ".join(c for i, c in enumerate(cells) if i not in counts).lower()
        sexual = "sexual" in text or "rape" in text or any(" ".join(c.lower().split()) in titles and "sexual" in c.lower()
                                                          for c in cells)
        place = " ".join(cells[i] for i in areas if i < len(cells))
        if sexual and place.strip() and not (force and force <= set(header_key(place).split())) \
                and any(cells[i].strip() in ("1", "2") for i in counts if i < len(cells)):
            hits.append(line)
    if not hits:
        return []
    return [Finding("small_numbers", headers[areas[0]], None, len(hits), tuple(hits[:5]),
                    detail="a count of 1 or 2 for a sexual offence in an area below force level")]
