"""Outcome values, read once each: which are cautions, of what kind, and why.

Every distinct value of a release's outcome column is classified here exactly once, into one of
KINDS, by the release's own `outcomes:` in data/manifest.yml or else by the defaults below. The
decision is published in the `outcome_values` table. A value neither can classify stops the build
(build.py lists each with its count and first line, and the `outcomes:` lines to paste): an
outcome nobody foresaw is never quietly dropped as "not a caution".

The defaults, and why (README.md, "How outcome values are read"):
- Wordings of caution: adult or youth, simple or conditional. "Youth caution" is the statutory
  youth equivalent of the simple caution (Crime and Disorder Act 1998 s66ZA) and "caution" on its
  own is the simple caution, so a wording that does not say "conditional" is a simple caution.
- The Home Office outcome framework by number: Outcome 2 youth caution, Outcome 3 adult caution;
  the Home Office counts simple and conditional together there, so the kind is left not given.
  Every other outcome number (1 charge/summons ... 8 community resolution ... 22) is not a caution.
- police.uk's "Offender given a caution": a caution, adult or youth and kind not given.
- The two-tier framework of the Police, Crime, Sentencing and Courts Act 2022, for offenders aged
  18 and over: the diversionary caution (upper tier: conditions; breach can lead to prosecution
  for the offence) and the community caution (lower tier: conditions; breach can lead to a
  financial penalty). Both are cautions, for adults, with conditions. The community caution also
  replaces penalty notices, cannabis warnings and community resolutions, which were not cautions,
  so counts from either side of the change are not like for like.
- Wordings of everything else forces and police.uk write (charged, penalty notice, community
  resolution, no further action, the police.uk categories...): not a caution.
- A blank outcome: not a caution ("no outcome given"), kept in the raw table with that reason.
A wording of caution is read word by word: every word must be known (caution, adult, youth, simple,
conditional and their abbreviations: cond, cc, acc, ycc...; the 2022 Act's names; a few words
that say nothing, such as "given"). A value with any other word ("caution declined", "not
cautioned", "Caution - CAU2") is never guessed at: the build stops and asks.
"""
import re

# name -> (offender, kind): the kinds of outcome a value can be read as.
# offender: 'adult', 'youth' or None (not given); kind: 'simple', 'conditional', 'diversionary',
# 'community', or None (not given).
KINDS = {
    "adult simple caution": ("adult", "simple"),
    "adult conditional caution": ("adult", "conditional"),
    "youth simple caution": ("youth", "simple"),
    "youth conditional caution": ("youth", "conditional"),
    "adult caution": ("adult", None),
    "youth caution": ("youth", None),
    "simple caution": (None, "simple"),
    "conditional caution": (None, "conditional"),
    "caution": (None, None),
    "adult diversionary caution": ("adult", "diversionary"),
    "adult community caution": ("adult", "community"),
    "not a caution": None,
}
NOT_A_CAUTION = "not a caution"

# The Home Office outcome framework (Police recorded crime outcomes): number -> name.
HOME_OFFICE_OUTCOMES = {
    1: "charge/summons", 2: "youth caution", 3: "adult caution", 4: "taken into consideration",
    5: "offender died", 6: "penalty notice for disorder", 7: "cannabis/khat warning", 8: "community resolution",
    9: "prosecution not in the public interest (CPS)", 10: "formal action not in the public interest (police)",
    11: "prosecution prevented: suspect under age", 12: "prosecution prevented: suspect too ill",
    13: "prosecution prevented: victim or key witness dead or too ill", 14: "evidential difficulties: suspect not identified",
    15: "evidential difficulties: suspect identified, victim supports action",
    16: "evidential difficulties: victim does not support action", 17: "prosecution time limit expired",
    18: "investigation complete, no suspect identified", 19: "National Fraud Intelligence Bureau filed",
    20: "action undertaken by another body or agency", 21: "further investigation not in the public interest",
    22: "diversionary, educational or intervention activity",
}
# A wording is read word by word: each word must be one of these, or the value is not read
# (the build stops and asks). word -> what it says: offender, kind, or nothing (a filler).
_WORDS = {
    "caution": {}, "cautions": {}, "cautioned": {}, "caut": {}, "cau": {},
    "adult": {"offender": "adult"}, "adults": {"offender": "adult"},
    "youth": {"offender": "youth"}, "juvenile": {"offender": "youth"},
    "simple": {"kind": "simple"}, "conditional": {"kind": "conditional"}, "cond": {"kind": "conditional"},
    "condit": {"kind": "conditional"}, "conditions": {"kind": "conditional"},
    "diversionary": {"kind": "diversionary"}, "community": {"kind": "community"},
    # abbreviations forces use for the whole wording
    "cc": {"kind": "conditional"}, "acc": {"offender": "adult", "kind": "conditional"},
    "ycc": {"offender": "youth", "kind": "conditional"}, "yc": {"offender": "youth"},
    "asc": {"offender": "adult", "kind": "simple"}, "ysc": {"offender": "youth", "kind": "simple"},
    # words that say nothing about the kind
    "offender": {}, "given": {}, "issued": {}, "administered": {}, "a": {}, "with": {}, "police": {},
    "formal": {}, "type": {},
}
# The abbreviations that stand for a caution by themselves ("ACC", "YCC").
_CAUTION_WORDS = {"caution", "cautions", "cautioned", "caut", "cau", "cc", "acc", "ycc", "yc", "asc", "ysc"}
# Phrases read as one word before the words are looked up ("18 and over" -> adult).
_PHRASES = [
    (re.compile(r"\b(aged )?(under 18|10 17|10 to 17)\b"), " youth "),
    (re.compile(r"\b(aged )?(18 and over|18 or over|over 18|18 plus|18)\b"), " adult "),
    (re.compile(r"\byoung (person|offender)\b"), " youth "),
]
# The outcome framework by number: "Outcome 3", "OC3", "Type 3", "HO outcome 3", "Outcome type 3".
_OUTCOME_NUMBER = re.compile(r"^(?:ho\s+)?(?:outcome\s+type|outcome|oc|type)\s*(?:no\s*)?0*(\d{1,2})([a-z]?)\b(.*)$")
_NOT_A_CAUTION = re.compile(
    r"\b(charged?|charging|summons(ed)?|requisition(ed)?|penalty notice|pnd|fixed penalty|community resolution|"
    r"local resolution|restorative|warning|no further action|nfa|taken into consideration|tic|discharge|sentence[ds]?|"
    r"fined?|prison|court|not guilty|acquitted|evidential|public interest|no suspect|under investigation|"
    r"another (body|organisation|agency)|other (body|organisation|agency)|died|time limit|prosecution prevented|"
    r"unable to prosecute|status update unavailable|deprived of property|compensation|otherwise dealt with|"
    r"investigation complete|filed|undetected|no crime|cancelled crime|diversionary, educational)\b")


def normalise(value):
    """The form values are compared in: lower case, spacing and punctuation folded."""
    return re.sub(r"[^a-z0-9/]+", " ", value.lower()).strip()


def read_words(text):
    """A normalised wording of a caution -> (offender, kind), or None when a word is not known or
    two words disagree ("adult youth caution", "simple conditional caution")."""
    for pattern, word in _PHRASES:
        text = pattern.sub(word, text)
    said = {"offender": set(), "kind": set()}
    for word in text.replace("/", " ").split():
        meaning = _WORDS.get(word)
        if meaning is None:
            return None
        for what, value in meaning.items():
            said[what].add(value)
    if len(said["offender"]) > 1 or len(said["kind"]) > 1:
        return None
    offender, kind = (next(iter(said[w]), None) for w in ("offender", "kind"))
    if kind in ("diversionary", "community"):
        if offender == "youth":
            return None  # the two-tier cautions are for adults only
        offender = "adult"
    return offender, kind


def classify(value):
    """A value as given -> (kind name, why) by the defaults, or None when they cannot say.

    A caution is read only when every word of the value is known (read_words); a value that names
    no caution is "not a caution" only when it is a wording of another outcome."""
    text = normalise(value)
    if not text:
        return NOT_A_CAUTION, "default: no outcome given"
    number = _OUTCOME_NUMBER.match(text)
    if number:
        n, rest = int(number.group(1)), number.group(3).strip()
        if n not in HOME_OFFICE_OUTCOMES or number.group(2):
            return None
        why = f"default: Home Office outcome {n} ({HOME_OFFICE_OUTCOMES[n]})"
        if n not in (2, 3):  # not a caution, unless the words after the number say one
            return None if _CAUTION_WORDS & set(rest.split()) else (NOT_A_CAUTION, why)
        offender = "youth" if n == 2 else "adult"
        said = read_words(rest) if rest else (None, None)  # the words after the number, read like any wording
        if said is None or said[0] not in (None, offender) or said[1] in ("diversionary", "community"):
            return None
        kind = said[1]
        return (f"{offender} {kind} caution" if kind else f"{offender} caution"), why
    words = set(text.replace("/", " ").split())
    if text == "offender given a caution":
        return "caution", "default: police.uk category (adult or youth, kind not given)"
    if words & _CAUTION_WORDS:
        said = read_words(text)
        if said is None:
            return None
        offender, kind = said
        if kind in ("diversionary", "community"):
            return f"adult {kind} caution", "default: two-tier framework (PCSC Act 2022), offenders aged 18 and over"
        kind = kind or "simple"
        return f"{offender + ' ' if offender else ''}{kind} caution", "default: wording of a caution"
    if _NOT_A_CAUTION.search(text):
        return NOT_A_CAUTION, "default: wording of an outcome that is not a caution"
    return None


def label(offender, kind):
    """What the site calls a kind of caution (the caution_type column)."""
    if offender and kind in ("simple", "conditional", "diversionary", "community"):
        return f"{offender.capitalize()} {kind} caution"
    if offender:
        return f"{offender.capitalize()} caution (simple or conditional not given)"
    if kind:
        return f"{kind.capitalize()} caution (adult or youth not given)"
    return "Caution (type not given)"


# What an age-group cell says of the offender, where the outcome does not.
_YOUTH_AGE = re.compile(r"\s*(1[0-7]|under 18|10\s*-\s*17|10 to 17|juvenile|youth)\s*", re.I)
_ADULT_AGE = re.compile(r"\s*(18\+?|18 and over|18 or over|over 18|adult|(1[89]|[2-9]\d)(\s*-\s*\d+)?)\s*", re.I)


def offender_of_age_group(cell):
    if _YOUTH_AGE.fullmatch(cell):
        return "youth"
    if _ADULT_AGE.fullmatch(cell):
        return "adult"
    return None
