"""Offences, read once per distinct (code, description) pair of a release.

The lookup is data/reference/offence_codes.csv: Home Office codes with their descriptions, group
and the is_ flags the headline figures count. A pair is read, in this order:
1. a code the release gives ('092/70', '19C'), written in one form;
2. a cell holding a code and its description together ('092/70 - Possession with intent...',
   '19C Rape of a female aged 16 and over'), split;
3. no code: the release's own `offences:` (description as given: code), then the description
   found in the lookup, ignoring case, spacing and punctuation. Where a description is both a class
   and a detailed code ('Sexual assault on a female child under 13': 20B and 20/6), the detailed code.
What each pair was read as, and how, is the published `offence_matches` table.
"""
import csv
import re
from dataclasses import dataclass

from . import clean
from .errors import ReleaseError

FLAG = re.compile(r"^is_|^victim_child_under_13$")


def description_key(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Match:
    code: str | None          # the code in one form, or None
    code_as_given: str | None
    description: str | None   # the description kept in cautions
    how: str
    suppressed: int = 0       # cells of the pair that held a suppression marker


class Lookup:
    """The offence code lookup: by code, and by description."""

    def __init__(self, path):
        if not path.exists():
            raise ReleaseError(path, "the offence code lookup does not exist",
                               "restore data/reference/offence_codes.csv, or correct `offence_codes:` in the manifest")
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            self.columns = list(reader.fieldnames or [])
            self.rows = list(reader)
        missing = {"code", "description", "offence_group"} - set(self.columns)
        if missing:
            raise ReleaseError(path, f"the offence code lookup has no column {', '.join(sorted(missing))}",
                               "restore data/reference/offence_codes.csv")
        self.flags = [c for c in self.columns if FLAG.search(c)]
        for line, row in enumerate(self.rows, 2):
            for flag in self.flags:
                value = (row[flag] or "0").strip()
                if value not in ("0", "1"):
                    raise ReleaseError(path, f"flag {flag} is {value!r}, not 0 or 1", "write 1 or 0 in every is_ column",
                                       line=line, column=flag)
                row[flag] = int(value)
        self.by_code = {row["code"]: row for row in self.rows}
        by_description = {}
        for row in self.rows:
            by_description.setdefault(description_key(row["description"]), []).append(row)
        self.by_description = {}
        for key, rows in by_description.items():
            detailed = [r for r in rows if "/" in r["code"]] or rows
            self.by_description[key] = detailed[0]["code"] if len(detailed) == 1 else None  # None: ambiguous

    def read(self, code_cell, description_cell, declared):
        """One distinct (code cell, description cell) pair -> Match. `declared` is the release's
        `offences:` (description as given -> code)."""
        code_given, description, suppressed = " ".join(code_cell.split()), " ".join(description_cell.split()), 0
        if code_given and clean.is_suppressed(code_given):
            code_given, suppressed = "", suppressed + 1
        if description and clean.is_suppressed(description):
            description, suppressed = "", suppressed + 1
        if code_given:
            code = clean.offence_code(code_given)
            if code is None and (split := clean.code_and_description(code_given)):
                code, in_cell = split
                return self._known(code, code_given, description or in_cell, "code and description in one cell",
                                   suppressed)
            return self._known(code, code_given, description, "code as given", suppressed)
        if not description:
            return Match(None, None, None, "no code or description given", suppressed)
        if (split := clean.code_and_description(description)) and split[0]:
            code, in_cell = split
            return self._known(code, None, in_cell, "code and description in one cell", suppressed)
        for given, code in declared.items():
            if description_key(given) == description_key(description):
                return self._known(clean.offence_code(str(code)) or str(code), None, description,
                                   "offences: in data/manifest.yml", suppressed)
        key = description_key(description)
        if key in self.by_description:
            code = self.by_description[key]
            if code is None:
                return Match(None, None, description, "description matches more than one code in the lookup", suppressed)
            return Match(code, None, description, "description found in the lookup", suppressed)
        return Match(None, None, description, "description not in the lookup", suppressed)

    def _known(self, code, code_given, description, how, suppressed):
        known = self.by_code.get(code) if code else None
        if code_given and not known:
            how = "code not in the lookup" if code else "not a code this build can read"
        return Match(code, code_given, description or (known["description"] if known else None), how, suppressed)

    def group(self, code):
        known = self.by_code.get(code) if code else None
        return known["offence_group"] if known else None
