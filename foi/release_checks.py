"""data/manifest.yml's releases checked against the keys it declares (`KEYS`): each release in full,
before any file is read; every problem stops the build at the line of the key that has it."""
import codecs
import csv
import datetime
import hashlib
import re
from typing import NamedTuple

from . import clean, replies, replies_check
from .errors import ReleaseError
from .fields import ROW_FIELDS
from .manifest_keys import DELIMITERS, FILE_TYPES, KEYS, KINDS, REQUIRED
from .outcomes import KINDS as OUTCOME_KINDS
from .personal_data import KINDS as FINDINGS
from .schema import BUILT_PREFIXES, BUILT_TABLES

class Checked(NamedTuple):
    """What checking a release read from it: `offences:` as {description as given: code}, and
    `reviewed:` with each entry's `on` as written (YAML 1.1 reads the key `on` as true)."""
    offences: dict
    reviewed: list | None


def check_release(path, number, release, ids, tables, lines):
    """One release against KEYS and the rules between its keys -> Checked. Its input is not changed."""
    where = f"release {number}" + (f" ({release.get('id')})" if isinstance(release, dict) and release.get("id") else "")
    release_line, key_lines = lines

    def fail(problem, fix, key=None):
        """Stop at the line of `key` in this release, or at the release's first line."""
        raise ReleaseError(path, f"{where}: {problem}", fix, line=key_lines.get(key, release_line))

    if not isinstance(release, dict):
        fail("is not a mapping of keys to values", "write it as `- id: ...` followed by indented `key: value` lines")
    no_file = release.get("status") in replies.NO_FILE  # a refusal or a non-reply: provenance, no data
    check_keys(release, no_file, ids, fail)
    if no_file:
        return Checked({}, release.get("reviewed"))
    check_reading(release, fail)
    reviewed = check_disclosure_decisions(release, fail)
    offences = read_offences(path, release["offences"], fail) if release.get("offences") is not None else {}
    if release["kind"] == "rows":
        check_columns(release.get("columns") or {}, fail)
    else:
        check_counts_table(release, tables, fail)
    check_file(path, release, fail)
    return Checked(offences, reviewed)


def check_keys(release, no_file, ids, fail):
    """Every required key there, none unknown, each of the type KEYS declares; the id used once."""
    required = [k for k in REQUIRED if not (no_file and k in ("kind", "file"))]
    missing = [k for k in required if k not in release or release[k] in (None, "")]
    if missing:
        fail(f"is missing {', '.join(missing)}", "add them; every release says what it is and where it came from")
    unknown = sorted(set(release) - set(KEYS), key=str)
    if unknown:
        fail(f"has keys this build does not know: {', '.join(map(str, unknown))}",
             f"check the spelling; the keys are {', '.join(KEYS)}", str(unknown[0]))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(release["id"])):
        fail(f"id {release['id']!r} should be lower case letters, digits and hyphens", "rename it, e.g. tvp-cautions-2017",
             "id")
    if release["id"] in ids:
        fail(f"id {release['id']!r} is used twice", "give each release its own id", "id")
    ids.add(release["id"])
    if not (no_file and "kind" not in release) and release.get("kind") not in KINDS:
        fail(f"kind {release.get('kind')!r} is not one of {', '.join(KINDS)}",
             "use `rows` for one row per crime, `counts` for a published table of counts", "kind")
    if not isinstance(release["is_sample"], bool):
        fail("is_sample must be true or false", "write `is_sample: false` for a real release", "is_sample")
    for key in (k for k, spec in KEYS.items() if spec.type == "date"):
        if release.get(key) is not None and not is_date(release[key]):
            fail(f"{key} {release[key]!r} is not a date written yyyy-mm-dd", f"write it as e.g. `{key}: 2017-04-20` "
                 "(year, month, day)", key)
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", str(release["source_url"])):
        fail(f"source_url {release['source_url']!r} is not a web address", "write the address where the release "
             "can be seen, starting https:// (a disclosure log entry, the story, the statistics page)", "source_url")
    replies_check.check_release_keys(release, fail, is_date)
    for key in (k for k, spec in KEYS.items() if spec.type == "text"):
        if key in release and not isinstance(release[key], str):
            fail(f"{key} must be text, not {release[key]!r}", f"put it in quotes: {key}: \"...\"", key)


def check_reading(release, fail):
    """How the file is read: its period, the choices KEYS declares, its delimiter, date format and outcomes."""
    period = release.get("period")
    if period is not None and not (isinstance(period, dict) and period and set(period) <= {"from", "to"}
                                   and all(is_date(v) for v in period.values())):
        fail(f"period {period!r} is not a range of dates", "write it as `period: {from: 2018-06-01, to: 2018-06-30}`",
             "period")
    for key, allowed in ((k, spec.choices) for k, spec in KEYS.items() if spec.type == "choice" and k != "kind"):
        if release.get(key) is not None and str(release[key]) not in allowed:
            fail(f"{key} {release[key]!r} is not one of: {', '.join(allowed)}",
                 f"write `{key}: {allowed[0]}`, or remove the line", key)
    if release.get("outside_period") and not period:
        fail("`outside_period: exclude` needs `period:`, the dates the release covers",
             "add `period: {from: 2015-04-01, to: 2017-03-31}` (the release's own dates)", "outside_period")
    if release.get("delimiter") is not None and str(release["delimiter"]) not in DELIMITERS:
        fail(f"delimiter {release['delimiter']!r} is not one the build reads",
             "write one of: comma, tab, semicolon, pipe (or remove `delimiter:` to let the build find it)", "delimiter")
    if release.get("date_format") is not None:
        check_date_format(release["date_format"], fail)
    if release.get("outcomes") is not None:
        given = release["outcomes"]
        if not isinstance(given, dict):
            fail("`outcomes:` must map each outcome value to what it is",
                 "write one `\"Value as given\": adult simple caution` line per value", "outcomes")
        wrong = [(k, v) for k, v in given.items() if str(v) not in OUTCOME_KINDS]
        if wrong:
            fail(f"`outcomes:` says {wrong[0][0]!r} is {wrong[0][1]!r}, which is not a kind the build knows",
                 f"use one of: {', '.join(OUTCOME_KINDS)}", "outcomes")


def check_columns(columns, fail):
    """A row-level release's `columns:`: each field this build knows, mapped to a header (the date to 2 or 3)."""
    if not isinstance(columns, dict):
        fail(f"`columns:` must map fields to headers, not be {columns!r}",
             "write one `field: Header` line under `columns:` for each field, e.g. `crime_reference: "
             f"Crime Reference`; the fields are {', '.join(ROW_FIELDS)}", "columns")
    for field_name, header in columns.items():
        parts = field_name == "outcome_date" and isinstance(header, list)
        if parts and not (2 <= len(header) <= 3 and all(isinstance(h, str) for h in header)):
            fail(f"`columns: outcome_date:` lists {header!r}: a date split over columns is 2 or 3 headers",
                 "write e.g. `outcome_date: [Year, Month]` or `outcome_date: [Day, Month, Year]`", "columns")
        if not parts and not isinstance(header, str):
            fail(f"`columns: {field_name}:` is {header!r}, not a header", f"write `{field_name}: Header as in the file`",
                 "columns")
    if columns.get("outcome_date") and columns.get("financial_year"):
        fail("`columns:` maps both outcome_date and financial_year: the financial year comes from the date",
             "remove `financial_year:` (its column is kept as a column of its own)", "columns")
    if set(columns) - set(ROW_FIELDS):
        fail(f"`columns:` maps fields this build does not know: {', '.join(sorted(set(columns) - set(ROW_FIELDS)))}",
             f"the fields are {', '.join(ROW_FIELDS)}", "columns")


def check_counts_table(release, tables, fail):
    """A counts release: its own table (not one the build makes), its header and total rows, its count columns."""
    if not release.get("table") or not re.fullmatch(r"[a-z][a-z0-9_]*", str(release["table"])):
        fail("a counts release needs `table:`, a lower-case name like buckinghamshire_as_published",
             "add `table: <name>`")
    table = str(release["table"])
    if table in BUILT_TABLES or table.startswith(BUILT_PREFIXES):
        fail(f"`table: {table}` is a table the build makes itself", "choose another name, such as "
             f"{str(release['id']).replace('-', '_')}", "table")
    if table in tables:
        fail(f"`table: {table}` is the table of another release too", "give each counts release its own `table:`",
             "table")
    tables.add(table)
    if release.get("header_rows") is not None and not (isinstance(release["header_rows"], int)
                                                      and 1 <= release["header_rows"] <= 5):
        fail(f"header_rows {release['header_rows']!r} is not a number of rows from 1 to 5",
             "write `header_rows: 2` for a header of two rows", "header_rows")
    for key in ("total_rows", "subtotal_rows"):
        if release.get(key) is not None and not (isinstance(release[key], list)
                                                 and all(isinstance(v, str) for v in release[key])):
            fail(f"`{key}:` must be a list of row labels", f"write it as `{key}: [Total possession, Total supply]`",
                 key)
    if not release.get("counts") and not release.get("counts_matching"):
        fail("a counts release needs `counts:` (the list of count columns) or `counts_matching:` (a pattern)",
             "list the columns that hold numbers of crimes")
    if release.get("counts_matching"):
        try:
            re.compile(str(release["counts_matching"]))
        except re.error as e:
            fail(f"`counts_matching:` is not a valid pattern ({e})",
                 "fix the pattern, or list the count columns under `counts:` instead", "counts_matching")


def check_file(path, release, fail):
    """The release's file: its encoding one Python knows, there, a kind the build reads, its sha256 as pinned."""
    if release.get("encoding"):
        try:
            codecs.lookup(str(release["encoding"]))
        except LookupError:
            fail(f"encoding {release['encoding']!r} is not one Python knows",
                 "use utf-8 or cp1252 (Windows), or remove `encoding:` to let the build find it", "encoding")
    file = path.parent / release["file"]
    if not file.exists():
        fail(f"file {release['file']!r} does not exist (looked in {path.parent}/)",
             "put the file in data/ or correct `file:`", "file")
    if file.is_dir():
        fail(f"file {release['file']!r} is a folder, not a file", "point `file:` at the release file itself", "file")
    if file.suffix.lower() not in FILE_TYPES:
        fail(f"file {release['file']!r} is not .csv, .txt, .xlsx, .xls or .ods",
             "export the sheet as CSV UTF-8 or .xlsx", "file")
    if "sha256" in release and not isinstance(release["sha256"], str):
        fail("sha256 must be written as text (64 hex characters)", "put it in quotes: sha256: \"…\"", "sha256")
    if release.get("sha256"):
        actual = sha256(file)
        if actual != str(release["sha256"]).lower():
            fail(f"file {release['file']!r} has sha256 {actual}, not the {release['sha256']} the manifest pins",
                 "if the file was replaced on purpose, update `sha256:`; otherwise restore the original file", "sha256")


def check_disclosure_decisions(release, fail):
    """`withhold:`, `hidden:` and `reviewed:`: what the journalist decided about the disclosure check's
    findings (README.md, 'Before you publish: personal data')."""
    withhold = release.get("withhold")
    if withhold is not None and not (isinstance(withhold, list) and withhold
                                     and all(isinstance(h, str) and h.strip() for h in withhold)):
        fail(f"`withhold:` must be a list of column headers, not {withhold!r}",
             "write the headers of the columns never to load, as the file writes them: `withhold: [Notes, Location]`",
             "withhold")
    if "hidden" in release and release["hidden"] != "checked":
        fail(f"`hidden: {release['hidden']}` is not a decision the build knows",
             "write `hidden: checked` once you have opened the file and looked at its hidden sheets, rows, columns, "
             "comments and properties (they are never loaded, whatever this says); or remove the line", "hidden")
    reviewed = release.get("reviewed")
    if reviewed is None:
        return None
    example = "reviewed:\n      - {column: Officer, finding: name, by: Jo Bloggs, on: 2017-05-02, note: the officer's rank, public}"
    if not isinstance(reviewed, list) or not reviewed:
        fail("`reviewed:` must be a list of findings judged safe to publish", f"write it as\n    {example}", "reviewed")
    reviewed = [{("on" if k is True and "on" not in entry else k): v for k, v in entry.items()}  # YAML 1.1 reads
                if isinstance(entry, dict) else entry for entry in reviewed]                # the key on as true
    for entry in reviewed:
        if not isinstance(entry, dict):
            fail(f"`reviewed:` holds {entry!r}, not a finding with column, finding, by and on",
                 f"write it as\n    {example}", "reviewed")
        missing = [k for k in ("column", "finding", "by", "on") if entry.get(k) in (None, "")]
        unknown = sorted(set(entry) - {"column", "finding", "by", "on", "note"}, key=str)
        if missing or unknown:
            fail(f"a `reviewed:` entry {'is missing ' + ', '.join(missing) if missing else 'has keys this build does not know: ' + ', '.join(map(str, unknown))}",
                 f"each entry says which column, which finding, who decided and when: {example}", "reviewed")
        if str(entry["finding"]) not in FINDINGS:
            fail(f"`reviewed:` names finding {entry['finding']!r}, which the check does not make",
                 f"use one of: {', '.join(FINDINGS)} (as the build's report names it)", "reviewed")
        if not is_date(entry["on"]):
            fail(f"`reviewed:` says on {entry['on']!r}, which is not a date written yyyy-mm-dd",
                 "write when you decided, e.g. `on: 2017-05-02`", "reviewed")
        if str(entry["column"]) in map(str, withhold or []):
            fail(f"column {entry['column']!r} is both withheld and reviewed for publishing",
                 "keep one decision: `withhold:` (never loaded) or `reviewed:` (published)", "reviewed")
    return reviewed


def check_date_format(pattern, fail):
    text = str(pattern)
    if text == "excel":  # serial day numbers, as a spreadsheet stores dates: 42461 is 1 April 2016
        return
    probe = datetime.datetime(2016, 7, 5, 13, 45, 30)
    try:
        written = probe.strftime(text)
        parsed = datetime.datetime.strptime(written, text)
    except ValueError as e:
        fail(f"date_format {text!r} is not a strftime pattern ({e})", 'write it like "%d/%m/%y" or "%d-%b-%y"',
             "date_format")
    if "%" not in text or parsed.date() != probe.date():
        fail(f"date_format {text!r} does not give a day, a month and a year", 'write it like "%d/%m/%y" or "%d-%b-%y"',
             "date_format")


def read_offences(path, offences, fail):
    """`offences:` -> {description as given: code}: a mapping in the manifest, or a CSV beside it
    with the columns description and code."""
    if isinstance(offences, dict):
        if not all(isinstance(v, (str, int)) for v in offences.values()):
            fail("`offences:` must map each description to a Home Office code", 'write e.g. `"Theft from shop": 46`',
                 "offences")
        wrong = [(k, v) for k, v in offences.items() if clean.offence_code(str(v)) is None]
        if wrong:
            fail(f"`offences:` says {wrong[0][0]!r} is {wrong[0][1]!r}, which is not a Home Office offence code",
                 "write the code as in data/reference/offence_codes.csv, e.g. `\"Theft from shop\": 46` or `\"...\": 92/70`",
                 "offences")
        return {str(k): str(v) for k, v in offences.items()}
    file = path.parent / str(offences)
    if not file.is_file():
        fail(f"`offences: {offences}` is neither a mapping nor a file in {path.parent}/",
             'write `"Description as given": code` lines under it, or name a CSV with columns description, code',
             "offences")
    with open(file, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not {"description", "code"} <= set(reader.fieldnames or []):
            fail(f"`offences: {offences}` has no columns description and code", "add a header row: description,code",
                 "offences")
        return {row["description"]: row["code"] for row in reader if row["description"] and row["code"]}


def is_date(value):
    if isinstance(value, datetime.date):
        return True
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))) and bool(datetime.date.fromisoformat(str(value)))
    except ValueError:
        return False


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
