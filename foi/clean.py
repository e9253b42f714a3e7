"""One cell to one value. Each function returns the clean value or raises ValueError with a
sentence a journalist can act on; read.py and build.py add the file, line and column."""
import datetime
import re
from functools import lru_cache

# What FOI officers and statisticians write instead of a small or withheld number.
SUPPRESSED = re.compile(r"^(\*+|<\s*\d+|-|–|—|\.\.|\[[a-z]\]|~|n/?a|redacted|suppressed)$", re.I)
LONGEST_SUPPRESSED = len("suppressed")  # no marker is longer: longer cells skip the pattern
TOTAL_LABEL = re.compile(r"^(grand\s+)?totals?\b", re.I)


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


@lru_cache(maxsize=4096)
def offence_code(cell):
    """Home Office codes as forces write them, to one form: '092/70', '92/70' -> '92/70';
    '019/07' -> '19/7'; '19c' -> '19C'. Returns None when the cell holds no code we know how
    to read (the original is kept beside it either way)."""
    text = cell.strip()
    m = re.fullmatch(r"0*(\d{1,3})\s*[/.\-]\s*0*(\d{1,3})", text)
    if m:
        return f"{int(m.group(1))}/{int(m.group(2))}"
    m = re.fullmatch(r"0*(\d{1,3})\s*([A-Za-z]?)", text)
    if m:
        return f"{int(m.group(1))}{m.group(2).upper()}"
    return None


_DATE_FORMATS = [
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"), "dmy"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?"), "ymd"),
]
_MONTH_ONLY = re.compile(r"(\d{4})-(\d{2})")  # police.uk gives only the month: kept as ISO 8601 '2018-06'


@lru_cache(maxsize=8192)
def date(cell):
    """'01/04/2015' (dd/mm/yyyy, as UK forces write it) or '2015-04-01' -> '2015-04-01'.
    A month alone ('2018-06', as police.uk publishes) stays a month: no day is invented."""
    text = cell.strip()
    m = _MONTH_ONLY.fullmatch(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return text
    for pattern, order in _DATE_FORMATS:
        m = pattern.fullmatch(text)
        if m:
            a, b, c = (int(g) for g in m.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                return datetime.date(year, month, day).isoformat()
            except ValueError:
                hint = " (it looks like month/day/year; UK releases use day/month/year)" if month > 12 >= day else ""
                raise ValueError(f"{text!r} is not a real date{hint}") from None
    raise ValueError(f"{text!r} is not a date in the form dd/mm/yyyy")


def financial_year(iso_date):
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


@lru_cache(maxsize=1024)
def caution(outcome, age_group=""):
    """'Adult simple caution' -> ('Adult simple caution', 'adult', 0). Returns None when the
    outcome is not a caution at all (a charge, a penalty notice...)."""
    text = outcome.lower()
    if "caution" not in text or "not" in text.split():
        return None
    if re.search(r"\b(youth|juvenile|young)", text):
        offender = "youth"
    elif "adult" in text:
        offender = "adult"
    elif re.fullmatch(r"\s*(1[0-7]|under 18|10\s*-\s*17|juvenile)\s*", age_group.lower()):
        offender = "youth"
    else:
        offender = None
    conditional = int("conditional" in text)
    kind = "conditional" if conditional else "simple"
    if offender:
        label = f"{offender.capitalize()} {kind} caution"
    else:
        label = "Conditional caution (adult or youth not given)" if conditional else "Caution (type not given)"
    return label, offender, conditional
