"""A published table of counts (kind: counts), loaded as its own table: count columns typed as
integers, suppressed cells kept as suppressed (never 0), total rows checked and set aside."""
import re

from . import clean, read
from .errors import ReleaseError
from .loaded import Loaded
from .schema import header_key


def load(db, release, source):
    """A published table of counts, as its own table: count columns typed, suppressed cells kept as such."""
    named = [header_key(c) for c in release.get("counts") or []]
    pattern = re.compile(release["counts_matching"]) if release.get("counts_matching") else None

    def is_count(header):
        return header_key(header) in named or bool(pattern and pattern.search(header.strip()))

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells}
        return (named and set(named) <= keys) or (not named and any(is_count(c) for c in cells if c.strip()))

    display = source.display
    loaded = Loaded(release, source, table=release["table"])
    table = read.Table(source.path, display, source.read_encoding, looks_like_header, source.is_xlsx,
                       header_fix="check `counts:` (or `counts_matching:`) for this release in data/manifest.yml "
                                  "names the count columns exactly as the file's header writes them",
                       delimiter=source.delimiter)
    headers = table.headers
    if len(set(map(header_key, headers))) < len(headers):
        repeated = sorted({h for h in headers if [header_key(x) for x in headers].count(header_key(h)) > 1})
        table.close()
        raise ReleaseError(display, "the header repeats " + ", ".join(repr(h) if h else "'' (columns with no name)"
                                                                  for h in repeated),
                           "rename the repeated columns so each says what it counts", line=table.header_line)
    counts = [i for i, h in enumerate(headers) if is_count(h)]
    columns = {"source_line": int, **{h: (int if i in counts else str) for i, h in enumerate(headers)}, "suppressed": str}
    name = release["table"]
    db[name].create(columns, pk="source_line")
    loaded.notes = table.notes
    sums = {i: 0 for i in counts}
    suppressed_in = set()
    rows = []
    for line, cells in table.rows():
        loaded.rows_read += 1
        values, suppressed = [line], []
        for i, cell in enumerate(cells):
            if i not in counts:
                values.append(cell.strip() or None)
            elif clean.is_suppressed(cell):
                values.append(None)
                suppressed.append(f"{headers[i]}: {cell.strip()}")
                suppressed_in.add(i)
                loaded.suppressed_cells += 1
            else:
                try:
                    number = clean.count(cell)
                except ValueError as e:
                    raise ReleaseError(display, f"{e} in a count column", "correct the cell; if the force withheld "
                                       "the number, leave its marker (such as * or <5) as it is", line=line,
                                       column=headers[i]) from None
                values.append(number)
                sums[i] += number or 0
        values.append("; ".join(suppressed) or None)
        rows.append(values)
    if rows:
        db.conn.executemany(f"insert into [{name}] values ({', '.join('?' * len(columns))})", rows)
    loaded.rows_loaded = len(rows)
    loaded.blank_rows = table.blank_rows
    if not rows:
        raise ReleaseError(display, "the file has a header but no data rows",
                           "check the right sheet or file was exported", line=table.header_line)
    for line, cells in table.totals:
        for i in counts:
            if not cells[i].strip() or clean.is_suppressed(cells[i]):
                continue
            try:
                total = clean.count(cells[i])
            except ValueError as e:
                raise ReleaseError(display, f"{e} in the total row", "correct the total, or remove the row: "
                                   "the build adds up the rows itself", line=line, column=headers[i]) from None
            if total != sums[i] and not (i in suppressed_in and total > sums[i]):
                raise ReleaseError(display, f"the total row gives {total:,} for {headers[i]!r} but the rows add up to {sums[i]:,}",
                                   "check for missing or extra rows; if the force's total is wrong, note it and ask them",
                                   line=line, column=headers[i])
        loaded.total_row = f"line {line}: adds up"
    return loaded
