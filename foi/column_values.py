"""The values of a release's columns as its rows stream, for the disclosure check (foi/disclosure.py):
each distinct value counted once, withheld columns dropped before anything is written, and the
sample of lines a column of very many values is checked on."""
from operator import itemgetter

from .errors import ReleaseError
from .fields import header_key

DISTINCT_LIMIT = 20_000
SAMPLE_ROWS, SAMPLE_WINDOWS = 20_000, 20
NOTES = "title and note rows"   # what `withhold:` calls the rows above the header and below the data


class Watch:
    """Each distinct value of some columns, with its rows and first line, counted as the rows stream
    (up to DISTINCT_LIMIT distinct values a column; past that the column is `overflowed`); and the
    withheld columns dropped from every row, so they are never written anywhere."""

    def __init__(self, headers, watched, withheld=()):
        self.headers, self.withheld = headers, set(withheld)
        self.values = {i: {} for i in watched}
        self.overflowed = set()
        self.kept = [i for i in range(len(headers)) if i not in self.withheld]  # kept column -> its index here
        self.keep = (itemgetter(*self.kept) if len(self.kept) > 1 else lambda cells: (cells[self.kept[0]],)) \
            if self.withheld else None

    def counts(self, i):
        """{value: rows} of column i."""
        return {v: n for v, (n, _) in self.values[i].items()}

    def rows(self, rows):
        """The rows, each counted and without its withheld cells."""
        return self._rows(rows) if self.values or self.keep else rows

    def _rows(self, rows):
        watched, keep, limit = list(self.values.items()), self.keep, DISTINCT_LIMIT
        for n, (line, cells) in enumerate(rows, 1):
            for i, seen in watched:
                counted = seen.get(cells[i])
                if counted is None:
                    seen[cells[i]] = [1, line]
                else:
                    counted[0] += 1
            if not n & 0xFFFF:  # now and then: stop counting a column of too many values
                for i, seen in watched:
                    if len(seen) > limit:
                        self.overflowed.add(i)
                        seen.clear()
                watched = [(i, seen) for i, seen in watched if i not in self.overflowed]
            yield line, (list(keep(cells)) if keep else cells)
        for i, seen in watched:
            if len(seen) > limit:
                self.overflowed.add(i)
                seen.clear()


def withheld_indexes(release, headers, display, line):
    """The `withhold:` headers -> their column indexes; a header the file does not have is an error."""
    keys = [header_key(h) for h in headers]
    out = []
    for name in release.get("withhold") or []:
        if header_key(name) == header_key(NOTES):
            continue
        if header_key(name) not in keys:
            raise ReleaseError(display, f"`withhold:` names {name!r}, which is not a column of the header",
                               f"name the column as the header writes it (the headers are: "
                               f"{', '.join(map(repr, headers))})", line=line)
        out.append(keys.index(header_key(name)))
    return out


def sample_lines(first, last):
    """SAMPLE_WINDOWS runs of lines spread from first to last, SAMPLE_ROWS lines in all."""
    size = SAMPLE_ROWS // SAMPLE_WINDOWS
    step = max((last - first) // SAMPLE_WINDOWS, size)
    return [(start, start + size - 1) for start in range(first, last + 1, step)][:SAMPLE_WINDOWS]
