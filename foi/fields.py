"""The fields of a row-level release, and the header names each goes by (the tables the build
makes are declared in foi/schema.py).

A release's `columns:` in data/manifest.yml maps a field to the header that release uses;
a field it does not map is looked for under the synonyms below. Headers are compared after
`header_key()`: lower case, anything but letters and digits squeezed to one space.
"""
import re

# field -> (required?, synonyms)
ROW_FIELDS = {
    "crime_reference": (True, ["crime reference", "crime ref", "crime reference number", "crime number",
                               "crime no", "crime id", "urn", "occurrence number", "reference", "ref"]),
    "offence_code": (False, ["offence code", "ho code", "home office offence code", "ho offence code",
                            "home office code", "ho class", "home office class", "hoc", "crime code",
                            "offence classification code"]),
    "offence_description": (False, ["offence description", "offence", "offence title", "description",
                                    "offence type", "home office offence description", "crime type",
                                    "ho description"]),
    "outcome": (True, ["outcome", "outcome type", "outcome description", "disposal", "disposal type",
                       "final outcome", "result", "caution type", "last outcome category", "outcome category"]),
    "outcome_date": (True, ["outcome date", "date of outcome", "disposal date", "caution date",
                            "date of caution", "date outcome recorded", "date", "month"]),
    # A release with no date, only the financial year (April to March) of each crime.
    "financial_year": (False, ["financial year", "fin year", "fy", "financial year of outcome"]),
    "age_group": (False, ["offender age group", "age group", "age band", "offender age band",
                          "offender age", "age"]),
}


def unique_column_names(headers, own):
    """Column names for a table of a release's cells: each header as written (SQLite compares names
    ignoring case, so a repeat in any case gets ' (2)'), and the build's `own` columns renamed out of
    the way of the release's ('_source_line')."""
    names, seen = [], set()
    for i, header in enumerate(headers):
        base = header.replace("\x00", "") or f"column {i + 1}"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name.lower())
        names.append(name)
    renamed = []
    for column in own:
        while column.lower() in seen:
            column = "_" + column
        seen.add(column.lower())
        renamed.append(column)
    return names, renamed


def header_key(text):
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def match_columns(headers, mapping, fields=ROW_FIELDS):
    """Return ({field: column index}, [problems]) for a header row.

    `mapping` is the release's `columns:` from the manifest (field -> header or list of headers).
    A field the manifest maps must be found under that name; otherwise its synonyms are tried.
    """
    keys = [header_key(h) for h in headers]
    found, problems = {}, []
    for field, (required, synonyms) in fields.items():
        declared = mapping.get(field)
        names = ([declared] if isinstance(declared, str) else list(declared)) if declared else synonyms
        hits = [i for i, k in enumerate(keys) if k in {header_key(n) for n in names}]
        if not declared:  # synonyms: take the best-ranked one present
            for name in names:
                ranked = [i for i, k in enumerate(keys) if k == header_key(name)]
                if ranked:
                    hits = ranked
                    break
        if len(hits) > 1:
            problems.append((field, f"{len(hits)} columns are called {headers[hits[0]]!r} "
                                    f"(columns {', '.join(str(i + 1) for i in hits)})"))
        elif hits:
            found[field] = hits[0]
        elif required or declared:
            looked_for = repr(declared) if declared else "any of " + ", ".join(repr(s) for s in synonyms[:4]) + "..."
            problems.append((field, f"no column for {field} (looked for {looked_for})"))
    return found, problems
