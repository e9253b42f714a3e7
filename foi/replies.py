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
from dataclasses import dataclass

from .errors import ReleaseError
from .fields import header_key
from .forces import as_date, financial_years, read_bank_holidays, reference, working_days
from .schema import REPLIES_COLUMNS, REQUESTS_COLUMNS, TABLES


NO_FILE = ("refused", "no reply")  # statuses of a reply that sent no data


STATUTORY_WORKING_DAYS = 20


HOME_OFFICE_TABLE = "home_office_outcomes_all_forces"  # the `table:` of data/home_office/force_year.csv


RECORDED_CRIME_TABLE = "recorded_crime_by_force"       # the `table:` of data/home_office/denominators.csv


# Cautions on the Home Office's count: youth (outcome type 2) and adult (3), investigations closed in the year.
HOME_OFFICE_CAUTIONS = "closed_all_t2 + closed_all_t3"


def releases_row_without_file(release, columns):
    """The `releases` row of a refusal or a non-reply: its provenance, no file."""
    row = {k: release.get(k) for k in ("id", "title", "authority", "foi_reference", "source_url", "licence",
                                        "description")}
    row.update(requested=str(release["requested"]) if release.get("requested") else None,
               answered=str(release["answered"]) if release.get("answered") else None,
               is_sample=int(release["is_sample"]), notes=release.get("refusal"))
    return {c: row.get(c) for c in columns}


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
    tables = set(db.table_names())
    summaries = []
    for request in requests.values():
        replies = {r.force: r for r in manifest["releases"] if r.get("request") == request["id"]}
        rows = [reply_row(db, manifest_path, request, force, replies.get(force), holidays, tables)
                for force in request["_recipients"]]
        row = request_row(request, rows, tables)
        db["requests"].insert(row)
        db["replies"].insert_all(rows)
        summaries.append(RequestSummary(request, rows, row["comparison"]))
    db["replies"].create_index(["status"])
    return summaries


def reply_row(db, manifest_path, request, force, release, holidays, tables):
    """One force's row of `replies`: its status, its working days, its total beside the Home Office's."""
    sent = as_date(request["sent"])
    period = (as_date(request["period"]["from"]), as_date(request["period"]["to"]))
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
            days = working_days(sent, answered, holidays, (min(holidays).year, max(holidays).year))
        except ValueError as e:
            fail_at(manifest_path, release, f"its working days cannot be counted: {e}",
                    "add that year's bank holidays to data/reference/bank_holidays_england_wales.csv "
                    "(gov.uk/bank-holidays)", "answered")
    total = reply_total(db, manifest_path, release) if status in ("answered", "partial") else None
    reply_period = period
    if release and status == "partial" and release.get("period"):
        reply_period = (as_date(release["period"]["from"]), as_date(release["period"]["to"]))
    cautions, crimes = home_office(db, tables, force, reply_period)
    return {
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
    }


def request_row(request, rows, tables):
    """The request's row of `requests`: how many authorities answered, in part, refused, never replied,
    and what its totals are compared with."""
    period = (as_date(request["period"]["from"]), as_date(request["period"]["to"]))
    years = financial_years(*period)
    comparison = (
        f"Home Office cautions (outcome types 2 and 3, investigations closed in {' and '.join(years)}; "
        f"table {HOME_OFFICE_TABLE}) and recorded crime (table {RECORDED_CRIME_TABLE})"
        if years and {HOME_OFFICE_TABLE, RECORDED_CRIME_TABLE} <= tables else
        f"not compared: the period {period[0]} to {period[1]} is not whole financial years (April to March), "
        "the Home Office's unit" if not years else
        f"not compared: the tables {HOME_OFFICE_TABLE} and {RECORDED_CRIME_TABLE} are not in this build")
    statuses = [r["status"] for r in rows]
    return {
        "id": request["id"], "question": request["question"], "sent": as_date(request["sent"]).isoformat(),
        "recipients": request["to"] if isinstance(request["to"], str) else ", ".join(request["to"]),
        "period_from": period[0].isoformat(), "period_to": period[1].isoformat(), "authorities": len(rows),
        "answered": statuses.count("answered"), "partial": statuses.count("partial"),
        "refused": statuses.count("refused"), "no_reply": statuses.count("no reply"),
        "comparison": comparison, "is_sample": int(request["is_sample"]),
    }


def fail_at(path, release, problem, fix, key):
    line, keys = release.lines
    raise ReleaseError(path, f"release {release['id']}: {problem}", fix, line=keys.get(key, line))


def reply_total(db, manifest_path, release):
    """A rows reply: its crimes, as the figures count them. A counts reply: the cell `total:` names
    (or the sum of the cells of one row, `column: [Youth, Adult]`)."""
    if release["kind"] == "rows":
        return db.execute("select coalesce(sum(cautions), 0) from monthly_cautions where release_id = ?",
                          [release["id"]]).fetchone()[0]
    cells = db.execute("select label, column_name, published from published_totals "
                       "where release_id = ? and kind = 'total row' order by source_line, column_name",
                       [release["id"]]).fetchall()
    choices = total_choices(cells)
    wanted = release.get("total")
    if wanted is None:
        if len(cells) == 1:
            return cells[0][2]
        fail_at(manifest_path, release, "which cell answers the request? " + (
            f"its total row gives {len(cells)} counts" if cells else "it has no total row"),
            "name it with `total:`" + (f", one of:\n{choices}" if cells else
                                       ", e.g. `total: {row: All cautions, column: Cautions}` (the label of a row "
                                       "and the header of a column, as the file writes them)"), "id")
    columns = wanted["column"] if isinstance(wanted["column"], list) else [wanted["column"]]
    found = 0
    for column in columns:
        hits = [value for label, name, value in cells
                if header_key(label) == header_key(wanted["row"]) and header_key(name) == header_key(column)]
        if not hits:
            hits = data_row_cell(db, release, {"row": wanted["row"], "column": column})
        if len(hits) != 1 or hits[0] is None:
            fail_at(manifest_path, release, f"`total:` names row {wanted['row']!r}, column {column!r}: "
                    + ("no such cell" if not hits else "a withheld cell" if hits[0] is None else f"{len(hits)} cells"),
                    ("write one of:\n" + choices) if cells else "check the row's label and the column's header as "
                    "the file writes them (a header of two rows is joined with ' / ')", "total")
        found += hits[0]
    return found


def total_choices(cells):
    """The `total:` lines a journalist can paste: each cell of the total row, and, where the row
    gives several counts of one row, their sum (Youth and Adult with no Total column, say)."""
    lines = [f"    total: {{row: {label}, column: {column}}}   # "
             + ("withheld" if value is None else f"{value:,}") for label, column, value in cells]
    rows = {}
    for label, column, value in cells:
        rows.setdefault(label, []).append((column, value))
    for label, row in rows.items():
        if len(row) > 1 and None not in {v for _, v in row} \
                and not any(header_key(column) in ("total", "totals", "all") for column, _ in row):
            lines.append(f"    total: {{row: {label}, column: [{', '.join(c for c, _ in row)}]}}   "
                         f"# {sum(v for _, v in row):,}, their sum")
    return "\n".join(lines)


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


def write_story_releases(db, ids, loaded):
    """The table story_releases: each story release with the first and last id of its crimes in
    `cautions` (as cautions_table.insert() gave them out: one INSERT a release, ids only growing).
    build.py loads them last, one after another, so together they are one run of ids (checked
    here): the story's queries read cautions.id between the smallest and the largest."""
    db["story_releases"].create(TABLES["story_releases"].types, pk="release_id")
    ranges = {r.release["id"]: r.ids for r in loaded if r.table == "cautions"}
    found = []
    for release_id in ids:
        first, last = ranges.get(release_id, (None, None))
        db["story_releases"].insert({"release_id": release_id, "first_id": first, "last_id": last})
        found.append((first, last, last - first + 1 if first is not None else 0))
    ranges = [(first, last, n) for first, last, n in found if n]
    if ranges and max(r[1] for r in ranges) - min(r[0] for r in ranges) + 1 != sum(r[2] for r in ranges):
        raise RuntimeError("the story's crimes are not one run of ids in cautions")
