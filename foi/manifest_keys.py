"""The keys a release in data/manifest.yml may have, declared once: which are required, the type
of each value, what each says. foi/release_checks.py checks every release against them."""
from typing import NamedTuple

KINDS = ("rows", "counts")
# What one row of a row-level release is (`rows_are:`); figures count crimes either way.
ROWS_ARE = ("crimes", "offences", "offenders")
DELIMITERS = (",", ";", "|", "\t", "tab", "comma", "semicolon", "pipe")
FILE_TYPES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


class Key(NamedTuple):
    """One key a release may have: whether every release with a file needs it, the type its value
    must have (`text`, `date` written yyyy-mm-dd, or one of `choices`), and what it says."""
    required: bool = False
    type: str = "any"      # 'text', 'date', 'choice', 'any' (checked by its own function below)
    choices: tuple = ()
    means: str = ""


KEYS = {  # in the order the build names them in its messages
    "id": Key(True, means="lower case letters, digits and hyphens; the release's name everywhere"),
    "kind": Key(True, "choice", KINDS, "rows: one row per crime; counts: a published table of counts"),
    "file": Key(True, "text", means="the file as the force sent it, beside the manifest"),
    "title": Key(True, "text", means="what the release is, as the site shows it"),
    "authority": Key(True, "text", means="the force that answered"),
    "source_url": Key(True, means="where the release can be seen"),
    "licence": Key(True, "text", means="the licence it was released under"),
    "is_sample": Key(True, means="true for invented sample data, flagged on every page"),
    "foi_reference": Key(means="the force's reference for the request"),
    "requested": Key(type="date", means="when the request was sent"),
    "answered": Key(type="date", means="when the force answered"),
    "description": Key(means="a longer note for the release's page"),
    "sha256": Key(means="the file's digest, pinned"),
    "sheet": Key(means="the spreadsheet's sheet to read"),
    "encoding": Key(means="the file's text encoding, when the build cannot find it"),
    "delimiter": Key(means="the CSV's delimiter, when the build cannot find it"),
    "columns": Key(means="field -> header, for a row-level release"),
    "date_format": Key(means="a strftime pattern for its dates, or excel"),
    "outcomes": Key(means="outcome value as given -> the kind of outcome it is"),
    "offences": Key(means="description as given -> Home Office code, or a CSV of them"),
    "table": Key(means="a counts release's table name"),
    "counts": Key(means="a counts release's count columns"),
    "counts_matching": Key(means="a pattern for a counts release's count columns"),
    "header_rows": Key(means="the rows its header spans (1 to 5)"),
    "total_rows": Key(means="the labels of its total rows"),
    "subtotal_rows": Key(means="the labels of its subtotal rows"),
    "row_total": Key(means="a counts release's total column"),
    "period": Key(means="the dates the release covers: {from, to}"),
    "outside_period": Key(type="choice", choices=("exclude",), means="what to do with rows dated outside it"),
    "rows_are": Key(type="choice", choices=ROWS_ARE, means="what one row is"),
    "unmatched_offences": Key(type="choice", choices=("keep",), means="load offences no code matches"),
    "withhold": Key(means="columns never to load"),
    "hidden": Key(means="checked: its hidden sheets, rows and columns were looked at"),
    "reviewed": Key(means="disclosure findings judged safe to publish"),
    "request": Key(means="the round robin request it answers (foi/replies.py)"),
    "status": Key(means="a round robin reply's status"),
    "refusal": Key(means="a refused request's grounds"),
    "total": Key(means="the cell of a counts reply that is its total"),
}
REQUIRED = [k for k, key in KEYS.items() if key.required]
OPTIONAL = [k for k, key in KEYS.items() if not key.required]
