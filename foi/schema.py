"""Every table the build makes, declared once: its columns, their types, and a line on each.

build.py's create_schema, the loaders (foi/rows.py and foi/cautions_table.py, foi/counts.py,
foi/replies.py, foi/disclosure.py), the manifest check (a counts release's `table:` may not take
one of these names) and the site's column notes (metadata.yml's `columns:`, which
tests/test_schema.py holds to these) all read it. A release's own tables (its raw_ cells, a
counts release's `table:`) and the full-text indexes come on top, named by BUILT_PREFIXES.
"""
from typing import NamedTuple


class Table(NamedTuple):
    """One table the build makes: what it holds, and its columns (name -> (type, note)), in order;
    None where they come from elsewhere (named in `description`)."""
    description: str
    columns: dict | None

    @property
    def types(self):
        """name -> type, as sqlite-utils creates a table from."""
        return {name: kind for name, (kind, _) in self.columns.items()}

    @property
    def notes(self):
        return {name: note for name, (_, note) in self.columns.items()}


RELEASE_ID = (str, "The release (see the releases table)")
ROWS = (int, "Rows of the release that carry it")
FIRST_LINE = (int, "The line of the release file it first appears on")
IS_SAMPLE = (int, "1 when it comes from a sample, not a real release")

TABLES = {
    "releases": Table("Each file loaded, where it came from, and what the build found in it.", {
        "id": (str, "The release's id in data/manifest.yml"), "kind": (str, "rows (one row per crime) or counts"),
        "title": (str, "What the release is"), "authority": (str, "The force that answered"),
        "foi_reference": (str, "The force's reference for the request"), "requested": (str, "When it was asked for"),
        "answered": (str, "When the force answered"), "source_url": (str, "Where the release can be seen"),
        "licence": (str, "The licence it was released under"), "description": (str, "A note on the release"),
        "is_sample": IS_SAMPLE, "file_name": (str, "The file as the force sent it"),
        "sha256": (str, "The file's SHA-256 digest"), "bytes": (int, "The file's size"),
        "encoding": (str, "The text encoding it was read in"), "line_endings": (str, "Its line endings"),
        "delimiter": (str, "Its CSV delimiter"), "sheet": (str, "The spreadsheet sheet read"),
        "table_name": (str, "The table its rows went into"), "raw_table": (str, "The view of its original cells"),
        "rows_read": (int, "Data rows read"), "rows_loaded": (int, "Rows loaded into its table"),
        "rows_rejected": (int, "Rows read but not loaded (the reason is in its raw table)"),
        "blank_rows": (int, "Blank rows skipped"), "suppressed_cells": (int, "Cells the force suppressed (*, ..)"),
        "total_row": (str, "Its total row, and whether it matches the rows"), "notes": (str, "Notes in the file"),
        "unmapped_columns": (str, "Headers the manifest does not map"),
        "extra_columns": (str, "Those headers' columns in cautions"),
        "unknown_offence_codes": (str, "Offence codes not in the lookup, with their rows"),
        "unmatched_descriptions": (str, "Offence descriptions no code matches, with their rows"),
        "rows_are": (str, "What one row is: crimes, offences or offenders"),
        "earliest_date": (str, "Its earliest outcome date"), "latest_date": (str, "Its latest outcome date"),
        "rows_outside_period": (int, "Rows dated outside its period, excluded"),
        "file_format": (str, "The file's format"), "skipped_lines": (str, "Lines that are not data, skipped"),
        "disclosure": (str, "What the disclosure check found (see the disclosure table)"),
    }),
    "cautions": Table("One row per crime resolved with a caution, cleaned from the release named in release_id; "
                      "a release's columns the manifest does not map follow these.", {
        "id": (int, "Row number in this database (not the force's reference)"),
        "release_id": (str, "The release this row came from (see the releases table)"),
        "source_line": (int, "Line of the release file this row was read from"),
        "crime_reference": (str, "The force's crime reference, as released"),
        "offence_code": (str, "Home Office offence code in one form (92/70, 19/8, 105A)"),
        "offence_code_as_given": (str, "The offence code exactly as the release wrote it"),
        "offence_description": (str, "Offence as described in the release"),
        "offence_description_id": (int, "The description's number in offence_descriptions, which full-text search "
                                        "reads"),
        "offence_group": (str, "Home Office offence group of the code (blank when the code is not in offence_codes)"),
        "caution_type": (str, "Adult or youth; simple or conditional"),
        "offender": (str, "adult or youth"),
        "conditional": (int, "1 for a conditional caution"),
        "outcome_as_given": (str, "The outcome exactly as the release wrote it"),
        "outcome_date": (str, "Date of the caution (ISO 8601; a month alone where the release gives only the month)"),
        "outcome_time": (str, "Time of the caution, where the release gives one (hh:mm:ss)"),
        "financial_year": (str, "April to March, as the Home Office counts"),
        "month": (str, "Year and month of the caution"),
        "age_group": (str, "Offender's age group, where released"),
        "is_sample": (int, "1 when the row comes from a sample release, not the real one"),
    }),
    "offence_codes": Table("Home Office offence codes and the flags each headline figure counts: the columns of "
                           "data/reference/offence_codes.csv (foi/offences.py)", None),
    "offence_descriptions": Table("Each distinct offence description in the releases, once; search of cautions runs "
                                  "over these.", {
        "id": (int, "The description's number (cautions.offence_description_id)"),
        "description": (str, "The offence as the release describes it"),
    }),
    # The cleaning decisions, one row per distinct value of a release (README, "How a release is read").
    "outcome_values": Table("How each release's outcomes were read: every distinct value, and what it was read as.", {
        "release_id": RELEASE_ID, "value": (str, "The outcome as given"), "rows": ROWS, "first_line": FIRST_LINE,
        "classified_as": (str, "The kind of outcome it was read as (or not a caution)"),
        "caution_type": (str, "The caution type it gives"), "decided_by": (str, "The manifest's outcomes:, or the defaults"),
    }),
    "offence_matches": Table("How each release's offences were read: every distinct code and description, and the "
                             "code found for it.", {
        "release_id": RELEASE_ID, "code_as_given": (str, "The offence code as given"),
        "description_as_given": (str, "The offence description as given"), "rows": ROWS, "first_line": FIRST_LINE,
        "offence_code": (str, "The Home Office code found (blank: none)"),
        "offence_description": (str, "The description, cleaned"), "how": (str, "How the code was found"),
    }),
    "date_values": Table("How each release's dates were read: every distinct date as given and what it became.", {
        "release_id": RELEASE_ID, "value": (str, "The date as given (its cells, for a date over columns)"),
        "rows": ROWS, "first_line": FIRST_LINE, "outcome_date": (str, "The ISO date it became"),
        "outcome_time": (str, "The time it gave, if any"), "form": (str, "The form it was read in"),
    }),
    # The disclosure check (foi/disclosure.py): one row per finding and per withheld column; never a value.
    "disclosure": Table("The disclosure check of each release: what it found, where, and what was decided.", {
        "release_id": RELEASE_ID, "sheet": (str, "The spreadsheet sheet"), "column_name": (str, "The column"),
        "finding": (str, "What kind of personal data or hidden content"), "where_found": (str, "Lines or cells"),
        "rows": (int, "Rows with it"), "decision": (str, "withheld, hidden: checked, reviewed, or the default"),
        "decided_by": (str, "Who decided"), "decided_on": (str, "When"), "note": (str, "Why"),
    }),
    "published_totals": Table("Every total a counts release publishes, beside its rows' sum.", {
        "release_id": RELEASE_ID, "source_line": (int, "The line of the total"), "label": (str, "Its label"),
        "kind": (str, "total row, subtotal row or total column"), "column_name": (str, "The column"),
        "published": (int, "The total as published"), "rows_add_up_to": (int, "What its rows add up to"),
        "status": (str, "Whether they agree"),
    }),
    "monthly_cautions": Table("Crimes resolved by caution, counted by month, type and offence group.", {
        "release_id": RELEASE_ID, "month": (str, "Year and month"), "financial_year": (str, "April to March"),
        "caution_type": (str, "Adult or youth; simple or conditional"), "offender": (str, "adult or youth"),
        "offence_group": (str, "Home Office offence group"), "cautions": (int, "Crimes, each counted once"),
    }),
    "cautions_by_code": Table("Crimes resolved by caution, counted by offence code, financial year and type.", {
        "release_id": RELEASE_ID, "offence_code": (str, "Home Office offence code"),
        "financial_year": (str, "April to March"), "caution_type": (str, "Adult or youth; simple or conditional"),
        "cautions": (int, "Crimes, each counted once"),
    }),
    "headline_figures": Table("Each published figure beside what this build's data gives: the columns "
                              "foi/figures.py's check writes", None),
    # A round robin (README, "A round robin"): the request sent to many authorities, and one row per
    # authority it went to. An authority with no release is 'no reply'. NULL, never 0, for a figure
    # that was not given (a refusal, no reply) or cannot be compared (a period that is not whole
    # financial years: `requests.comparison` says why).
    "requests": Table("Each round robin: one request sent to many forces, when, to whom, and how they answered.", {
        "id": (str, "The request's id"), "question": (str, "What was asked"), "sent": (str, "When it was sent"),
        "recipients": (str, "Whom it went to"), "period_from": (str, "The period asked about: from"),
        "period_to": (str, "to"), "authorities": (int, "Forces it went to"), "answered": (int, "Forces that answered"),
        "partial": (int, "answered in part"), "refused": (int, "refused"), "no_reply": (int, "never replied"),
        "comparison": (str, "Why a total cannot be set beside the Home Office's, if it cannot"),
        "is_sample": IS_SAMPLE,
    }),
    "replies": Table("One row per force a round-robin request went to.", {
        "request_id": (str, "The request (see the requests table)"),
        "authority": (str, "The force the request went to"),
        "force_code": (str, "The ONS code of the force's police force area"),
        "country": (str, "England or Wales"),
        "status": (str, "answered, partial, refused or no reply"),
        "refusal": (str, "The section a refusal cites, e.g. s.12 (cost)"),
        "sent": (str, "The day the request was sent"),
        "answered": (str, "The day the reply came"),
        "working_days": (int, "Working days from sending to reply"),
        "late": (int, "1 when the reply took more than the 20 working days the law allows"),
        "release_id": (str, "The reply's release (see the releases table); blank for no reply"),
        "total": (int, "Crimes resolved by caution the reply gives; blank for a refusal or no reply"),
        "home_office_cautions": (int, "The Home Office's count of cautions for the force and period"),
        "ratio_to_home_office": (float, "total divided by home_office_cautions"),
        "recorded_crime": (int, "Crimes the force recorded in the period (Home Office)"),
        "rate_per_1000_crimes": (float, "total per 1,000 recorded crimes"),
        "is_sample": (int, "1 when the reply is a sample, not a real answer"),
    }),
    "story_releases": Table("The releases the story's figures count, with the first and last id of their crimes.", {
        "release_id": RELEASE_ID, "first_id": (int, "The id of its first crime in cautions"),
        "last_id": (int, "The id of its last"),
    }),
}
# Tables build.py makes itself; a counts release's `table:` may not take one of these names.
BUILT_TABLES = set(TABLES)
BUILT_PREFIXES = ("raw_", "offence_descriptions_fts", "offence_codes_fts", "sqlite_")

RELEASES_COLUMNS = TABLES["releases"].types
CAUTIONS_COLUMNS = TABLES["cautions"].types
OUTCOME_VALUES_COLUMNS = TABLES["outcome_values"].types
OFFENCE_MATCHES_COLUMNS = TABLES["offence_matches"].types
DATE_VALUES_COLUMNS = TABLES["date_values"].types
DISCLOSURE_COLUMNS = TABLES["disclosure"].types
PUBLISHED_TOTALS_COLUMNS = TABLES["published_totals"].types
REQUESTS_COLUMNS = TABLES["requests"].types
REPLIES_COLUMNS = TABLES["replies"].types
REPLY_STATUSES = ("answered", "partial", "refused", "no reply")
