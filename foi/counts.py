"""A published table of counts (kind: counts), loaded as its own table, as published.

- count columns (`counts:` or `counts_matching:`) typed as integers; suppressed cells (`*`, `<5`)
  kept as suppressed, never 0;
- `header_rows: N`: a header of N rows, joined into one name per column ("Outcome 2 / Female");
- a total row (labelled exactly Total, Grand Total or All, or one of `total_rows:`) is checked
  against the sum of the data rows; a subtotal row (one of `subtotal_rows:`) against the data rows
  since the previous subtotal; a Total column (or `row_total:`) row by row against the row's other
  counts. None of them is loaded as data; every published total is kept, beside what the rows add
  up to, in the `published_totals` table.
"""
import re

from . import clean, column_values, disclosure, read, small_numbers
from .errors import ReleaseError
from .fields import header_key, unique_column_names
from .loaded import Loaded
from .schema import PUBLISHED_TOTALS_COLUMNS

ROW_TOTAL_HEADERS = {"total", "grand total", "totals", "all"}


def load(db, release, source):
    """A counts release into its own table, as published; its totals checked and kept in published_totals."""
    is_count, looks_like_header, row_total = count_column_tests(release)
    display = source.display
    loaded = Loaded(release, source, table=release["table"])
    with read.Table(source.rows(), display, looks_like_header,
                    header_fix=source.header_fix(
                        "check `counts:` (or `counts_matching:`) for this release in data/manifest.yml "
                        "names the count columns exactly as the file's header writes them"
                        + ("" if release.get("header_rows") else "; a header of two or more rows needs `header_rows:`")),
                    header_rows=int(release.get("header_rows") or 1),
                    total_labels=release.get("total_rows") or (), subtotal_labels=release.get("subtotal_rows") or ()
                    ) as table:
        header_line = table.header_line
        withheld = column_values.withheld_indexes(release, table.headers, display, header_line)
        headers = [h for i, h in enumerate(table.headers) if i not in withheld]
        counts, total_column = count_columns(headers, is_count, row_total, release, display, header_line)
        names, (line_column, suppressed_column) = unique_column_names(headers, ("source_line", "suppressed"))
        db[release["table"]].create({line_column: int, **{n: (int if i in counts else str) for i, n in enumerate(names)},
                                     suppressed_column: str}, pk=line_column)
        kept = [i for i in range(len(table.headers)) if i not in withheld]
        watch = column_values.Watch(table.headers, sorted(set(range(len(table.headers))) - {kept[i] for i in counts}),
                                    withheld)
        by_area = [] if small_numbers.area_columns(headers) else None  # rows kept for the small-numbers check
        rows, numbers = read_count_rows(watch.rows(table.rows()), counts, headers, loaded, display, by_area)
        notes, loaded.blank_rows, loaded.skipped_lines = table.notes, table.blank_rows, table.skipped_lines
        loaded.notes = [] if 0 in withheld or column_values.NOTES in (release.get("withhold") or []) else notes
        totals, subtotals = ([(line, [c for i, c in enumerate(cells) if i not in withheld]) for line, cells in t]
                             for t in (table.totals, table.subtotals))
    loaded.disclosure = disclosure.check_counts(watch, counts, source.hidden, release, display, notes)
    if by_area:
        loaded.disclosure += disclosure.decide(small_numbers.small_counts(headers, by_area, set(counts),
                                                                       release.get("authority")), release, display)
    if not rows:
        raise ReleaseError(display, "the file has a header but no data rows",
                           "check the right sheet or file was exported", line=header_line)
    db.conn.executemany(f"insert into [{release['table']}] values ({', '.join('?' * (len(names) + 2))})", rows)
    loaded.rows_loaded = len(rows)
    checked = check_totals(display, headers, counts, total_column, numbers, totals, subtotals)
    if totals:
        loaded.total_row = f"line {totals[-1][0]}: adds up"
    db.conn.executemany(f"insert into published_totals values ({', '.join('?' * len(PUBLISHED_TOTALS_COLUMNS))})",
                        [(release["id"], *c) for c in checked])
    loaded.published_totals = len(checked)
    return loaded


def count_column_tests(release):
    """-> (whether a header is a count column's, whether a row is the header, the row-total column's key)."""
    named = [header_key(c) for c in release.get("counts") or []]
    pattern = re.compile(release["counts_matching"]) if release.get("counts_matching") else None
    row_total = header_key(release["row_total"]) if release.get("row_total") else None

    def is_count(header):
        key = header_key(header)
        return key in named or key == row_total or bool(pattern and pattern.search(header.strip()))

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells}
        return (named and set(named) <= keys) or (not named and any(is_count(c) for c in cells if c.strip()))
    return is_count, looks_like_header, row_total


def count_columns(headers, is_count, row_total, release, display, header_line):
    """-> (the count columns' indexes, the Total column's or None); a repeated header stops the build."""
    keys = [header_key(h) for h in headers]
    if len(set(keys)) < len(keys):
        repeated = sorted({h for h, k in zip(headers, keys) if keys.count(k) > 1})
        raise ReleaseError(display, "the header repeats " + ", ".join(repr(h) if h else "'' (columns with no name)"
                                                                  for h in repeated),
                           "rename the repeated columns so each says what it counts", line=header_line)
    counts = [i for i, h in enumerate(headers) if is_count(h)]
    total_column = next((i for i in counts if keys[i] == row_total), None) if row_total else \
        next((i for i in counts if keys[i] in ROW_TOTAL_HEADERS), None)
    if row_total and total_column is None:
        raise ReleaseError(display, f"`row_total: {release['row_total']}` is not a column of the header",
                           f"name one of the headers: {', '.join(map(repr, headers))}", line=header_line)
    return counts, total_column


def read_count_rows(lines, counts, headers, loaded, display, by_area):
    """-> (each row as inserted: its line, its cells, counts as numbers, its suppressed cells named;
    each row's numbers by column, for the totals). A suppressed cell is kept as suppressed, never 0."""
    rows, numbers = [], []
    for line, cells in lines:
        loaded.rows_read += 1
        if by_area is not None:
            by_area.append((line, cells))
        values, row_numbers, suppressed = [line], {}, []
        for i, cell in enumerate(cells):
            if i not in counts:
                values.append(cell.strip() or None)
            elif clean.is_suppressed(cell):
                values.append(None)
                suppressed.append(f"{headers[i]}: {cell.strip()}")
                loaded.suppressed_cells += 1
            else:
                number = count_of(cell, display, line, headers[i], "a count column")
                values.append(number)
                row_numbers[i] = number
        values.append("; ".join(suppressed) or None)
        rows.append(values)
        numbers.append((line, row_numbers, bool(suppressed)))
    return rows, numbers


def check_totals(display, headers, counts, total_column, numbers, totals, subtotals):
    """Every published total (a Total column row by row, subtotal rows, total rows) against what the rows add up to."""
    checked = []
    if total_column is not None:
        others = [i for i in counts if i != total_column]
        for line, row, has_suppressed in numbers:
            if row.get(total_column) is None:
                continue
            checked.append(compare(display, line, headers[0] if headers else "", "row total", headers[total_column],
                                   row[total_column], sum(row.get(i) or 0 for i in others), has_suppressed,
                                   f"the {headers[total_column]!r} column gives {{published:,}} but this row's other "
                                   "counts add up to {computed:,}"))
    previous = 0
    for line, cells in sorted(subtotals):
        since = [(n, row, s) for n, row, s in numbers if previous < n < line]
        checked += check_row(display, line, cells, "subtotal row", counts, headers, since,
                             "the subtotal row {label!r} gives {published:,} for {column!r} but the rows above it "
                             "(since the previous subtotal) add up to {computed:,}")
        previous = line
    for line, cells in totals:
        checked += check_row(display, line, cells, "total row", counts, headers, numbers,
                             "the total row gives {published:,} for {column!r} but the rows add up to {computed:,}")
    return checked


def count_of(cell, display, line, column, where):
    try:
        return clean.count(cell)
    except ValueError as e:
        fix = ("correct the cell; if the force withheld the number, leave its marker (such as * or <5) as it is"
               if where == "a count column" else "correct the total, or remove the row: the build adds up the rows itself")
        raise ReleaseError(display, f"{e} in {where}", fix, line=line, column=column) from None


def check_row(display, line, cells, kind, counts, headers, rows, message):
    """A total or subtotal row: each count it gives, against the sum of `rows` in that column."""
    label = next((c.strip() for c in cells if c.strip()), "")
    checked = []
    for i in counts:
        if not cells[i].strip() or clean.is_suppressed(cells[i]):
            continue
        published = count_of(cells[i], display, line, headers[i], f"the {kind}")
        computed = sum(row.get(i) or 0 for _, row, _ in rows)
        has_suppressed = any(i not in row for _, row, _ in rows)
        checked.append(compare(display, line, label, kind, headers[i], published, computed, has_suppressed,
                               message.replace("{label!r}", repr(label)).replace("{column!r}", repr(headers[i]))))
    return checked


def compare(display, line, label, kind, column, published, computed, has_suppressed, message):
    """-> a row of published_totals; stops the build when a published total does not add up (a total
    bigger than its rows is fine where some of them are suppressed)."""
    if published == computed:
        status = "adds up"
    elif has_suppressed and published > computed:
        status = "bigger than the rows: some of them are suppressed"
    else:
        raise ReleaseError(display, message.format(published=published, computed=computed),
                           "check for missing or extra rows; if the force's total is wrong, note it and ask them",
                           line=line, column=column)
    return line, label, kind, column, published, computed, status
