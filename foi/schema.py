"""The fields of a row-level release, and the header names each goes by.

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


# The tables the build writes, each column list declared once (name -> type).
RELEASES_COLUMNS = {
    "id": str, "kind": str, "title": str, "authority": str, "foi_reference": str, "requested": str,
    "answered": str, "source_url": str, "licence": str, "description": str, "is_sample": int,
    "file_name": str, "sha256": str, "bytes": int, "encoding": str, "line_endings": str, "delimiter": str,
    "sheet": str, "table_name": str, "raw_table": str, "rows_read": int, "rows_loaded": int, "rows_rejected": int,
    "blank_rows": int, "suppressed_cells": int, "total_row": str, "notes": str,
    "unmapped_columns": str, "extra_columns": str, "unknown_offence_codes": str, "unmatched_descriptions": str,
    "rows_are": str, "earliest_date": str, "latest_date": str, "rows_outside_period": int,
    "file_format": str, "skipped_lines": str,
    "disclosure": str,
}
CAUTIONS_COLUMNS = {
    "id": int, "release_id": str, "source_line": int, "crime_reference": str,
    "offence_code": str, "offence_code_as_given": str, "offence_description": str, "offence_description_id": int,
    "offence_group": str,
    "caution_type": str, "offender": str, "conditional": int, "outcome_as_given": str,
    "outcome_date": str, "outcome_time": str, "financial_year": str, "month": str, "age_group": str, "is_sample": int,
}
# The cleaning decisions, one row per distinct value of a release (README, "How a release is read").
OUTCOME_VALUES_COLUMNS = {
    "release_id": str, "value": str, "rows": int, "first_line": int, "classified_as": str, "caution_type": str,
    "decided_by": str,
}
OFFENCE_MATCHES_COLUMNS = {
    "release_id": str, "code_as_given": str, "description_as_given": str, "rows": int, "first_line": int,
    "offence_code": str, "offence_description": str, "how": str,
}
DATE_VALUES_COLUMNS = {
    "release_id": str, "value": str, "rows": int, "first_line": int, "outcome_date": str, "outcome_time": str,
    "form": str,
}

# The disclosure check (foi/disclosure.py): one row per finding and per withheld column; never a value.
DISCLOSURE_COLUMNS = {
    "release_id": str, "sheet": str, "column_name": str, "finding": str, "where_found": str, "rows": int,
    "decision": str, "decided_by": str, "decided_on": str, "note": str,
}
PUBLISHED_TOTALS_COLUMNS = {
    "release_id": str, "source_line": int, "label": str, "kind": str, "column_name": str, "published": int,
    "rows_add_up_to": int, "status": str,
}

# Tables build.py makes itself; a counts release's `table:` may not take one of these names.
BUILT_TABLES = {"releases", "offence_codes", "offence_descriptions", "cautions", "monthly_cautions",
                "headline_figures", "outcome_values", "offence_matches", "date_values", "published_totals", "cautions_by_code",
                "requests", "replies", "story_releases"}
BUILT_PREFIXES = ("raw_", "offence_descriptions_fts", "offence_codes_fts", "sqlite_")


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


# A round robin (README, "A round robin"): the request sent to many authorities, and one row per
# authority it went to. An authority with no release is 'no reply'. NULL, never 0, for a figure
# that was not given (a refusal, no reply) or cannot be compared (a period that is not whole
# financial years: `requests.comparison` says why).
REQUESTS_COLUMNS = {
    "id": str, "question": str, "sent": str, "recipients": str, "period_from": str, "period_to": str,
    "authorities": int, "answered": int, "partial": int, "refused": int, "no_reply": int,
    "comparison": str, "is_sample": int,
}
REPLIES_COLUMNS = {
    "request_id": str, "authority": str, "force_code": str, "country": str, "status": str, "refusal": str,
    "sent": str, "answered": str, "working_days": int, "late": int, "release_id": str, "total": int,
    "home_office_cautions": int, "ratio_to_home_office": float, "recorded_crime": int,
    "rate_per_1000_crimes": float, "is_sample": int,
}
REPLY_STATUSES = ("answered", "partial", "refused", "no reply")
