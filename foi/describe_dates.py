"""A release's dates for `build.py describe`: where the date is, how it is written, and the period
it covers."""
import calendar
import datetime
import re
from collections import Counter
from dataclasses import dataclass

from . import clean
from .describe_values import MONTHS, financial_year, month_number, serial_date
from .fields import header_key


@dataclass
class DatePlan:
    """How the outcome date is read: one column, Excel serial numbers, split columns, or a financial year."""
    how: str                      # 'column', 'excel', 'split' or 'financial year'
    columns: list                 # their indexes (split: in the order written under `columns:`)


def plan_dates(columns, found):
    """The outcome date's column(s), and how they are read."""
    holds = {c.index: c.holds for c in columns}
    at = found.get("outcome_date")
    if at is not None and holds[at] in ("date", "serial"):
        return DatePlan("excel" if holds[at] == "serial" else "column", [at])
    by = {kind: [c.index for c in columns if holds[c.index] == kind] for kind in ("date", "serial", "year", "month",
                                                                                 "day", "financial year")}
    if by["year"] and by["month"]:
        return DatePlan("split", ([by["day"][0]] if by["day"] else []) + [by["month"][0], by["year"][0]]
                        if by["day"] else [by["year"][0], by["month"][0]])
    dated = sorted(by["date"], key=lambda i: ("date" not in header_key(columns[i].header), i))
    if dated:
        return DatePlan("column", dated[:1])
    serial = sorted(by["serial"], key=lambda i: ("date" not in header_key(columns[i].header), i))
    if serial:
        return DatePlan("excel", serial[:1])
    if by["financial year"]:
        return DatePlan("financial year", by["financial year"][:1])
    if at is not None:  # named like a date but not read as one: the build says which values it cannot read
        return DatePlan("column", [at])
    return None


def date_of(value, dates, date_format=None):
    """A date as given -> (first day, last day) it stands for, or None where it cannot be read."""
    try:
        if dates.how == "excel":
            day = serial_date(value.strip())
            return (day, day) if day else None
        if dates.how == "financial year":
            start = financial_year(value.strip())
            return (datetime.date(start, 4, 1), datetime.date(start + 1, 3, 31)) if start else None
        if dates.how == "split":
            parts = [v.strip() for v in value]
            if len(parts) == 3:
                day, month, year = int(parts[0]), month_number(parts[1]), int(parts[2])
                return (datetime.date(year, month, day),) * 2
            year, month = int(parts[0]), month_number(parts[1])
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
        iso = clean.date(value, date_format)[0]
        if len(iso) == 7:  # a month alone
            year, month = int(iso[:4]), int(iso[5:])
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
        day = datetime.date.fromisoformat(iso)
        return day, day
    except (ValueError, TypeError):
        return None


def describe_dates(stats, dates, headers, lines):
    """The date forms, as the build reads them; a `date_format:` where one is needed."""
    if not dates:
        return None
    if dates.how == "excel":
        sample = next(iter(stats.dates), "")
        lines.append(f"dates: Excel serial numbers {sum(stats.dates.values()):,} (e.g. {sample.strip()} = "
                     f"{serial_date(sample.strip())})")
        return None
    if dates.how == "split":
        lines.append("dates: split over " + " and ".join(repr(headers[i]) for i in dates.columns)
                     + f", {sum(stats.dates.values()):,} rows")
        return None
    if dates.how == "financial year":
        years = Counter()
        for value, n in stats.dates.items():
            years[value.strip()] += n
        lines.append("no dates: a financial year per row: " + ", ".join(f"{y} {n:,}" for y, n in sorted(years.items())))
        return None
    forms, failing = Counter(), Counter()
    for value, n in stats.dates.items():
        try:
            forms[clean.date(value)[2]] += n
        except ValueError as e:
            failing[(value, e.args[1] if len(e.args) > 1 else "")] += n
    lines.append("dates: " + (", ".join(f"{form} {n:,}" for form, n in forms.most_common()) or "none read"))
    suggested = None
    for (value, fix), n in failing.most_common(5):
        lines.append(f"  NOT READ: {value.strip()!r} ({n:,} rows, first on line {stats.first[('date', value)]}): {fix}")
        suggestion = re.search(r'date_format: "([^"]+)"', fix)
        suggested = suggested or (suggestion.group(1) if suggestion else None)
    return suggested


def example_of(stats, date_format):
    """'01-Apr-15 is 2015-04-01', for the first date the pattern reads."""
    for value in stats.dates:
        try:
            return f"{value.strip()} is {clean.date(value, date_format)[0]}"
        except (ValueError, AttributeError):
            continue
    return date_format


MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))


_DAY_MONTH_YEAR = rf"(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+)?({MONTH_WORDS})\.?,?\s+(\d{{4}})"


TITLE_RANGE = re.compile(rf"{_DAY_MONTH_YEAR}\s*(?:to|and|until|-|–|—)\s*{_DAY_MONTH_YEAR}", re.I)


TITLE_SINCE = re.compile(rf"(?:since|from)\s+{_DAY_MONTH_YEAR}", re.I)


TITLE_YEARS = re.compile(r"(\d{4})\s*/\s*(\d{2,4})\s*(?:to|and|-|–)\s*(\d{4})\s*/\s*(\d{2,4})", re.I)


def title_period(notes):
    """(from, to or None, the words) of a period a title line states, or None."""
    def day_of(day, month, year, last=False):
        y, m = int(year), MONTHS[month.lower()]
        d = int(day) if day else (calendar.monthrange(y, m)[1] if last else 1)
        return datetime.date(y, m, d)

    for note in notes:
        try:
            if m := TITLE_RANGE.search(note):
                return day_of(*m.groups()[:3]), day_of(*m.groups()[3:], last=True), m.group(0)
            if m := TITLE_YEARS.search(note):
                return datetime.date(int(m.group(1)), 4, 1), datetime.date(int(m.group(3)) + 1, 3, 31), m.group(0)
            if m := TITLE_SINCE.search(note):
                return day_of(*m.groups()), None, m.group(0)
        except (ValueError, KeyError):
            continue
    return None


def propose_period(stats, dates, date_format, lines):
    """`period:` from the title line where it states one, else from the earliest and latest dates."""
    spans = {}
    for value in stats.dates if dates else ():
        span = date_of(value, dates, date_format)
        if span:
            spans[value] = span
    if not spans:
        return None, None
    earliest, latest = min(s[0] for s in spans.values()), max(s[1] for s in spans.values())
    lines.append(f"{'financial years' if dates.how == 'financial year' else 'dates'} found: from {earliest} to {latest}")
    titled = title_period(stats.notes)
    start, end, words = (titled[0], titled[1] or latest, titled[2]) if titled else (earliest, latest, None)
    entry = ["    # The dates the release covers" + (f" (its title says {words!r})" if words else " (the earliest and "
             "latest dates in the rows)") + ": a row dated outside them stops the build",
             f"    period: {{from: {start}, to: {end}}}"]
    if titled:
        lines.append(f"the title says {words!r}: period {start} to {end}")
    before = [(v, n) for v, n in stats.dates.items() if v in spans and spans[v][1] < start]
    after = [(v, n) for v, n in stats.dates.items() if v in spans and spans[v][0] > end]
    outside = []
    for rows, where, edge in ((before, "before", start), (after, "after", end)):
        if rows:
            n = sum(k for _, k in rows)
            line = min(stats.first[("date", v)] for v, _ in rows)
            lines.append(f"{n:,} row{'' if n == 1 else 's'} dated {where} {edge} (first on line {line}): outside the period")
            outside.append(f"    # {n:,} rows are dated {where} {edge} (first on line {line}). To keep them out of "
                           "cautions (in the raw table, with the reason), uncomment the next line")
    if outside:
        outside.append("    # outside_period: exclude")
    return entry, outside
