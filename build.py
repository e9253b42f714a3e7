"""Build cautions.db from the FOI releases declared in data/manifest.yml.

    python build.py                 # writes cautions.db
    python build.py --strict        # ...and fails if a headline figure differs from the published one
    python build.py --output x.db --manifest other/manifest.yml --quiet

Steps: check the manifest -> load each release (validating every cell) -> indexes, full-text
search, views -> run every headline query against its published figure -> write the database
to a temporary file beside the old one, and only then put it in its place. A bad release
stops the build with the file, line and column, what is wrong and what to do; the previous
database is left exactly as it was.
"""
import argparse
import contextlib
import csv
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

import sqlite_utils
import yaml

from foi import clean, manifest as manifest_file, read
from foi.errors import ReleaseError
from foi.schema import ROW_FIELDS, header_key, match_columns

ROOT = Path(__file__).parent
BATCH = 20_000
PROGRESS_BYTES = 3_000_000  # about 50,000 rows of a typical release

CAUTIONS_COLUMNS = {
    "id": int, "release_id": str, "source_line": int, "crime_reference": str,
    "offence_code": str, "offence_code_as_given": str, "offence_description": str, "offence_description_id": int,
    "offence_group": str,
    "caution_type": str, "offender": str, "conditional": int, "outcome_as_given": str,
    "outcome_date": str, "financial_year": str, "month": str, "age_group": str, "is_sample": int,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", default=ROOT / "data" / "manifest.yml", type=Path)
    parser.add_argument("--metadata", default=ROOT / "metadata.yml", type=Path,
                        help="the Datasette metadata holding the headline queries")
    parser.add_argument("--output", default=ROOT / "cautions.db", type=Path)
    parser.add_argument("--strict", action="store_true", help="fail if a headline figure differs from the published one")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    show_progress = not args.quiet and sys.stderr.isatty()
    try:
        summary = build(args.manifest, args.output, args.metadata, show_progress=show_progress, strict=args.strict)
    except ReleaseError as e:
        print(f"Build stopped; {args.output} was not changed.\n{e}", file=sys.stderr)
        return 1
    print_summary(summary, args.output)
    wrong = [f for f in summary["figures"] if not f["matches"]]
    if wrong and args.strict:
        print(f"\n--strict: {args.output} was not changed; these headline figures differ from what was published:",
              file=sys.stderr)
        for f in wrong:
            print(f"  {f['query']}{' / ' + f['label'] if f['label'] else ''}: published {f['published_value']}, "
                  f"the data gives {f['computed_value']}", file=sys.stderr)
        print("  What to do: check the release is the one the story used, and the query's definition "
              "in metadata.yml.", file=sys.stderr)
        return 1
    return 0


def build(manifest_path, output, metadata_path, show_progress=False, strict=False):
    """Build the database into a temporary file beside `output`; replace `output` only on success
    (and, when `strict`, only if every headline figure matches the published one)."""
    started = time.perf_counter()
    manifest = manifest_file.load(manifest_path)
    headline_queries = load_headline_queries(metadata_path)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(output)
    tmp = output.parent / f".{output.name}.{os.getpid()}.tmp"
    try:
        tmp.unlink(missing_ok=True)
        db = sqlite_utils.Database(tmp)
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
        create_schema(db)
        codes = load_offence_codes(db, manifest_path.parent / manifest.get("offence_codes", "reference/offence_codes.csv"))
        descriptions = {}  # each distinct offence description -> its id in offence_descriptions
        loaded = []
        with tempfile.TemporaryDirectory() as scratch:
            for release in manifest["releases"]:
                path = manifest_path.parent / release["file"]
                loaded.append(load_release(db, release, path, codes, descriptions, scratch, show_progress))
        finish(db, headline_queries, loaded, descriptions)
        figures = check_headline_figures(db, headline_queries, manifest.get("story", {}).get("url"))
        db.conn.commit()
        db.close()  # no VACUUM: the same steps in the same order already give the same bytes
        sha256 = manifest_file.sha256(tmp)
        written = not (strict and not all(f["matches"] for f in figures))
        if written:
            os.replace(tmp, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return {"releases": loaded, "figures": figures, "seconds": time.perf_counter() - started, "sha256": sha256,
            "written": written}


def remove_abandoned_builds(output):
    """A build that was killed leaves its temporary file; delete those whose process is gone."""
    for leftover in output.parent.glob(f".{output.name}.*.tmp"):
        pid = leftover.name.split(".")[-2]
        if pid.isdigit() and not process_exists(int(pid)):
            leftover.unlink(missing_ok=True)


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create_schema(db):
    db["releases"].create({
        "id": str, "kind": str, "title": str, "authority": str, "foi_reference": str, "requested": str,
        "answered": str, "source_url": str, "licence": str, "description": str, "is_sample": int,
        "file_name": str, "sha256": str, "bytes": int, "encoding": str, "line_endings": str, "sheet": str,
        "table_name": str, "raw_table": str, "rows_read": int, "rows_loaded": int, "rows_rejected": int,
        "blank_rows": int, "suppressed_cells": int, "total_row": str, "notes": str,
        "unmapped_columns": str, "unknown_offence_codes": str,
    }, pk="id")
    db["offence_codes"].create({
        "code": str, "level": str, "description": str, "offence_group": str, "offence_subgroup": str,
        "drug_class": str, "drug": str, "drug_offence": str, "is_rape": int, "is_sexual_assault": int,
        "victim_child_under_13": int, "victim_sex": str, "is_firearm_with_intent": int,
        "source": str, "source_url": str, "licence": str,
    }, pk="code")
    # The distinct descriptions, each once: full-text search runs over these, not over every crime.
    db["offence_descriptions"].create({"id": int, "description": str}, pk="id")
    db["cautions"].create(CAUTIONS_COLUMNS, pk="id", not_null={"release_id", "crime_reference", "outcome_date"},
                          foreign_keys=[("release_id", "releases", "id"), ("offence_code", "offence_codes", "code"),
                                        ("offence_description_id", "offence_descriptions", "id")])


def load_offence_codes(db, path):
    if not path.exists():
        raise ReleaseError(path, "the offence code lookup does not exist",
                           "restore data/reference/offence_codes.csv, or correct `offence_codes:` in the manifest")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    flags = [c for c in rows[0] if c.startswith("is_") or c == "victim_child_under_13"]
    for row in rows:
        for flag in flags:
            row[flag] = int(row[flag])
    db["offence_codes"].insert_all(rows)
    return {row["code"]: row for row in rows}


def load_release(db, release, path, codes, descriptions, scratch, show_progress):
    display = str(Path("data") / release["file"])
    csv_path = path
    if path.suffix.lower() == ".xlsx":
        display += f" (sheet {release['sheet']!r})" if release.get("sheet") else ""
        csv_path = Path(scratch) / (release["id"] + ".csv")
        read.xlsx_to_csv(path, release.get("sheet"), display, csv_path)
    encoding, endings, lines = read.sniff(csv_path, display, release.get("encoding") if csv_path is path else None)
    stats = {"release": release, "display": display, "encoding": encoding, "line_endings": endings,
             "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0, "suppressed_cells": 0,
             "unmapped_columns": [], "unknown_offence_codes": {}, "total_row": None,
             "progress": show_progress and os.path.getsize(csv_path) > PROGRESS_BYTES,
             "lines": lines}
    is_xlsx = csv_path is not path
    if release["kind"] == "rows":
        load_rows(db, release, csv_path, display, encoding, is_xlsx, codes, descriptions, stats)
    else:
        load_counts(db, release, csv_path, display, encoding, is_xlsx, stats)
    db["releases"].insert({
        **{k: release.get(k) for k in ("id", "kind", "title", "authority", "foi_reference", "source_url",
                                       "licence", "description", "sheet")},
        "requested": str(release["requested"]) if release.get("requested") else None,
        "answered": str(release["answered"]) if release.get("answered") else None,
        "is_sample": int(release["is_sample"]), "file_name": release["file"],
        "sha256": manifest_file.sha256(path), "bytes": os.path.getsize(path),
        "encoding": encoding, "line_endings": endings, "table_name": stats["table"], "raw_table": stats.get("raw_table"),
        "rows_read": stats["rows_read"], "rows_loaded": stats["rows_loaded"], "rows_rejected": stats["rows_rejected"],
        "blank_rows": stats["blank_rows"], "suppressed_cells": stats["suppressed_cells"],
        "total_row": stats["total_row"], "notes": "\n".join(stats["notes"]) or None,
        "unmapped_columns": json.dumps(stats["unmapped_columns"]),
        "unknown_offence_codes": json.dumps(dict(sorted(stats["unknown_offence_codes"].items()))),
    })
    return stats


def raw_column_names(headers):
    names, seen = [], {}
    for i, header in enumerate(headers):
        name = header or f"column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def load_rows(db, release, csv_path, display, encoding, is_xlsx, codes, descriptions, stats):
    """One row per crime: every original cell into raw_<id>, the clean fields into `cautions`."""
    mapping = release.get("columns") or {}
    required_keys = {header_key(mapping.get(f) or "") for f, (req, _) in ROW_FIELDS.items() if req} - {""}

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells if c.strip()}
        found, _ = match_columns(cells, mapping)
        return len(found) >= 3 or bool(required_keys and required_keys <= keys)

    table = read.Table(csv_path, display, encoding, looks_like_header, first_line_is_column_letters=is_xlsx)
    found, problems = match_columns(table.headers, mapping)
    if problems:
        table.close()
        field, problem = problems[0]
        raise ReleaseError(display, f"the header row does not fit: {problem}",
                           f"map `{field}:` to the right header under `columns:` for release {release['id']} "
                           f"in data/manifest.yml (the headers are: {', '.join(map(repr, table.headers))})",
                           line=table.header_line)
    stats["notes"] = table.notes
    stats["unmapped_columns"] = [h for i, h in enumerate(table.headers) if i not in found.values()]
    raw_table = "raw_" + release["id"].replace("-", "_")
    raw_columns = ["source_line"] + raw_column_names(table.headers) + ["rejected_reason"]
    db[raw_table].create({c: (int if c == "source_line" else str) for c in raw_columns}, pk="source_line")
    stats.update(table="cautions", raw_table=raw_table)

    first_id = (db.execute("select max(id) from cautions").fetchone()[0] or 0) + 1
    latest = str(release.get("answered") or time.strftime("%Y-%m-%d"))
    earliest = "1990-01-01"
    period = release.get("period") or {}
    earliest, latest = str(period.get("from", earliest)), str(period.get("to", latest))
    col = {field: found.get(field) for field in ROW_FIELDS}
    raw_sql = f"insert into [{raw_table}] values ({', '.join('?' * len(raw_columns))})"
    cautions_sql = f"insert into cautions values ({', '.join('?' * len(CAUTIONS_COLUMNS))})"
    is_sample, release_id = int(release["is_sample"]), release["id"]
    raw_batch, clean_batch = [], []
    next_id = first_id
    progress = Progress(release_id, stats) if stats["progress"] else None

    def required(cells, field, line):
        cell = cells[col[field]].strip()
        if not cell:
            raise ReleaseError(display, f"{field.replace('_', ' ')} is empty",
                               "fill it in, or remove the row if it is not a crime", line=line,
                               column=table.headers[col[field]])
        return cell

    def optional(cells, field):
        """The cell, or None when the column is absent, the cell empty, or its value suppressed."""
        i = col[field]
        cell = cells[i].strip() if i is not None else None
        if cell and len(cell) <= clean.LONGEST_SUPPRESSED and clean.is_suppressed(cell):
            stats["suppressed_cells"] += 1
            return None
        return cell or None

    @lru_cache(maxsize=None)
    def outcome_date_parts(date_cell):
        """-> (ISO date, financial year, month), or ValueError(problem, what to do)."""
        outcome_date = clean.date(date_cell)
        if not earliest[:len(outcome_date)] <= outcome_date <= latest:
            raise ValueError(f"outcome date {date_cell!r} is outside {earliest} to {latest}",
                             "check the date; if the release really covers it, set `period:` for this "
                             "release in data/manifest.yml")
        return outcome_date, clean.financial_year(outcome_date), outcome_date[:7]

    @lru_cache(maxsize=None)
    def offence(code_given):
        """-> (normalised code, its row in the offence code lookup or None)."""
        code = clean.offence_code(code_given)
        return code, codes.get(code)

    outcome_at, unknown = col["outcome"], stats["unknown_offence_codes"]
    by_month = stats["by_month"] = Counter()  # (month, financial year, caution type, offender, group) -> crimes
    for line, cells in table.rows():
        stats["rows_read"] += 1
        outcome = cells[outcome_at].strip()
        age_group = optional(cells, "age_group")
        caution = clean.caution(outcome, age_group or "")
        if caution is None:  # not loaded, but kept in the raw table with the reason
            stats["rows_rejected"] += 1
            reason = f"outcome {outcome!r} is not a caution" if outcome else "no outcome given"
            raw_batch.append([line, *cells, reason])
            continue
        reference = required(cells, "crime_reference", line)
        code_given = optional(cells, "offence_code")
        description = optional(cells, "offence_description")
        try:
            outcome_date, financial_year, month = outcome_date_parts(required(cells, "outcome_date", line))
        except ValueError as e:
            fix = e.args[1] if len(e.args) > 1 else "write the date as dd/mm/yyyy"
            raise ReleaseError(display, e.args[0], fix, line=line, column=table.headers[col["outcome_date"]]) from None
        code, known = offence(code_given) if code_given else (None, None)
        if code_given and not known:
            unknown[code_given] = unknown.get(code_given, 0) + 1
        group = known["offence_group"] if known else None
        description = description or (known["description"] if known else None)
        description_id = descriptions.setdefault(description, len(descriptions) + 1) if description else None
        raw_batch.append([line, *cells, None])
        clean_batch.append([
            next_id, release_id, line, reference, code, code_given, description, description_id, group,
            caution[0], caution[1], caution[2], outcome, outcome_date, financial_year, month, age_group, is_sample,
        ])
        by_month[month, financial_year, caution[0], caution[1], group] += 1
        next_id += 1
        if len(raw_batch) >= BATCH:
            flush(db, raw_sql, raw_batch, cautions_sql, clean_batch)
            if progress:
                progress.show(line)
    flush(db, raw_sql, raw_batch, cautions_sql, clean_batch)
    if progress:
        progress.done()
    stats["rows_loaded"] = next_id - first_id
    stats["blank_rows"] = table.blank_rows
    if not stats["rows_read"]:
        raise ReleaseError(display, "the file has a header but no data rows",
                           "check the right sheet or file was exported", line=table.header_line)
    index_references(db, release, display, table.headers[col["crime_reference"]])
    check_rows_total(table, stats, display)


def flush(db, raw_sql, raw_batch, cautions_sql, clean_batch):
    db.conn.executemany(raw_sql, raw_batch)
    db.conn.executemany(cautions_sql, clean_batch)
    raw_batch.clear()
    clean_batch.clear()


def index_references(db, release, display, column):
    """The unique index on (release, crime reference), made after each release: when a reference
    repeats, making it fails, and only then are the repeated references looked up to name them."""
    db.execute("drop index if exists idx_cautions_release_id_crime_reference")
    try:
        db["cautions"].create_index(["release_id", "crime_reference"], unique=True)
    except sqlite3.IntegrityError:
        check_duplicate_references(db, release, display, column)
        raise


def check_duplicate_references(db, release, display, column):
    duplicates = db.execute(
        "select crime_reference, group_concat(source_line, ', ') from cautions where release_id = ? "
        "group by crime_reference having count(*) > 1 order by min(source_line) limit 3", [release["id"]]).fetchall()
    if duplicates:
        reference, lines = duplicates[0]
        raise ReleaseError(display, f"crime reference {reference!r} appears more than once (lines {lines})"
                           + (f"; {len(duplicates) - 1} more references repeat too" if len(duplicates) > 1 else ""),
                           "a row-level release has one row per crime: remove the repeated rows, or ask the force "
                           "whether they are different outcomes of one crime", line=int(lines.split(",")[0]),
                           column=column)


def check_rows_total(table, stats, display):
    for line, cells in table.totals:
        numbers = [clean.count(c) for c in cells[1:] if re.fullmatch(r"\d[\d,]*", c.strip())]
        if not numbers:
            stats["total_row"] = f"line {line}: no number"
            continue
        expected = stats["rows_read"]
        if numbers[0] != expected:
            raise ReleaseError(display, f"the total row says {numbers[0]:,} crimes but the file has {expected:,} data rows",
                               "check no rows were lost or added when the file was exported; ask the force which is right",
                               line=line)
        stats["total_row"] = f"line {line}: {numbers[0]:,}, matches the rows"


def load_counts(db, release, csv_path, display, encoding, is_xlsx, stats):
    """A published table of counts, as its own table: count columns typed, suppressed cells kept as such."""
    named = [header_key(c) for c in release.get("counts") or []]
    pattern = re.compile(release["counts_matching"]) if release.get("counts_matching") else None

    def is_count(header):
        return header_key(header) in named or bool(pattern and pattern.search(header.strip()))

    def looks_like_header(cells):
        keys = {header_key(c) for c in cells}
        return (named and set(named) <= keys) or (not named and any(is_count(c) for c in cells if c.strip()))

    table = read.Table(csv_path, display, encoding, looks_like_header, first_line_is_column_letters=is_xlsx,
                       header_fix="check `counts:` (or `counts_matching:`) for this release in data/manifest.yml "
                                  "names the count columns exactly as the file's header writes them")
    headers = table.headers
    if len(set(map(header_key, headers))) < len(headers):
        repeated = sorted({h for h in headers if [header_key(x) for x in headers].count(header_key(h)) > 1})
        table.close()
        raise ReleaseError(display, "the header repeats " + ", ".join(repr(h) if h else "'' (columns with no name)"
                                                                  for h in repeated),
                           "rename the repeated columns so each says what it counts", line=table.header_line)
    counts = [i for i, h in enumerate(headers) if is_count(h)]
    columns = {"source_line": int, **{h: (int if i in counts else str) for i, h in enumerate(headers)}, "suppressed": str}
    name = release["table"]
    db[name].create(columns, pk="source_line")
    stats.update(table=name, notes=table.notes)
    sums = {i: 0 for i in counts}
    suppressed_in = set()
    rows = []
    for line, cells in table.rows():
        stats["rows_read"] += 1
        values, suppressed = [line], []
        for i, cell in enumerate(cells):
            if i not in counts:
                values.append(cell.strip() or None)
            elif clean.is_suppressed(cell):
                values.append(None)
                suppressed.append(f"{headers[i]}: {cell.strip()}")
                suppressed_in.add(i)
                stats["suppressed_cells"] += 1
            else:
                try:
                    number = clean.count(cell)
                except ValueError as e:
                    raise ReleaseError(display, f"{e} in a count column", "correct the cell; if the force withheld "
                                       "the number, leave its marker (such as * or <5) as it is", line=line,
                                       column=headers[i]) from None
                values.append(number)
                sums[i] += number or 0
        values.append("; ".join(suppressed) or None)
        rows.append(values)
    if rows:
        db.conn.executemany(f"insert into [{name}] values ({', '.join('?' * len(columns))})", rows)
    stats["rows_loaded"] = len(rows)
    stats["blank_rows"] = table.blank_rows
    if not rows:
        raise ReleaseError(display, "the file has a header but no data rows",
                           "check the right sheet or file was exported", line=table.header_line)
    for line, cells in table.totals:
        for i in counts:
            if not cells[i].strip() or clean.is_suppressed(cells[i]):
                continue
            try:
                total = clean.count(cells[i])
            except ValueError as e:
                raise ReleaseError(display, f"{e} in the total row", "correct the total, or remove the row: "
                                   "the build adds up the rows itself", line=line, column=headers[i]) from None
            if total != sums[i] and not (i in suppressed_in and total > sums[i]):
                raise ReleaseError(display, f"the total row gives {total:,} for {headers[i]!r} but the rows add up to {sums[i]:,}",
                                   "check for missing or extra rows; if the force's total is wrong, note it and ask them",
                                   line=line, column=headers[i])
        stats["total_row"] = f"line {line}: adds up"


class Progress:
    """A progress bar on stderr for big files, estimated from the file's size and rows so far."""

    def __init__(self, name, stats):
        self.name, self.stats, self.width = name, stats, 30
        self.started = time.perf_counter()

    def show(self, line):
        rows = self.stats["rows_read"]
        share = min(0.99, line / self.stats["lines"])
        filled = int(share * self.width)
        print(f"\r{self.name} [{'#' * filled}{'.' * (self.width - filled)}] {rows:,} rows", end="",
              file=sys.stderr, flush=True)

    def done(self):
        print(f"\r{self.name} [{'#' * self.width}] {self.stats['rows_read']:,} rows in "
              f"{time.perf_counter() - self.started:.1f}s", file=sys.stderr)


def finish(db, headline_queries, loaded, descriptions):
    """Indexes, full-text search, the per-month summary and the views the headline queries read.
    (The unique index on crime references is made as each release is loaded.)"""
    # Behind the headline queries and their charts (offence_code, covering the year and type they
    # are broken down by), search (offence_description_id, likewise), the newest-first sort
    # (outcome_date) and the facets.
    for columns in (["offence_code", "financial_year", "caution_type"],
                    ["offence_description_id", "financial_year", "caution_type"], ["outcome_date"], ["financial_year", "caution_type"], ["offence_group"],
                    ["caution_type"]):
        db["cautions"].create_index(columns)
    db.conn.executemany("insert into offence_descriptions values (?, ?)",
                        [(i, description) for description, i in descriptions.items()])
    db["offence_descriptions"].enable_fts(["description"], create_triggers=False)
    db["offence_codes"].enable_fts(["description"], create_triggers=False)
    write_cautions_by_month(db, loaded)
    db["cautions_by_month"].create_index(["month"])
    db["cautions_by_month"].create_index(["financial_year", "offender"])
    for name, query in headline_queries.items():
        if query.get("rows_view"):
            try:
                db.create_view(f"{name}_rows", query["rows_view"])
            except sqlite3.Error as e:
                raise ReleaseError("metadata.yml", f"the rows_view of query {name} is not valid SQL ({e})",
                                   "fix the SQL under `rows_view:`") from None
    db.execute("pragma analysis_limit = 1000")  # planner statistics from a sample: fast at any size
    db.execute("analyze")


def load_headline_queries(metadata_path):
    """The canned queries of metadata.yml: those with `published:` are the headline figures."""
    try:
        metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ReleaseError(metadata_path, f"cannot read the site metadata ({e})", "restore metadata.yml") from None
    return (metadata.get("databases", {}).get("cautions", {}).get("queries") or {})


def write_cautions_by_month(db, loaded):
    """The per-month summary behind the headline totals and charts, from the counts kept while
    loading (the same as a GROUP BY over cautions, without reading it again), in a fixed order."""
    db["cautions_by_month"].create({
        "release_id": str, "month": str, "financial_year": str, "caution_type": str, "offender": str,
        "offence_group": str, "cautions": int,
    }, foreign_keys=[("release_id", "releases", "id")])
    rows = [(stats["release"]["id"], *key, count) for stats in loaded if "by_month" in stats
            for key, count in stats["by_month"].items()]
    rows.sort(key=lambda r: [(value is not None, value or "") for value in r[:-1]])
    db.conn.executemany("insert into cautions_by_month values (?, ?, ?, ?, ?, ?, ?)", rows)


def check_headline_figures(db, queries, story_url):
    """Run every headline query; write each published figure beside what the data gives."""
    figures = []
    for name, query in queries.items():
        for published in query.get("published") or []:
            try:
                cursor = db.conn.execute(query["sql"])
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, r)) for r in cursor.fetchall()]
            except sqlite3.OperationalError as e:
                if "no such table" not in str(e):
                    raise ReleaseError("metadata.yml", f"headline query {name} failed: {e}", "fix its `sql:`") from None
                rows = []  # the release this figure comes from is not in this build
            except sqlite3.Error as e:
                raise ReleaseError("metadata.yml", f"headline query {name} failed: {e}", "fix its `sql:`") from None
            label = published.get("label")
            matching = [r for r in rows if label is None or label in {str(v) for k, v in r.items() if k != "cautions"}]
            computed = matching[0]["cautions"] if len(matching) == 1 else None
            figures.append({"query": name, "label": label or "", "published_sentence": published["sentence"],
                            "published_value": published["value"], "computed_value": computed,
                            "matches": int(computed == published["value"]),
                            "source_url": published.get("source_url") or story_url})
    db["headline_figures"].insert_all(figures, pk=("query", "label"), columns={"computed_value": int})
    return figures


def print_summary(summary, output):
    verb = "Built" if summary["written"] else "Checked (and did not write)"
    print(f"{verb} {output} in {summary['seconds']:.1f}s")
    for s in summary["releases"]:
        r = s["release"]
        print(f"  {r['id']}{' (SAMPLE)' if r['is_sample'] else ''}: {s['rows_loaded']:,} rows into {s['table']}"
              f"; {s['rows_rejected']:,} rejected; {s['suppressed_cells']:,} suppressed cells"
              f"; {s['blank_rows']:,} blank rows; {s['encoding']}, {s['line_endings']} line endings")
        if s["unmapped_columns"]:
            print(f"    columns kept in {s.get('raw_table')} but not mapped: {', '.join(s['unmapped_columns'])}")
        if s["unknown_offence_codes"]:
            shown = ", ".join(f"{c} ({n})" for c, n in sorted(s["unknown_offence_codes"].items())[:8])
            print(f"    offence codes not in the lookup (no offence group): {shown}")
        if s["total_row"]:
            print(f"    total row: {s['total_row']}")
    print("Headline figures (published -> this build):")
    for f in summary["figures"]:
        mark = "ok " if f["matches"] else "DIFFERS"
        print(f"  [{mark}] {f['query']}{' / ' + f['label'] if f['label'] else ''}: {f['published_value']} -> {f['computed_value']}")
    print(f"sha256 {summary['sha256']}")


if __name__ == "__main__":
    sys.exit(main())
