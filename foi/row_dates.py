"""A row-level release's dates: each distinct date read once (`read_date`), within the bounds the
release allows (`Bounds`), and every date that cannot be read listed at once (`check_dates`)."""
import time
from dataclasses import dataclass

from . import clean
from .errors import ReleaseError
from .staged import empty_error, first_empty


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


def check_dates(db, staged, values, bounds):
    """Every date that cannot be read stops the build, all of them listed; so do dates outside the
    release's period, unless `outside_period: exclude` (then they are kept out, with the reason)."""
    dates, parsed, date_rows, date_first = values.dates, values.parsed, values.date_rows, values.date_first
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
