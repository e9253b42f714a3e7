"""One cell to one value. Each function returns the clean value or raises ValueError with a
sentence a journalist can act on; read.py and build.py add the file, line and column."""
import datetime
import re
from functools import lru_cache

# What FOI officers and statisticians write instead of a small or withheld number.
SUPPRESSED = re.compile(r"^(\*+|<\s*\d+|-|–|—|\.\.|\[[a-z]\]|~|n/?a|redacted|suppressed)$", re.I)
LONGEST_SUPPRESSED = len("suppressed")  # no marker is longer: longer cells skip the pattern


@lru_cache(maxsize=4096)
def is_suppressed(cell):
    return bool(SUPPRESSED.match(cell.strip()))


def count(cell):
    """'1,410' -> 1410; '' -> None. A suppressed marker is the caller's business (check first)."""
    text = cell.strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.0+", text):  # spreadsheets turn 12 into 12.0
        return int(text.split(".")[0])
    if re.fullmatch(r"-\d+(\.0+)?", text):
        raise ValueError(f"{cell.strip()!r} is negative: not a possible number of crimes")
    raise ValueError(f"{cell.strip()!r} is not a whole number of crimes")


MAX_CODE_CHARS = 12  # '092/70', '19C', ' 8N ': no offence code as written is longer
_CODE = re.compile(r"0*(\d{1,3})\s*[/.\-]\s*0*(\d{1,3})|0*(\d{1,3})\s*([A-Za-z]?)")
# A cell holding a code and then its description: '092/70 - Possession with intent...', '19C Rape of...'
_CODE_AND_DESCRIPTION = re.compile(r"\s*(0*\d{1,3}\s*[/.]\s*0*\d{1,3}|0*\d{1,3}[A-Za-z]?)(?:\s*[-\u2013:|]\s*|\s+)(\D.*)", re.S)


def offence_code(cell):
    """Home Office codes as forces write them, to one form: '092/70', '92/70' -> '92/70';
    '019/07' -> '19/7'; '19c' -> '19C'. Returns None when the cell holds no code we know how
    to read (the original is kept beside it either way). Called once per distinct value."""
    text = cell.strip()
    if len(text) > MAX_CODE_CHARS:
        return None
    m = _CODE.fullmatch(text)
    if not m:
        return None
    if m.group(1):
        return f"{int(m.group(1))}/{int(m.group(2))}"
    return f"{int(m.group(3))}{m.group(4).upper()}"


MAX_CODE_LENGTH = 64  # what the site's SQL function reads at most: real codes are under 10 characters


def normalise_offence_code(text):
    """The SQL function normalise_offence_code('092/70') -> '92/70', for canned queries. Anyone can
    call it from arbitrary SQL, so input longer than any offence code gives NULL at once, before the
    regular expression sees it: a Python function holds the GIL, and Datasette's time limit cannot
    stop it midway."""
    if isinstance(text, int):
        text = str(text)
    if not text or not isinstance(text, str) or len(text) > MAX_CODE_LENGTH:
        return None
    return offence_code(text)


def code_and_description(cell):
    """'092/70 - Possession with intent to supply cocaine' -> ('92/70', 'Possession with intent to
    supply cocaine'); a cell that does not start with a code -> None."""
    m = _CODE_AND_DESCRIPTION.fullmatch(cell)
    if not m or not m.group(2).strip():
        return None
    return offence_code(m.group(1)), m.group(2).strip()


# The date forms read without `date_format:`. Each: (name, pattern, order of day/month/year).
_TIME = r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
DATE_FORMS = [
    ("dd/mm/yyyy", re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})" + _TIME), "dmy"),
    ("yyyy-mm-dd", re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"(?:Z|[+-]\d{2}:?\d{2})?"), "ymd"),
]
_MONTH_ONLY = re.compile(r"(\d{4})-(\d{2})")  # police.uk gives only the month: kept as ISO 8601 '2018-06'
# Forms a release may use that need `date_format:`, to say which line to add.
_NEEDS_FORMAT = [
    (re.compile(r"\d{1,2}/\d{1,2}/\d{2}"), "%d/%m/%y"),
    (re.compile(r"\d{1,2}-[A-Za-z]{3}-\d{2}"), "%d-%b-%y"),
    (re.compile(r"\d{1,2}-[A-Za-z]{3}-\d{4}"), "%d-%b-%Y"),
    (re.compile(r"\d{1,2} [A-Za-z]{3} \d{4}"), "%d %b %Y"),
    (re.compile(r"\d{1,2} [A-Za-z]{4,} \d{4}"), "%d %B %Y"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}"), "%d.%m.%y"),
]
MAX_DATE_CHARS = 40
_SERIAL = re.compile(r"[1-9]\d{4}(\.\d+)?")  # 10000 (1927) to 99999 (2173): a day number as spreadsheets keep it
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (Lotus's leap-year bug included)
MONTHS = {name.lower(): i for i in range(1, 13)
          for name in (datetime.date(2000, i, 1).strftime("%B"), datetime.date(2000, i, 1).strftime("%b"))}
MONTHS["sept"] = 9


def date(cell, date_format=None):
    """One date cell -> (ISO date, time or None, the form it was read as). Raises ValueError.

    Without `date_format`: dd/mm/yyyy or d/m/yyyy, with an optional time (hh:mm or hh:mm:ss);
    ISO 8601 dates and date-times; a month alone ('2018-06', as police.uk publishes), which
    stays a month: no day is invented. With `date_format` (a strftime pattern from the
    manifest, e.g. '%d-%b-%y'), that form only. Called once per distinct value."""
    text = " ".join(cell.split())  # spaces, no-break spaces and tabs, as a reader sees them
    if len(text) > MAX_DATE_CHARS:
        raise ValueError(f"{text[:40]!r}... is not a date", "write the date as dd/mm/yyyy")
    m = _MONTH_ONLY.fullmatch(text)
    if m and 1 <= int(m.group(2)) <= 12:  # also where date_format is set: a row coarsened to its month
        return text, None, "yyyy-mm (month only)"
    if date_format == "excel":
        return excel_serial(text)
    if date_format:
        try:
            parsed = datetime.datetime.strptime(text, date_format)
        except ValueError:
            raise ValueError(f"{text!r} is not a date in the form `date_format: {date_format!r}`",
                             "correct the date, or change `date_format:` for this release in data/manifest.yml") from None
        has_time = any(d in date_format for d in ("%H", "%I", "%M", "%S", "%X", "%c"))
        return parsed.date().isoformat(), parsed.time().isoformat() if has_time else None, f"date_format {date_format}"
    for name, pattern, order in DATE_FORMS:
        m = pattern.fullmatch(text)
        if m:
            a, b, c = (int(g) for g in m.groups()[:3])
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                iso = datetime.date(year, month, day).isoformat()
            except ValueError:
                hint = " (it looks like month/day/year; UK releases use day/month/year)" if month > 12 >= day else ""
                fix = "write the date as dd/mm/yyyy" + ("; if the release is month-first throughout, set "
                                                         "`date_format: \"%m/%d/%Y\"` for it in data/manifest.yml" if hint else "")
                raise ValueError(f"{text!r} is not a real date{hint}", fix) from None
            if m.group(4) is None:
                return iso, None, name
            hours, minutes, seconds = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            try:
                clock = datetime.time(hours, minutes, seconds).isoformat()
            except ValueError:
                raise ValueError(f"{text!r} has a time that is not a real time", "correct the time") from None
            return iso, clock, name + (" hh:mm:ss" if m.group(6) else " hh:mm")
    if _SERIAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a date in the form dd/mm/yyyy (it looks like a spreadsheet's serial "
                         f"day number: {excel_serial(text)[0]}?)", "if the release writes every date as a number, "
                         "add `date_format: excel` to it in data/manifest.yml")
    for pattern, suggestion in _NEEDS_FORMAT:
        if pattern.fullmatch(text):
            raise ValueError(f"{text!r} is not a date in the form dd/mm/yyyy",
                             f"if the release writes every date this way, add `date_format: \"{suggestion}\"` "
                             "to it in data/manifest.yml")
    raise ValueError(f"{text!r} is not a date in the form dd/mm/yyyy", "write the date as dd/mm/yyyy")


def financial_year(iso_date):
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def excel_serial(text):
    """'42461' -> ('2016-04-01', None, ...); '42461.5' -> ('2016-04-01', '12:00:00', ...): a date as a
    spreadsheet stores it, days since 30 December 1899 (and the time as a fraction of a day)."""
    if not _SERIAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a spreadsheet date number (`date_format: excel`: days since 1900, "
                         "such as 42461)", "correct the cell, or change `date_format:` for this release")
    moment = _EXCEL_EPOCH + datetime.timedelta(days=float(text))
    moment = moment.replace(microsecond=0) + datetime.timedelta(seconds=round(moment.microsecond / 1e6))
    clock = moment.time().isoformat() if "." in text and moment.time() != datetime.time(0) else None
    return moment.date().isoformat(), clock, "excel serial number"


def date_from_parts(cells, roles):
    """A date split over columns: ('2016', 'April') as (year, month) -> ('2016-04', None, ...), a month
    alone; with a day, the date. Months as numbers, names or abbreviations."""
    parts = dict(zip(roles, (" ".join(c.split()) for c in cells)))
    text = " / ".join(parts[r] for r in roles)
    year = parts["year"].removesuffix(".0")
    if not re.fullmatch(r"\d{4}", year):
        raise ValueError(f"{text!r}: the year {parts['year']!r} is not a year", "write the year as yyyy")
    month_text = parts["month"].removesuffix(".0").lower().rstrip(".")
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text)
    if month is None and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", month_text) and month_text[:4] == year:
        month = int(month_text[5:7])  # a month column holding the month's first day, as spreadsheets write it
    if not month or not 1 <= month <= 12:
        raise ValueError(f"{text!r}: the month {parts['month']!r} is not a month", "write the month as 1 to 12 or its name")
    if "day" not in parts:
        return f"{year}-{month:02d}", None, "year and month in two columns"
    day = parts["day"].removesuffix(".0")
    try:
        return datetime.date(int(year), month, int(day)).isoformat(), None, "day, month and year in three columns"
    except ValueError:
        raise ValueError(f"{text!r} is not a real date", "correct the day") from None


_FINANCIAL_YEAR = re.compile(r"(?:fy\s*)?(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})(?:\s*fy)?", re.I)


def financial_year_cell(cell):
    """'2015/16', '2015-16', '2015/2016', 'FY 2015-16' -> '2015/16' (April 2015 to March 2016)."""
    text = " ".join(cell.split())
    m = _FINANCIAL_YEAR.fullmatch(text)
    if m:
        start, end = int(m.group(1)), m.group(2)
        if int(end) % 100 == (start + 1) % 100 and (len(end) == 2 or int(end) == start + 1):
            return f"{start}/{(start + 1) % 100:02d}"
    raise ValueError(f"{text!r} is not a financial year", "write it as 2015/16 (April 2015 to March 2016)")
