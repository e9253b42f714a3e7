"""Recognising what a cell holds, for `build.py describe`: a number, a date (as written or an Excel
serial number), a financial year, a month."""
import calendar
import datetime
import json
import re
from functools import lru_cache

from . import clean, read
from .fields import ROW_FIELDS, header_key


PLACEHOLDERS = [
    ("title", "what the release is, e.g. Crimes resolved by caution, April 2015 to March 2017"),
    ("authority", "who released it, e.g. West Midlands Police"),
    ("foi_reference", "the force's reference, e.g. FOI 2017/123"),
    ("requested", "yyyy-mm-dd, when the request was made"),
    ("answered", "yyyy-mm-dd, when the force answered (later outcome dates are an error)"),
    ("source_url", "https://... where the release can be seen (disclosure log, the story)"),
    ("licence", "e.g. Open Government Licence v3.0"),
]


DATE_NAMES = {header_key(name) for name in ROW_FIELDS["outcome_date"][1]}


HEAD_ROWS = 2_000        # rows read to find the header and what each column holds


MOSTLY = 0.9             # the share of a column's filled cells that decides what it holds


TOTAL_LABELS = {"total", "totals", "grand total", "all"}


EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)


SERIAL_RANGE = (20_000, 60_000)            # 1954-10-03 to 2064-04-08: serial numbers a release may hold


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


def yaml_text(value):
    return json.dumps(value, ensure_ascii=False) if re.search(r"[:#\[\]{}&*!|>'\"%@`,]|^\s|\s$|^$", value) \
        or value.lower() in ("yes", "no", "true", "false", "null", "on", "off") or re.fullmatch(r"[\d.\-/]+", value) \
        else value


@lru_cache(maxsize=65536)
def is_number(text):
    return bool(text) and (clean.is_suppressed(text) or bool(re.fullmatch(r"-?[\d,]*\d(\.\d+)?", text)))


@lru_cache(maxsize=65536)
def is_date(text):
    """A date the build reads by itself, or one it reads with a `date_format:` it can name."""
    if not text or len(text) > clean.MAX_DATE_CHARS or not any(ch.isdigit() for ch in text):
        return False
    try:
        clean.date(text)
        return True
    except ValueError as e:
        return len(e.args) > 1 and "date_format" in e.args[1]


def serial_date(text):
    """An Excel serial number ('42461', '42461.5') -> the date it stands for, or None."""
    if not re.fullmatch(r"\d{5}(\.\d+)?", text):
        return None
    number = float(text)
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return None
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


FINANCIAL_YEAR = re.compile(r"(?:fy\s*)?(\d{4})\s*[/\-]\s*(\d{2}|\d{4})", re.I)


def financial_year(text):
    """'2015/16', '2015-16', '2015/2016', 'FY 2015/16' -> 2015 (the year it starts), or None."""
    m = FINANCIAL_YEAR.fullmatch(text)
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return start if end in ((start + 1) % 100, start + 1) else None


def month_number(text):
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 12:
        return int(text)
    return MONTHS.get(text.lower().rstrip("."))


def is_page_line(text):
    return bool(read.PAGE_LINE.fullmatch(text))
