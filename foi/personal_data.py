"""Personal data in a text value: the patterns, UK formats first, and how a value is masked.

Each pattern is tested with values it must find and values it must not (tests/test_personal_data.py):
offence descriptions, place names, dates, codes and references as releases carry them.

    kinds_in("Offender Mr John Smith, tel 07700 900123")  -> {"name", "phone"}
    mask("Offender Mr John Smith, tel 07700 900123")      -> "Offender Mr J*** S****, tel 077** ******"

Names: a title (Mr, Mrs, Ms, Miss, Mx, Dr) followed by a capitalised word or an initial; or a
common forename followed by a common surname (`data/reference/common_names.csv`: 364 forenames and
500 surnames of Great Britain, from Faker's en_GB list, MIT; the forenames are from ONS's baby-names
tables). A surname alone, or a forename alone, is not a finding: "Green", "Hill" and "Rose" are words.
"""
import csv
import re
from functools import lru_cache
from pathlib import Path

NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "reference" / "common_names.csv"

# kind -> how the report words it
KINDS = {
    "email": "e-mail address",
    "phone": "UK phone number",
    "postcode": "full UK postcode",
    "ni_number": "National Insurance number",
    "date_of_birth": "date of birth",
    "vehicle": "vehicle registration",
    "address": "house number and street",
    "name": "person's name",
    "free_text": "free text (sentences)",
    "small_numbers": "a sexual offence identifiable by its small number",
}

_B = r"(?<![\w@./+-])"   # a value starts here: not inside a word, a number, a path or an address
_E = r"(?![\w@/-])"       # ... and ends here (a full stop may follow)
_DATE = (r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|\d{4}-\d{2}-\d{2}"
         r"|\d{1,2}(?:st|nd|rd|th)? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* (?:19|20)\d{2})")
STREET_TYPES = ("Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Crescent|Way|Place|Court|Gardens|Grove|Terrace"
                "|Hill|Park|Square|Mews|Walk|Row|View|Rise|Green|Parade|Gate|End|Wharf|Yard|Meadow|Meadows|Fields")
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")
KEPT_WORDS = {*TITLES, "DOB", "D", "O", "B", "born", "Born", "on", "date", "Date", "of", "birth", "Birth"}

PATTERNS = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    # 01/02/03/07/08 numbers of 10 or 11 digits, spaced or not; +44 for the 0
    "phone": re.compile(_B + r"(?:\+44\s?\(?0?\)?\s?|\(?0)(?:[1-37-8]\d{1,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4})" + _E),
    "postcode": re.compile(_B + r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY])"
                           r" ?\d[ABD-HJLNP-UW-Z]{2})" + _E, re.IGNORECASE),
    "ni_number": re.compile(_B + r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"
                            + _E),
    "date_of_birth": re.compile(r"(?:\bDOB\b|\bD\.O\.B\b\.?|\b[Dd]ate of [Bb]irth\b|\b[Bb]orn(?: on)?\b|\b[Bb]irth ?date\b)[:\s-]*"
                                + _DATE, re.IGNORECASE),
    # current (AB12 CDE), prefix (A123 BCD) and suffix (ABC 123D); capitals only, as plates are written
    "vehicle": re.compile(_B + r"(?:[A-HJ-PR-Y][A-HJ-PR-Y]\d{2} ?[A-HJ-PR-Z]{3}|[A-HJ-NP-Y]\d{1,3} ?[A-HJ-PR-Y][A-Z]{2}"
                          r"|[A-HJ-PR-Y][A-Z]{2} ?\d{1,3}[A-HJ-NP-Y])" + _E),
    "address": re.compile(_B + r"\d{1,4}[A-Za-z]?,? (?:[A-Z][a-z']+[ -]){1,3}(?:" + STREET_TYPES + r")\b"),
}
_TITLED = re.compile(r"\b(?:" + "|".join(TITLES) + r")\.? (?:[A-Z]\.? ?)*[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?")
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?\b")
_INITIAL = re.compile(r"[A-Z]\.?")
# header words that make a whole column a date of birth
DOB_HEADERS = re.compile(r"\b(?:dob|d o b|date of birth|birth ?date|born|birthday)\b")


@lru_cache(maxsize=1)
def common_names():
    """-> (forenames, surnames) from data/reference/common_names.csv."""
    forenames, surnames = set(), set()
    with open(NAMES_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            (forenames if row["kind"] == "forename" else surnames).add(row["name"])
    return frozenset(forenames), frozenset(surnames)


_STREET_WORDS = frozenset(STREET_TYPES.split("|"))
_NEXT_WORD = re.compile(r"\s+([A-Z][a-z]+)")


def _names(value):
    """Spans of people's names: a title and a capitalised word; a forename, optional initials, a surname
    (not a street named after one: "John Smith Drive", "Stanley Hill")."""
    spans = [m.span() for m in _TITLED.finditer(value)]
    forenames, surnames = common_names()
    words = list(_CAPITALISED.finditer(value))
    for i, word in enumerate(words):
        if word.group() not in forenames:
            continue
        for later in words[i + 1:i + 2]:
            between = value[word.end():later.start()]
            if re.fullmatch(r" (?:[A-Z]\.? )*", between) and later.group().split("-")[0] in surnames \
                    and later.group() not in _STREET_WORDS:
                after = _NEXT_WORD.match(value, later.end())
                if not (after and after.group(1) in _STREET_WORDS):
                    start = word.start()
                    while (before := re.search(r"([A-Z][a-z]+) $", value[:start])) and before.group(1) in forenames:
                        start = before.start(1)  # "Sarah Jane Brown"
                    spans.append((start, later.end()))
    return spans


# A section of an Act as offence wordings write it ("S2 PHA", "S20 GBH", "S4 POA"): the shape of an
# old-style number plate (A123 BCD), but a statute's initials, not a car.
_SECTION_OF_AN_ACT = re.compile(r"[Ss] ?\d{1,3} ?(?:PHA|POA|CJA|SOA|MDA|RTA|GBH|ABH|OAP|CDA|TOA|FAA|PCA|CPA)")
_WITH_DIGITS = ("phone", "postcode", "ni_number", "date_of_birth", "vehicle", "address")
# every pattern with digits in one, to pass over most values in one search
_ANY_WITH_DIGITS = re.compile("|".join(("(?i:%s)" if PATTERNS[k].flags & re.IGNORECASE else "(?:%s)")
                                       % PATTERNS[k].pattern for k in _WITH_DIGITS))


def find(value):
    """-> [(kind, start, end)] for each piece of personal data in one text value."""
    found = []
    if "@" in value:
        found += [("email", *m.span()) for m in PATTERNS["email"].finditer(value)]
    if _ANY_WITH_DIGITS.search(value):
        for kind in _WITH_DIGITS:
            found += [(kind, *m.span()) for m in PATTERNS[kind].finditer(value)
                      if (kind != "phone" or len(re.sub(r"\D", "", m.group().replace("(0)", "").replace("+44", "0", 1)))
                          in (10, 11)) and not (kind == "vehicle" and _SECTION_OF_AN_ACT.fullmatch(m.group()))]
    if any(c.isupper() for c in value[1:]) or value[:1].isupper():
        found += [("name", *span) for span in _names(value)]
    return found


def kinds_in(value):
    return {kind for kind, _, _ in find(value)}


def mask(value, spans=None):
    """The value with each piece of personal data masked: each word's first letter kept (and a phone
    number's first three digits), every other letter and digit a '*'; titles and DOB stay."""
    spans = find(value) if spans is None else spans
    out = list(value)
    for kind, start, end in spans:
        kept_digits = 3 if kind == "phone" else 0
        for token in re.finditer(r"\w+", value[start:end]):
            if token.group() in KEPT_WORDS:
                continue
            for i, c in enumerate(token.group()):
                if c.isdigit() and kept_digits:
                    kept_digits -= 1
                elif i or not c.isalpha():
                    out[start + token.start() + i] = "*"
    return "".join(out)


def mask_whole(value):
    """A value shown masked whatever it holds (a cell of a column flagged as a whole)."""
    return re.sub(r"(?<=\w)\w", "*", value)


@lru_cache(maxsize=1)
def offence_titles():
    """The offence lookup's descriptions (data/reference/offence_codes.csv), lower case: a column of
    these is a category, not free text, even where each is on one row."""
    with open(NAMES_FILE.with_name("offence_codes.csv"), encoding="utf-8", newline="") as f:
        return frozenset(" ".join(row["description"].lower().split()) for row in csv.DictReader(f))


def is_sentence(value):
    """A value that reads as a sentence: at least six words, three of them lower case, 30 characters or more."""
    if len(value) < 30 or " ".join(value.lower().split()) in offence_titles():
        return False
    words = value.split()
    return len(words) >= 6 and sum(1 for w in words if w.isalpha() and w.islower()) >= 3


def is_date_of_birth_header(header):
    return bool(DOB_HEADERS.search(re.sub(r"[^a-z0-9]+", " ", header.lower())))
