"""A round robin: one request sent to many authorities, and what each one did with it.

data/manifest.yml declares the request once (top-level `requests:`) and each reply as a release
with `request: <id>` and `status:`. The build writes two tables (columns in foi/schema.py):

- `requests`: one row per request, with how many authorities answered, answered in part,
  refused, or never replied;
- `replies`: one row per authority the request went to. An authority with no release is
  `no reply`. `total` is the reply's own answer: the crimes a rows reply holds, counted as the
  story's figures count them (monthly_cautions, after every cleaning decision); the named cell
  of a counts reply (`total: {row: Total, column: Cautions}`). NULL, never 0, for a refusal or
  no reply. Beside it, the Home Office's own caution count for that force and period (outcome
  types 2 and 3, investigations closed in the year) and its recorded crime, read from the
  counts tables HOME_OFFICE_TABLE and RECORDED_CRIME_TABLE, so a reader can run the same query.

Working days: the Freedom of Information Act gives 20 working days after the day the request
is received; weekends and England and Wales bank holidays (data/reference/
bank_holidays_england_wales.csv) are not working days.
"""
import csv
import datetime
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ReleaseError
from .fields import header_key
from .schema import REPLIES_COLUMNS, REPLY_STATUSES, REQUESTS_COLUMNS, TABLES

ALL_FORCES = "all territorial forces"
NO_FILE = ("refused", "no reply")  # statuses of a reply that sent no data
STATUTORY_WORKING_DAYS = 20
HOME_OFFICE_TABLE = "home_office_outcomes_all_forces"  # the `table:` of data/home_office/force_year.csv
RECORDED_CRIME_TABLE = "recorded_crime_by_force"       # the `table:` of data/home_office/denominators.csv
# Cautions on the Home Office's count: youth (outcome type 2) and adult (3), investigations closed in the year.
HOME_OFFICE_CAUTIONS = "closed_all_t2 + closed_all_t3"
REQUEST_KEYS = {"id", "question", "sent", "to", "period", "is_sample", "description"}


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


# --- the manifest -----------------------------------------------------------------------------

def section_lines(text, section, yaml_module, loader):
    """For each item of the top-level list `section`: (its first line, {key: its line})."""
    root = yaml_module.compose(text, Loader=loader)
    if not isinstance(root, yaml_module.MappingNode):
        return []
    for key, value in root.value:
        if key.value == section and isinstance(value, yaml_module.SequenceNode):
            return [(item.start_mark.line + 1,
                     {k.value: k.start_mark.line + 1 for k, _ in item.value}
                     if isinstance(item, yaml_module.MappingNode) else {}) for item in value.value]
    return []


def check_requests(path, manifest, request_lines, is_date):
    """The top-level `requests:`, each checked; -> {id: request}. Each request gets `_recipients`
    (the forces it went to) and `_lines`."""
    requests = manifest.get("requests")
    if requests is None:
        return {}
    if not isinstance(requests, list):
        raise ReleaseError(path, "`requests:` must be a list of requests", "write each as `- id: ...` with "
                           "question, sent, to and period under it; see README.md, 'A round robin'")
    forces = read_forces(reference(path, manifest, "forces"))
    found = {}
    for number, request in enumerate(requests, 1):
        line, keys = request_lines[number - 1] if number <= len(request_lines) else (None, {})
        where = f"request {number}" + (f" ({request.get('id')})" if isinstance(request, dict) and request.get("id") else "")

        def fail(problem, fix, key=None):
            raise ReleaseError(path, f"{where}: {problem}", fix, line=keys.get(key, line))

        if not isinstance(request, dict):
            fail("is not a mapping of keys to values", "write it as `- id: ...` followed by indented `key: value` lines")
        missing = [k for k in ("id", "question", "sent", "to", "period", "is_sample") if request.get(k) in (None, "")]
        if missing:
            fail(f"is missing {', '.join(missing)}", "add them: e.g.\n    - id: cautions-by-force-2017\n"
                 "      question: \"How many crimes were resolved by a caution ...?\"\n      sent: 2017-03-01\n"
                 "      to: all territorial forces\n      period: {from: 2015-04-01, to: 2017-03-31}\n"
                 "      is_sample: false")
        unknown = sorted(set(request) - REQUEST_KEYS, key=str)
        if unknown:
            fail(f"has keys this build does not know: {', '.join(map(str, unknown))}",
                 f"check the spelling; a request's keys are {', '.join(sorted(REQUEST_KEYS))}", str(unknown[0]))
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(request["id"])):
            fail(f"id {request['id']!r} should be lower case letters, digits and hyphens",
                 "rename it, e.g. cautions-by-force-2017", "id")
        if request["id"] in found:
            fail(f"id {request['id']!r} is used twice", "give each request its own id", "id")
        if not is_date(request["sent"]):
            fail(f"sent {request['sent']!r} is not a date written yyyy-mm-dd", "write it as e.g. `sent: 2017-03-01`",
                 "sent")
        if not isinstance(request["is_sample"], bool):
            fail("is_sample must be true or false", "write `is_sample: false` for a real request", "is_sample")
        period = request["period"]
        if not (isinstance(period, dict) and set(period) == {"from", "to"} and all(is_date(v) for v in period.values())
                and as_date(period["from"]) <= as_date(period["to"])):
            fail(f"period {period!r} is not the range of dates the question asks about",
                 "write it as `period: {from: 2015-04-01, to: 2017-03-31}`", "period")
        to = request["to"]
        if isinstance(to, str) and to.strip().lower() == ALL_FORCES:
            recipients = list(forces)
        elif isinstance(to, list) and to and all(isinstance(n, str) for n in to):
            recipients = []
            for name in to:
                force = find_force(name, forces)
                if force is None:
                    near = closest_forces(name, forces)
                    fail(f"`to:` names {name!r}, which is not a force in data/reference/forces.csv",
                         (f"did you mean {' or '.join(map(repr, near))}? " if near else "")
                         + "write the force's name as forces.csv spells it", "to")
                if force in recipients:
                    fail(f"`to:` names {force.name!r} twice", "list each authority once", "to")
                recipients.append(force)
        else:
            fail(f"to {to!r} is neither `{ALL_FORCES}` nor a list of forces",
                 f"write `to: {ALL_FORCES}`, or `to: [Thames Valley, Cumbria]` (names as in data/reference/forces.csv)",
                 "to")
        request["_recipients"], request["_lines"] = recipients, (line, keys)
        found[request["id"]] = request
    return found


def check_release_keys(release, fail, is_date):
    """A release's own round-robin keys (request, status, refusal, total), before any file is read."""
    status = release.get("status")
    if status is not None and status not in REPLY_STATUSES:
        fail(f"status {status!r} is not one of: {', '.join(REPLY_STATUSES)}",
             "write `status: answered` (or partial, refused, no reply)", "status")
    if (status is not None or release.get("refusal") is not None) and not release.get("request"):
        fail("has a `status:` or `refusal:` but no `request:`",
             "add `request: <id>`, the id of the request in `requests:` this release answers", "status")
    if status in NO_FILE and "file" in release:
        fail(f"is `status: {status}` but names a file", f"a {status} reply sent no data: remove `file:` (and `kind:`); "
             "if the force did send data, its status is answered or partial", "file")
    if release.get("refusal") is not None and status != "refused":
        fail(f"gives a `refusal:` but its status is {status or 'not given'}",
             "write `status: refused`, or remove `refusal:`", "refusal")
    if status == "refused" and not release.get("refusal"):
        fail("is refused but does not say under what", 'add `refusal: "s.12 (cost)"` (the section the force cited)',
             "status")
    if status == "no reply" and release.get("answered") is not None:
        fail("is `status: no reply` but has an `answered:` date", "remove `answered:`; if the force did reply, its "
             "status is answered, partial or refused", "answered")
    if status in NO_FILE and release.get("total") is not None:
        fail(f"is `status: {status}` but names a `total:`", "remove `total:`: a reply with no data has no total",
             "total")
    total = release.get("total")
    if total is not None:
        if release.get("kind") != "counts":
            fail("`total:` names the cell of a counts reply; this release is not kind: counts",
                 "remove `total:`: a rows reply's total is its crimes, counted as the figures count them", "total")
        if not (isinstance(total, dict) and set(total) == {"row", "column"} and all(isinstance(v, str) and v.strip()
                                                                                 for v in total.values())):
            fail(f"`total:` {total!r} does not name a cell", "write `total: {row: Total, column: Cautions}`: the label of "
                 "the row and the header of the column, as the file writes them", "total")


def check_replies(path, releases, requests, lines):
    """Across releases: each reply names a known request, a force it went to, and no force twice.
    -> {the release's index: (its force, its status, `answered` unless it says)}."""
    seen, answered = {}, {}
    for number, release in enumerate(releases, 1):
        if not release.get("request"):
            continue
        line, keys = lines[number - 1] if number <= len(lines) else (None, {})
        where = f"release {number} ({release['id']})"

        def fail(problem, fix, key):
            raise ReleaseError(path, f"{where}: {problem}", fix, line=keys.get(key, line))

        request = requests.get(release["request"])
        if request is None:
            fail(f"answers request {release['request']!r}, which `requests:` does not declare",
                 (f"use one of: {', '.join(requests)}" if requests else "declare the request under a top-level "
                  "`requests:` (see README.md, 'A round robin')"), "request")
        recipients = request["_recipients"]
        force = find_force(release["authority"], recipients)
        if force is None:
            everywhere = find_force(release["authority"], read_forces(reference(path, {}, "forces")))
            near = closest_forces(release["authority"], recipients)
            fail(f"authority {release['authority']!r} is not one of the forces request {request['id']!r} went to"
                 + (f" ({everywhere.name} is not in its `to:`)" if everywhere else ""),
                 (f"did you mean {' or '.join(map(repr, near))}? " if near and not everywhere else "")
                 + "write the force's name as data/reference/forces.csv spells it"
                 + (", or add it to the request's `to:`" if everywhere else ""), "authority")
        if (request["id"], force) in seen:
            fail(f"is a second reply from {force.name} to request {request['id']!r} (the first is {seen[request['id'], force]})",
                 "keep one release per force and request: the final answer (an internal review's answer replaces the "
                 "first)", "request")
        seen[request["id"], force] = release["id"]
        answered[number - 1] = (force, release.get("status") or "answered")
    return answered


REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
REFERENCE_FILES = {"forces": "forces.csv", "bank_holidays": "bank_holidays_england_wales.csv"}


def reference(path, manifest, name):
    """A national reference table: the manifest's own (`forces:`, `bank_holidays:`, beside it), or this
    repository's data/reference/."""
    given = manifest.get(name)
    return Path(path).parent / str(given) if given else REFERENCE / REFERENCE_FILES[name]


def releases_row_without_file(release, columns):
    """The `releases` row of a refusal or a non-reply: its provenance, no file."""
    row = {k: release.get(k) for k in ("id", "title", "authority", "foi_reference", "source_url", "licence",
                                        "description")}
    row.update(requested=str(release["requested"]) if release.get("requested") else None,
               answered=str(release["answered"]) if release.get("answered") else None,
               is_sample=int(release["is_sample"]), notes=release.get("refusal"))
    return {c: row.get(c) for c in columns}


# --- the tables -------------------------------------------------------------------------------

@dataclass
class RequestSummary:
    request: dict
    rows: list
    comparison: str


def write(db, manifest_path, manifest):
    """The `requests` and `replies` tables; -> one RequestSummary per request (for the build's report)."""
    db["requests"].create(REQUESTS_COLUMNS, pk="id")
    db["replies"].create(REPLIES_COLUMNS, pk=("request_id", "authority"),
                         foreign_keys=[("request_id", "requests", "id"), ("release_id", "releases", "id")])
    requests = manifest.get("_requests") or {}
    if not requests:
        return []
    holidays = read_bank_holidays(reference(manifest_path, manifest, "bank_holidays"))
    covered = (min(holidays).year, max(holidays).year)
    tables = set(db.table_names())
    summaries = []
    for request in requests.values():
        replies = {r.force: r for r in manifest["releases"] if r.get("request") == request["id"]}
        sent = as_date(request["sent"])
        period = (as_date(request["period"]["from"]), as_date(request["period"]["to"]))
        rows = []
        for force in request["_recipients"]:
            release = replies.get(force)
            status = release["status"] if release else "no reply"
            answered = as_date(release["answered"]) if release and release.get("answered") else None
            if release and status != "no reply" and answered is None:
                fail_at(manifest_path, release, f"is `status: {status}` but has no `answered:` date",
                        "add `answered: yyyy-mm-dd`, the date of the reply, so its working days can be counted",
                        "status")
            days = None
            if answered is not None:
                if answered < sent:
                    fail_at(manifest_path, release, f"answered {answered} is before the request was sent ({sent})",
                            "check both dates", "answered")
                try:
                    days = working_days(sent, answered, holidays, covered)
                except ValueError as e:
                    fail_at(manifest_path, release, f"its working days cannot be counted: {e}",
                            "add that year's bank holidays to data/reference/bank_holidays_england_wales.csv "
                            "(gov.uk/bank-holidays)", "answered")
            total = reply_total(db, manifest_path, release) if status in ("answered", "partial") else None
            reply_period = period
            if release and status == "partial" and release.get("period"):
                reply_period = (as_date(release["period"]["from"]), as_date(release["period"]["to"]))
            cautions, crimes = home_office(db, tables, force, reply_period)
            rows.append({
                "request_id": request["id"], "authority": force.name, "force_code": force.ons_code,
                "country": force.country, "status": status, "refusal": release.get("refusal") if release else None,
                "sent": sent.isoformat(), "answered": answered.isoformat() if answered else None,
                "working_days": days, "late": None if days is None else int(days > STATUTORY_WORKING_DAYS),
                "release_id": release["id"] if release else None,
                "total": total, "home_office_cautions": cautions,
                "ratio_to_home_office": total / cautions if total is not None and cautions else None,
                "recorded_crime": crimes,
                "rate_per_1000_crimes": total * 1000 / crimes if total is not None and crimes else None,
                "is_sample": int(release["is_sample"]) if release else int(request["is_sample"]),
            })
        years = financial_years(*period)
        comparison = (
            f"Home Office cautions (outcome types 2 and 3, investigations closed in {' and '.join(years)}; "
            f"table {HOME_OFFICE_TABLE}) and recorded crime (table {RECORDED_CRIME_TABLE})"
            if years and {HOME_OFFICE_TABLE, RECORDED_CRIME_TABLE} <= tables else
            f"not compared: the period {period[0]} to {period[1]} is not whole financial years (April to March), "
            "the Home Office's unit" if not years else
            f"not compared: the tables {HOME_OFFICE_TABLE} and {RECORDED_CRIME_TABLE} are not in this build")
        statuses = [r["status"] for r in rows]
        db["requests"].insert({
            "id": request["id"], "question": request["question"], "sent": sent.isoformat(),
            "recipients": request["to"] if isinstance(request["to"], str) else ", ".join(request["to"]),
            "period_from": period[0].isoformat(), "period_to": period[1].isoformat(), "authorities": len(rows),
            "answered": statuses.count("answered"), "partial": statuses.count("partial"),
            "refused": statuses.count("refused"), "no_reply": statuses.count("no reply"),
            "comparison": comparison, "is_sample": int(request["is_sample"]),
        })
        db["replies"].insert_all(rows)
        summaries.append(RequestSummary(request, rows, comparison))
    db["replies"].create_index(["status"])
    return summaries


def fail_at(path, release, problem, fix, key):
    line, keys = release.lines
    raise ReleaseError(path, f"release {release['id']}: {problem}", fix, line=keys.get(key, line))


def reply_total(db, manifest_path, release):
    """A rows reply: its crimes, as the figures count them. A counts reply: the cell `total:` names."""
    if release["kind"] == "rows":
        return db.execute("select coalesce(sum(cautions), 0) from monthly_cautions where release_id = ?",
                          [release["id"]]).fetchone()[0]
    cells = db.execute("select label, column_name, published from published_totals "
                       "where release_id = ? and kind = 'total row' order by source_line, column_name",
                       [release["id"]]).fetchall()
    choices = "\n".join(f"    total: {{row: {label}, column: {column}}}   # {value:,}" for label, column, value in cells)
    wanted = release.get("total")
    if wanted is None:
        if len(cells) == 1:
            return cells[0][2]
        fail_at(manifest_path, release, "which cell answers the request? " + (
            f"its total row gives {len(cells)} counts" if cells else "it has no total row"),
            "name it with `total:`" + (f", one of:\n{choices}" if cells else
                                       ", e.g. `total: {row: All cautions, column: Cautions}` (the label of a row "
                                       "and the header of a column, as the file writes them)"), "id")
    hits = [value for label, column, value in cells
            if header_key(label) == header_key(wanted["row"]) and header_key(column) == header_key(wanted["column"])]
    if not hits:
        hits = data_row_cell(db, release, wanted)
    if len(hits) != 1:
        fail_at(manifest_path, release, f"`total:` names row {wanted['row']!r}, column {wanted['column']!r}: "
                + ("no such cell" if not hits else f"{len(hits)} cells"),
                ("write one of:\n" + choices) if cells else "check the row's label and the column's header as the file "
                "writes them (a header of two rows is joined with ' / ')", "total")
    return hits[0]


def data_row_cell(db, release, wanted):
    """The cell of a data row: the row whose label (a text column) is `row`, in the count column `column`."""
    table = db[release["table"]]
    columns = {c.name: c.type for c in table.columns}
    column = next((c for c in columns if header_key(c) == header_key(wanted["column"])), None)
    if column is None or columns[column] != "INTEGER":
        return []
    labels = [c for c, kind in columns.items() if kind == "TEXT"]
    if not labels:
        return []
    where = " or ".join(f'trim("{c}") = ?' for c in labels)
    return [r[0] for r in db.execute(f'select "{column}" from [{table.name}] where {where}',
                                     [wanted["row"].strip()] * len(labels)).fetchall()]


def home_office(db, tables, force, period):
    """(the Home Office's cautions, its recorded crime) for a force and a period of whole financial
    years; (None, None) for any other period, or a year missing from either table."""
    years = financial_years(*period)
    if not years or not {HOME_OFFICE_TABLE, RECORDED_CRIME_TABLE} <= tables:
        return None, None
    marks = ", ".join("?" * len(years))
    found = []
    for table, expression in ((HOME_OFFICE_TABLE, HOME_OFFICE_CAUTIONS), (RECORDED_CRIME_TABLE, "recorded_crime")):
        n, value = db.execute(f"select count(distinct fy), sum({expression}) from {table} where force = ? "
                              f"and fy in ({marks})", [force.name, *years]).fetchone()
        found.append(value if n == len(years) else None)
    return tuple(found)


def story_release_ids(headline_queries, releases):
    """The releases the story's figures count: those a published figure names (`release:`) that are in
    this build; when none is, every rows release that answers no request, or else every rows release.
    The story's queries read only these (metadata.yml, its header)."""
    ids = {r["id"] for r in releases}
    named = {f.get("release") for q in headline_queries.values() if isinstance(q, dict)
             for f in (q.get("published") or []) if isinstance(f, dict)} & ids
    rows = {r["id"] for r in releases if r.get("kind") == "rows"}
    return (sorted(named & rows) or sorted(r["id"] for r in releases if r["id"] in rows and not r.get("request"))
            or sorted(rows))


def write_story_releases(db, ids):
    """The table story_releases: each story release with the first and last id of its crimes in
    `cautions`. build.py loads them last, one after another, so together they are one run of ids
    (checked here): the story's queries read cautions.id between the smallest and the largest."""
    db["story_releases"].create(TABLES["story_releases"].types, pk="release_id")
    found = []
    for release_id in ids:
        first, last, n = db.execute("select min(id), max(id), count(*) from cautions where release_id = ?",
                                    [release_id]).fetchone()
        db["story_releases"].insert({"release_id": release_id, "first_id": first, "last_id": last})
        found.append((first, last, n))
    ranges = [(first, last, n) for first, last, n in found if n]
    if ranges and max(r[1] for r in ranges) - min(r[0] for r in ranges) + 1 != sum(r[2] for r in ranges):
        raise RuntimeError("the story's crimes are not one run of ids in cautions")
