"""The disclosure check of a row-level release (foi/disclosure.py for what it looks for): every
column just read into its raw table, each distinct value once, and what its file hides."""
from collections import Counter

from .column_values import sample_lines
from .disclosure import Finding, decide, findings_of, hidden_findings, notes_findings, scan, withheld_without_findings


def check_rows(db, staged, tally, watch, hidden, quote, table_notes=()):
    """Every column of a row-level release just read into its raw table (withheld ones never were),
    and what its file hides -> the findings, each decided; stops the build on one that is not."""
    loaded, release = staged.loaded, staged.loaded.release
    raw, line = quote(staged.raw), quote(staged.line)
    sheet = hidden.sheet if hidden else None
    field_values = {"outcome": {k[0] for k in tally.kinds}, "age_group": {k[1] for k in tally.kinds},
                    "outcome_date": {" ".join(d) for d in tally.dates}, "offence_code": {k[0] for k in tally.offences},
                    "offence_description": {k[1] for k in tally.offences}}
    fields = {i: f for f, i in staged.found.items()}
    names = [d[0] for d in db.execute(f"select * from {raw} limit 0").description  # a temporary table
             if d[0] not in (staged.line, staged.reason, staged.combination)]
    findings = []
    first_line, last_line = db.execute(  # from the rows' own table: no join to read, the ends of its key
        f"select min({line}), max({line}) from {quote(staged.rows or staged.raw)}").fetchone()

    def counted_in_raw(column):
        def counted(values):
            db.execute("create temp table if not exists _flagged (value text primary key)")
            db.execute("delete from _flagged")
            db.conn.executemany("insert or ignore into _flagged values (?)", [(v,) for v in values])
            where = f"where {quote(column)} in (select value from _flagged)"
            rows, = db.execute(f"select count(*) from {raw} {where}").fetchone()
            lines = [r[0] for r in db.execute(f"select {line} from {raw} {where} order by {line} limit 5")]
            return rows, lines
        return counted

    for i, header in enumerate(staged.headers):
        column, full = names[i], watch.kept[i]
        if i in fields and fields[i] in field_values:
            values, free_text = list(field_values[fields[i]]), False
        elif full in watch.values and full not in watch.overflowed:
            values, free_text = watch.counts(full), True
        else:  # the crime reference, or a column of very many values: a sample
            values = Counter()
            for low, high in sample_lines(first_line, last_line):
                values.update(v for v, in db.execute(f"select {quote(column)} from {raw} where {line} between ? and ?",
                                                     [low, high]))
            free_text = i not in fields
        found = scan(header, list(values), free_text, values if isinstance(values, dict) else None)
        findings += findings_of(header, sheet, found, counted_in_raw(column))
    for i in watch.withheld:
        header, seen = watch.headers[i], watch.values.get(i, {})
        if i in watch.overflowed:  # withheld all the same; what it held is not known
            findings.append(Finding("unchecked", header, sheet, 0, decision="withheld: never loaded"))
            continue

        def counted(values, seen=seen):
            return sum(seen[v][0] for v in values), sorted(seen[v][1] for v in values)[:5]
        findings += findings_of(header, sheet, scan(header, list(seen), rows=watch.counts(i)), counted)
    findings += notes_findings(table_notes, sheet)
    findings += hidden_findings(hidden)
    findings += withheld_without_findings(release, watch.headers, findings, sheet)
    return decide(findings, release, loaded.display)
