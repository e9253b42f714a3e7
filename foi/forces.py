"""The 43 territorial forces and England and Wales bank holidays (data/reference/), for a round
robin: a force found by its name, the working days a reply took."""
import csv
import datetime
import difflib
from dataclasses import dataclass
from pathlib import Path

from .fields import header_key


ALL_FORCES = "all territorial forces"


@dataclass(frozen=True)
class Force:
    name: str
    ons_code: str
    country: str


def read_forces(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [Force(r["name"], r["ons_code"], r["country"]) for r in csv.DictReader(f)]


def read_bank_holidays(path):
    with open(path, encoding="utf-8", newline="") as f:
        return {datetime.date.fromisoformat(r["date"]) for r in csv.DictReader(f)}


def force_key(name):
    """'Thames Valley Police', 'Devon & Cornwall Constabulary' -> 'thames valley', 'devon and cornwall'."""
    words = header_key(str(name).replace("&", " and ")).split()
    return " ".join(w for w in words if w not in {"the", "police", "constabulary", "service", "force"})


def find_force(name, forces):
    key = force_key(name)
    return next((f for f in forces if force_key(f.name) == key), None)


def closest_forces(name, forces):
    keys = {force_key(f.name): f.name for f in forces}
    near = difflib.get_close_matches(force_key(name), list(keys), n=3, cutoff=0.5)
    return [keys[k] for k in near]


def working_days(sent, answered, holidays, covered=None):
    """Working days after `sent` up to and including `answered`: the day a request is received is
    day 0, so a reply on the 20th working day after it is on time."""
    if covered and not (covered[0] <= sent.year and answered.year <= covered[1]):
        raise ValueError(f"the bank holidays table covers {covered[0]}-{covered[1]}")
    days, day = 0, sent
    while day < answered:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            days += 1
    return days


def financial_years(period_from, period_to):
    """['2015/16', '2016/17'] for 2015-04-01..2017-03-31; None unless the period is whole financial years."""
    if not (period_from.month, period_from.day) == (4, 1) or not (period_to.month, period_to.day) == (3, 31) \
            or period_to.year <= period_from.year:
        return None
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(period_from.year, period_to.year)]


def as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"


REFERENCE_FILES = {"forces": "forces.csv", "bank_holidays": "bank_holidays_england_wales.csv"}


def reference(path, manifest, name):
    """A national reference table: the manifest's own (`forces:`, `bank_holidays:`, beside it), or this
    repository's data/reference/."""
    given = manifest.get(name)
    return Path(path).parent / str(given) if given else REFERENCE / REFERENCE_FILES[name]
