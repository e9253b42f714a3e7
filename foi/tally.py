"""Counting a row-level release's distinct combinations as its rows stream to SQLite (`Tally`), and
the progress bar for big files (`Progress`)."""
import sys
import time
from operator import itemgetter
from sys import intern


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
        self.at = present  # the key's cells, by their index in a row
        self.seen = {}
        self.numbered = True  # each row carries its combination's number (not once recount() rewrote them)

    def records(self, rows, bar=None, kept=None):
        """The rows as executemany takes them: each row's cells (only those at the indexes `kept`,
        when given), then its line number and the number of its combination (in the order the
        combinations first appear)."""
        key, seen = self.key, self.seen
        one = kept[0] if kept is not None and len(kept) == 1 else None  # one cell (the crime reference): no call
        pick = itemgetter(*kept) if kept is not None and len(kept) > 1 else None
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
            if one is not None:
                yield cells[one], line, counted[2]
                continue
            if pick:
                yield (*pick(cells), line, counted[2])
                continue
            cells.append(line)
            cells.append(counted[2])
            yield cells
        self.rows = sum(v[0] for v in seen.values())

    def finish(self, kinds=None):
        """`kinds`: the (outcome, age group) ids already given out, kept (small_numbers.coarsen)."""
        positions, parts = self.positions[:4], self.positions[4:]
        self.kinds, self.dates, self.offences, self.joint = dict(kinds or {}), {}, {}, {}
        # each combination by the number its rows carry; none once the rows were rewritten (coarsened)
        self.combinations = list(self.seen) if self.numbered else None
        pad = [p if p is not None else -1 for p in positions]  # a field the release lacks: "", last in k + ("",)
        kind_of, offence_of = itemgetter(pad[0], pad[1]), itemgetter(pad[2], pad[3])
        date_of = itemgetter(*parts) if len(parts) > 1 else (lambda k, p=parts[0]: (k[p],)) if parts else lambda k: ()
        kinds, dates, offences, joint = self.kinds, self.dates, self.offences, self.joint
        for k, seen in self.seen.items():
            n, line, padded = seen[0], seen[1], k + ("",)
            ki = kinds.setdefault(kind_of(padded), len(kinds))
            di = dates.setdefault(date_of(k), len(dates))
            oi = offences.setdefault(offence_of(padded), len(offences))
            counted = joint.get((ki, di, oi))
            if counted is None:
                joint[ki, di, oi] = [n, line]
            else:
                counted[0] += n
                counted[1] = min(counted[1], line)
        self.seen = None

    def recount(self, seen):
        """The combinations counted again from rows rewritten in SQLite (small_numbers.coarsen):
        {key: [rows, first line]}; the rows no longer carry a combination's number. The ids of the
        (outcome, age group) kinds already given out are kept."""
        self.seen, self.numbered = seen, False
        self.finish(self.kinds)

    @staticmethod
    def values(ids):
        """{value: id} -> [value by id]"""
        out = [None] * len(ids)
        for value, i in ids.items():
            out[i] = value
        return out


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
