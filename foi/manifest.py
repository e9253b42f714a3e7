"""data/manifest.yml: what each release is. Checked in full before any file is read."""
import codecs
import datetime
import hashlib
import re
from pathlib import Path

import yaml

from . import clean, replies
from .errors import ReleaseError
from .outcomes import KINDS as OUTCOME_KINDS
from .personal_data import KINDS as FINDINGS
from .schema import ROW_FIELDS

KINDS = ("rows", "counts")
REQUIRED = ["id", "kind", "file", "title", "authority", "source_url", "licence", "is_sample"]
OPTIONAL = ["foi_reference", "requested", "answered", "description", "sha256", "sheet", "encoding",
            "delimiter", "columns", "date_format", "outcomes", "offences", "table", "counts", "counts_matching",
            "header_rows", "total_rows", "subtotal_rows", "row_total", "period", "outside_period", "rows_are",
            "unmatched_offences", "withhold", "hidden", "reviewed",
            "request", "status", "refusal", "total"]  # a reply to a round robin (foi/replies.py)
# What one row of a row-level release is (`rows_are:`); figures count crimes either way.
ROWS_ARE = ("crimes", "offences", "offenders")
# Tables build.py makes itself; a counts release's `table:` may not take one of these names.
BUILT_TABLES = {"releases", "offence_codes", "offence_descriptions", "cautions", "monthly_cautions",
                "headline_figures", "outcome_values", "offence_matches", "date_values", "published_totals", "cautions_by_code",
                "requests", "replies", "story_releases"}
BUILT_PREFIXES = ("raw_", "offence_descriptions_fts", "offence_codes_fts", "sqlite_")


def load(path):
    path = Path(path)
    if not path.exists():
        raise ReleaseError(path, "the manifest does not exist", "create it; see README.md, 'Using your own release'")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ReleaseError(path, f"the manifest is not UTF-8 text ({e.reason})", "save it as UTF-8") from None
    try:
        manifest = yaml.load(text, Loader=NoAliasLoader)
    except AliasRefused as e:
        raise ReleaseError(path, f"the manifest uses a YAML alias (*{e.anchor}), which the build does not read",
                           "write the value out in full where the alias is", line=e.line) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ReleaseError(path, f"this is not valid YAML ({getattr(e, 'problem', None) or e})",
                           "check the indentation and quoting near this line (a value with ':' needs quotes)",
                           line=mark.line + 1 if mark else None) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("releases"), list) or not manifest["releases"]:
        raise ReleaseError(path, "the manifest has no `releases:` list", "add at least one release; see README.md")
    ids, tables = set(), set()
    lines = release_lines(text)
    requests = replies.check_requests(path, manifest, replies.section_lines(text, "requests", yaml, NoAliasLoader),
                                      is_date)
    for number, release in enumerate(manifest["releases"], 1):
        check_release(path, number, release, ids, tables, lines[number - 1] if number <= len(lines) else (None, {}))
        release["_lines"] = lines[number - 1] if number <= len(lines) else (None, {})
    replies.check_replies(path, manifest["releases"], requests, lines)
    manifest["_requests"] = requests
    return manifest


class AliasRefused(Exception):
    def __init__(self, anchor, line):
        self.anchor, self.line = anchor, line


class NoAliasLoader(yaml.SafeLoader):
    """A manifest is short and written by hand: it has no use for YAML aliases (&name / *name),
    and refusing them stops an alias bomb from growing to gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(event.anchor, event.start_mark.line + 1)
        return super().compose_node(parent, index)


def release_lines(text):
    """For each release of the manifest, (the line it starts on, {key: the line of that key})."""
    root = yaml.compose(text, Loader=NoAliasLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "releases" and isinstance(value, yaml.SequenceNode):
            return [(item.start_mark.line + 1,
                     {k.value: k.start_mark.line + 1 for k, _ in item.value} if isinstance(item, yaml.MappingNode) else {})
                    for item in value.value]
    return []


def is_date(value):
    if isinstance(value, datetime.date):
        return True
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))) and bool(datetime.date.fromisoformat(str(value)))
    except ValueError:
        return False


def check_release(path, number, release, ids, tables, lines):
    where = f"release {number}" + (f" ({release.get('id')})" if isinstance(release, dict) and release.get("id") else "")
    release_line, key_lines = lines

    def fail(problem, fix, key=None):
        """Stop at the line of `key` in this release, or at the release's first line."""
        raise ReleaseError(path, f"{where}: {problem}", fix, line=key_lines.get(key, release_line))

    if not isinstance(release, dict):
        fail("is not a mapping of keys to values", "write it as `- id: ...` followed by indented `key: value` lines")
    no_file = release.get("status") in replies.NO_FILE  # a refusal or a non-reply: provenance, no data
    required = [k for k in REQUIRED if not (no_file and k in ("kind", "file"))]
    missing = [k for k in required if k not in release or release[k] in (None, "")]
    if missing:
        fail(f"is missing {', '.join(missing)}", "add them; every release says what it is and where it came from")
    unknown = sorted(set(release) - set(REQUIRED) - set(OPTIONAL), key=str)
    if unknown:
        fail(f"has keys this build does not know: {', '.join(map(str, unknown))}",
             f"check the spelling; the keys are {', '.join(REQUIRED + OPTIONAL)}", str(unknown[0]))
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
    for key in ("requested", "answered"):
        if release.get(key) is not None and not is_date(release[key]):
            fail(f"{key} {release[key]!r} is not a date written yyyy-mm-dd", f"write it as e.g. `{key}: 2017-04-20` "
                 "(year, month, day)", key)
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", str(release["source_url"])):
        fail(f"source_url {release['source_url']!r} is not a web address", "write the address where the release "
             "can be seen, starting https:// (a disclosure log entry, the story, the statistics page)", "source_url")
    replies.check_release_keys(release, fail, is_date)
    for key in ("title", "authority", "licence", "file"):
        if key in release and not isinstance(release[key], str):
            fail(f"{key} must be text, not {release[key]!r}", f"put it in quotes: {key}: \"...\"", key)
    if no_file:
        return
    period = release.get("period")
    if period is not None and not (isinstance(period, dict) and period and set(period) <= {"from", "to"}
                                   and all(is_date(v) for v in period.values())):
        fail(f"period {period!r} is not a range of dates", "write it as `period: {from: 2018-06-01, to: 2018-06-30}`",
             "period")
    choices = {"outside_period": ("exclude",), "rows_are": ROWS_ARE, "unmatched_offences": ("keep",)}
    for key, allowed in choices.items():
        if release.get(key) is not None and str(release[key]) not in allowed:
            fail(f"{key} {release[key]!r} is not one of: {', '.join(allowed)}",
                 f"write `{key}: {allowed[0]}`, or remove the line", key)
    if release.get("outside_period") and not period:
        fail("`outside_period: exclude` needs `period:`, the dates the release covers",
             "add `period: {from: 2015-04-01, to: 2017-03-31}` (the release's own dates)", "outside_period")
    if release.get("delimiter") is not None and str(release["delimiter"]) not in (
            ",", ";", "|", "\t", "tab", "comma", "semicolon", "pipe"):
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
    check_disclosure_decisions(release, fail)
    if release.get("offences") is not None:
        release["_offences"] = read_offences(path, release["offences"], fail)
    if release["kind"] == "rows":
        columns = release.get("columns") or {}
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
    else:
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
    if file.suffix.lower() not in (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"):
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
        return
    example = "reviewed:\n      - {column: Officer, finding: name, by: Jo Bloggs, on: 2017-05-02, note: the officer's rank, public}"
    if not isinstance(reviewed, list) or not reviewed:
        fail("`reviewed:` must be a list of findings judged safe to publish", f"write it as\n    {example}", "reviewed")
    for entry in reviewed:
        if isinstance(entry, dict) and True in entry and "on" not in entry:  # YAML 1.1 reads the key on as true
            entry["on"] = entry.pop(True)
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
    import csv
    with open(file, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not {"description", "code"} <= set(reader.fieldnames or []):
            fail(f"`offences: {offences}` has no columns description and code", "add a header row: description,code",
                 "offences")
        return {row["description"]: row["code"] for row in reader if row["description"] and row["code"]}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
