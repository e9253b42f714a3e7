"""Build cautions.db from the FOI releases declared in data/manifest.yml.

    python build.py                 # writes cautions.db
    python build.py --strict        # ...and fails if a headline figure differs from the published one
    python build.py --output x.db --manifest other/manifest.yml --quiet
    python build.py describe data/new_release.csv   # a manifest entry for a release nobody has declared
    python build.py --inspect-file inspect-data.json --cards cards   # as `make build`: with the database,
                                    # Datasette's inspect data and each figure's link-preview card

Steps: check the manifest -> read each release, the disclosure check on its values as they are read
(foi/disclosure.py: hidden content and personal data stop the build until the manifest decides;
withheld columns are never written) (foi/rows.py: its cells into a raw table and every
distinct value decided once; foi/counts.py: a published table as it is) -> `cautions` by one
INSERT ... SELECT per row-level release -> indexes, full-text search, views -> every headline
query against its published figure (foi/figures.py) -> write the database to a temporary file
beside the old one, and only then put it (and its inspect file and cards) in place. A bad release
stops the build with the file, line and column, what is wrong and what to do; the previous
database is left exactly as it was.
"""
import argparse
import contextlib
import gc
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils

from foi import (cards as card_pictures, cautions_table, counts, describe, disclosure, figure_blocks,
                 figures as headline, manifest as manifest_file, read, replies, rows)
from foi.errors import ReleaseError
from foi.offences import Lookup
from foi.schema import RELEASES_COLUMNS, TABLES

ROOT = Path(__file__).parent


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["describe"]:
        return describe_command(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", default=ROOT / "data" / "manifest.yml", type=Path)
    parser.add_argument("--metadata", default=ROOT / "metadata.yml", type=Path,
                        help="the Datasette metadata holding the headline queries")
    parser.add_argument("--output", default=ROOT / "cautions.db", type=Path)
    parser.add_argument("--inspect-file", type=Path,
                        help="also write Datasette's inspect data for the new database here, together with it")
    parser.add_argument("--cards", type=Path,
                        help="also draw each headline figure's link-preview card (og:image) into this folder")
    parser.add_argument("--strict", action="store_true", help="fail if a headline figure differs from the published one")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    show_progress = not args.quiet and sys.stderr.isatty()
    try:
        summary = build(args.manifest, args.output, args.metadata, show_progress=show_progress, strict=args.strict,
                        inspect_file=args.inspect_file, cards=args.cards)
    except ReleaseError as e:
        print(f"Build stopped; {args.output} was not changed.\n{e}", file=sys.stderr)
        return 1
    print_summary(summary, args.output)
    differ = [f for f in summary["figures"] if f["status"] == "differs"]
    absent = [f for f in summary["figures"] if f["status"] == "not in this build"]
    if (differ or absent) and args.strict:
        print(f"\n--strict: {args.output} was not changed.", file=sys.stderr)
        if differ:
            print("These headline figures differ from what was published:", file=sys.stderr)
            for f in differ:
                print(f"  {f['query']}{' / ' + f['label'] if f['label'] else ''}: published {f['published_value']}, "
                      f"the data gives {f['computed_value']}", file=sys.stderr)
            print("  What to do: check the release is the one the story used, and the query's definition "
                  "in metadata.yml.", file=sys.stderr)
        if absent:
            print("These headline figures come from releases that are not in this build:", file=sys.stderr)
            for f in absent:
                print(f"  {f['query']}{' / ' + f['label'] if f['label'] else ''}"
                      f"{' (release ' + f['release_id'] + ')' if f['release_id'] else ''}", file=sys.stderr)
            print("  What to do: a new story needs its own figures. In metadata.yml, remove or replace the old "
                  "story's `published:` figures (and point each figure's `release:` at your release's id); "
                  "see README.md, 'A new story'.", file=sys.stderr)
        return 1
    return 0


def describe_command(argv):
    parser = argparse.ArgumentParser(prog="build.py describe",
                                     description="Read a release nobody has declared and print a manifest entry for it.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--sheet", help="the sheet of a workbook (XLSX, XLS, ODS) to read; without it, every sheet is looked at")
    args = parser.parse_args(argv)
    try:
        return describe.describe(args.file, args.sheet)
    except ReleaseError as e:
        print(f"Could not describe {args.file}.\n{e}", file=sys.stderr)
        return 1


def build(manifest_path, output, metadata_path, show_progress=False, strict=False, inspect_file=None, cards=None):
    """Build the database into a temporary file beside `output`; replace `output` only on success
    (and, when `strict`, only if every headline figure matches the published one)."""
    started = time.perf_counter()
    manifest = manifest_file.load(manifest_path)
    site = load_site_metadata(metadata_path)
    headline_queries = (site.get("databases", {}).get("cautions", {}).get("queries") or {})
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(output)
    tmp = output.parent / f".{output.name}.{os.getpid()}.tmp"
    tmp_inspect = tmp_cards = None
    try:
        tmp.unlink(missing_ok=True)
        db = sqlite_utils.Database(tmp)
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
        db.execute("pragma threads = 2")  # index builds sort on two threads (same index, same bytes)
        lookup = Lookup(manifest_path.parent / manifest.get("offence_codes", "reference/offence_codes.csv"))
        create_schema(db, lookup)
        descriptions = {}  # each distinct offence description -> its id in offence_descriptions
        with_files = [r for r in manifest["releases"] if r.get("status") not in replies.NO_FILE]
        loaded, staged = [], []
        with tempfile.TemporaryDirectory() as scratch:
            for release in with_files:
                source = read.open_release(release, manifest_path.parent / release["file"], scratch)
                if release["kind"] == "rows":
                    staged.append(rows.stage(db, release, source, lookup, descriptions, show_progress))
                    loaded.append(staged[-1].loaded)
                else:
                    loaded.append(counts.load(db, release, source))
        extra_columns = cautions_table.plan_extra_columns(db, staged)
        cautions_table.create_cautions(db, extra_columns)
        unique_references = all(s.loaded.release.get("rows_are", "crimes") == "crimes" for s in staged)
        # The story's releases last, so its crimes are one run of ids (the story's queries read that run);
        # smallest first otherwise: the index on crime references is remade over every row after each
        # release (foi/cautions_table.py), so a round robin's small replies never remake it over a big story.
        story = replies.story_release_ids(headline_queries, with_files)
        for release in sorted(staged, key=lambda s: (s.loaded.release["id"] in story, s.loaded.rows_read)):
            cautions_table.insert(db, release, extra_columns, unique_references)
        db["releases"].insert_all([release.releases_row() for release in loaded])
        db["releases"].insert_all([replies.releases_row_without_file(r, RELEASES_COLUMNS)  # refusals, non-replies
                                   for r in manifest["releases"] if r.get("status") in replies.NO_FILE])
        replies.write_story_releases(db, story, loaded)
        db["disclosure"].insert_all([f.row(release.release["id"]) for release in loaded for f in release.disclosure])
        finish(db, headline_queries, loaded, descriptions, metadata_path)
        requests = replies.write(db, manifest_path, manifest)
        headline.check_queries(db.conn, headline_queries, metadata_path)
        figures = headline.check(db, headline_queries, with_files, (manifest.get("story") or {}).get("url"),
                                 metadata_path)
        db["headline_figures"].insert_all(figures, pk=("query", "label"),
                                          columns={"computed_value": int, "release_id": str, "matches": int})
        db.conn.commit()
        if cards:  # drawn from the new database, and put in place with it
            tmp_cards = Path(cards).parent / f".{Path(cards).name}.{os.getpid()}.tmp"
            card_pictures.write_all(db.conn, site, headline_queries, figures, manifest["releases"], tmp_cards)
        if getattr(db, "needs_vacuum", False):  # rows were coarsened (foi/small_numbers.py): no old copy stays
            db.execute("vacuum")
        db.close()  # no VACUUM otherwise: the same steps in the same order already give the same bytes
        sha256 = manifest_file.sha256(tmp)
        written = not (strict and any(f["status"] in ("differs", "not in this build") for f in figures))
        if written:
            if inspect_file:  # made from the new database, and put in place with it
                tmp_inspect = Path(inspect_file).parent / f".{Path(inspect_file).name}.{os.getpid()}.tmp"
                write_inspect(tmp, output, sha256, tmp_inspect)
            os.replace(tmp, output)
            if inspect_file:
                os.replace(tmp_inspect, inspect_file)
            if cards:
                shutil.rmtree(cards, ignore_errors=True)
                os.replace(tmp_cards, cards)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if tmp_inspect:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_inspect)
        if tmp_cards:
            shutil.rmtree(tmp_cards, ignore_errors=True)
    return {"releases": loaded, "requests": requests, "figures": figures, "seconds": time.perf_counter() - started, "sha256": sha256,
            "written": written}


def write_inspect(database, output, sha256, path):
    """What `datasette inspect` writes (the file's sha256 and size, each table's row count), so that
    Datasette serving the database immutable counts nothing at start-up."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
        tables = {name: {"count": conn.execute(f'select count(*) from "{name}"').fetchone()[0]} for name in names}
    data = {Path(output).stem: {"hash": sha256, "size": os.path.getsize(database), "file": str(Path(output).name),
                                "ends_sha256": ends_sha256(database), "tables": tables}}
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def ends_sha256(database, n=1 << 20):
    """The sha256 of the file's first MiB followed by its last (overlapping in a smaller file), as
    serve.sh takes it with head and tail to tell this build from another without reading it whole."""
    with open(database, "rb") as f:
        head = f.read(n)
        f.seek(max(0, os.path.getsize(database) - n))
        return hashlib.sha256(head + f.read()).hexdigest()


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


def create_schema(db, lookup):
    """Every table but cautions, whose extra columns come from the releases (foi/cautions_table.py)."""
    db["releases"].create(TABLES["releases"].types, pk="id")
    db["offence_codes"].create({c: int if c in lookup.flags else str for c in lookup.columns}, pk="code")
    db["offence_codes"].insert_all(lookup.rows)
    # The distinct descriptions, each once: full-text search runs over these, not over every crime.
    db["offence_descriptions"].create(TABLES["offence_descriptions"].types, pk="id")
    # How each release was read: one row per distinct value, and what the build made of it.
    db["outcome_values"].create(TABLES["outcome_values"].types, pk=("release_id", "value"),
                                foreign_keys=[("release_id", "releases", "id")])
    db["offence_matches"].create(TABLES["offence_matches"].types,
                                 pk=("release_id", "code_as_given", "description_as_given"),
                                 foreign_keys=[("release_id", "releases", "id")])
    db["date_values"].create(TABLES["date_values"].types, pk=("release_id", "value"),
                             foreign_keys=[("release_id", "releases", "id")])
    # What the disclosure check found in each release and what was decided (foi/disclosure.py): never a value.
    db["disclosure"].create(TABLES["disclosure"].types, foreign_keys=[("release_id", "releases", "id")])
    # Every total a counts release publishes (total rows, subtotal rows, a Total column), beside its rows' sum.
    db["published_totals"].create(TABLES["published_totals"].types, foreign_keys=[("release_id", "releases", "id")])


def finish(db, headline_queries, loaded, descriptions, metadata_path):
    """Indexes, full-text search, the per-month summary and the views the headline queries read.
    (The unique index on crime references is made as each release is loaded.)"""
    # Behind the headline queries and their charts (offence_code, covering the year and type they
    # are broken down by), search (offence_description_id, likewise), the newest-first sort
    # (outcome_date), and a filter on the offence group or the year (in id order: a table page's
    # first rows come without sorting). A filter on the caution type skip-scans the covering
    # indexes (a few hundred codes or descriptions, each a short range), so it has no index of its
    # own, and the table page's facets are counted from the summaries (issue 21). At 1M rows the
    # indexes this replaces, on (financial_year, caution_type) and caution_type, were 64 MiB.
    for columns in (["offence_code", "financial_year", "caution_type"],
                    ["offence_description_id", "financial_year", "caution_type"], ["outcome_date"], ["offence_group"],
                    ["financial_year"]):
        db["cautions"].create_index(columns)
    db.conn.executemany("insert into offence_descriptions values (?, ?)",
                        [(i, description) for description, i in descriptions.items()])
    db["offence_descriptions"].enable_fts(["description"], create_triggers=False)
    db["offence_codes"].enable_fts(["description"], create_triggers=False)
    write_monthly_cautions(db, loaded)
    db["monthly_cautions"].create_index(["month"])
    db["monthly_cautions"].create_index(["financial_year", "offender"])
    db["cautions_by_code"].create_index(["offence_code", "financial_year", "caution_type", "cautions"])
    figure_blocks.check_conditions(db.conn, headline_queries, metadata_path)
    for name, query in headline_queries.items():
        if query.get("rows_view"):
            try:
                db.create_view(f"{name}_rows", query["rows_view"])
            except sqlite3.Error as e:
                raise ReleaseError("metadata.yml", f"the rows_view of query {name} is not valid SQL ({e})",
                                   "fix the SQL under `rows_view:`") from None
    db.execute("pragma analysis_limit = 1000")  # planner statistics from a sample: fast at any size
    db.execute("analyze")
    # ...but a sample of the covering indexes' first entries says one code or description fills the
    # table, and then SQLite reads the whole index rather than skip-scan it: those two are counted whole
    db.execute("pragma analysis_limit = 0")
    for index in ("idx_cautions_offence_code_financial_year_caution_type",
                  "idx_cautions_offence_description_id_financial_year_caution_type"):
        db.execute(f"analyze {index}")


def load_site_metadata(metadata_path):
    """metadata.yml, each figure's block derived into its canned query (foi/figure_blocks.py): its
    canned queries with `published:` are the headline figures."""
    return figure_blocks.load(metadata_path)


def write_monthly_cautions(db, loaded):
    """The per-month summary behind the headline totals and charts, from the counts kept while
    loading (the same as a GROUP BY over cautions, without reading it again), in a fixed order."""
    db["monthly_cautions"].create(TABLES["monthly_cautions"].types, foreign_keys=[("release_id", "releases", "id")])
    rows = [(release.release["id"], *key, count) for release in loaded for key, count in release.by_month.items()]
    rows.sort(key=lambda r: [(value is not None, value or "") for value in r[:-1]])
    db.conn.executemany("insert into monthly_cautions values (?, ?, ?, ?, ?, ?, ?)", rows)
    # ...and by offence code, behind the figures that count codes: a few KB to read whatever the
    # size of the release (the static site's SQL page reads it over HTTP)
    db["cautions_by_code"].create(TABLES["cautions_by_code"].types, foreign_keys=[("release_id", "releases", "id")])
    rows = [(release.release["id"], *key, count) for release in loaded for key, count in release.by_code.items()]
    rows.sort(key=lambda r: [(value is not None, value or "") for value in r[:-1]])
    db.conn.executemany("insert into cautions_by_code values (?, ?, ?, ?, ?)", rows)


def print_summary(summary, output):
    verb = "Built" if summary["written"] else "Checked (and did not write)"
    print(f"{verb} {output} in {summary['seconds']:.1f}s")
    for s in summary["releases"]:
        r = s.release
        print(f"  {r['id']}{' (SAMPLE)' if r['is_sample'] else ''}: {s.rows_loaded:,} rows into {s.table}"
              f"; {s.rows_rejected:,} rejected; {s.suppressed_cells:,} suppressed cells"
              f"; {s.blank_rows:,} blank row{'' if s.blank_rows == 1 else 's'}"
              f"{'; skipped ' + s.skipped_lines if s.skipped_lines else ''}; {s.source.read_as}")
        if s.outcome_values:
            shown = "; ".join(f"{v.strip() or '(blank)'!r} {n:,} -> {name}" for v, n, name, _ in s.outcome_values)
            print(f"    outcomes (table outcome_values): {shown}")
        if s.date_forms:
            print("    dates (table date_values): " + ", ".join(f"{form} {n:,}" for form, n in s.date_forms.most_common()))
        if s.earliest_date:
            period = r.get("period")
            print(f"    dated {s.earliest_date} to {s.latest_date}" + (
                f" (period: {period.get('from', '...')} to {period.get('to', '...')}"
                f"{f'; {s.rows_outside_period:,} rows outside it excluded' if s.rows_outside_period else ''})"
                if period else " (no `period:` in the manifest: check these are the dates the release covers)"))
        if r.get("rows_are", "crimes") != "crimes":
            print(f"    one row per {r['rows_are'][:-1]}: the figures count each crime once")
        if s.extra_columns:
            print("    columns also kept in cautions: " + ", ".join(f"{h!r} as {c}" for h, c in s.extra_columns.items()))
        elif s.unmapped_columns:
            print(f"    columns kept in {s.raw_table} but not mapped: {', '.join(s.unmapped_columns)}")
        if s.unknown_offence_codes:
            shown = ", ".join(f"{c} ({n})" for c, n in sorted(s.unknown_offence_codes.items()))
            print(f"    offence codes not in the lookup, kept with no code (`unmatched_offences: keep`): {shown}")
        if s.unmatched_descriptions:
            shown = ", ".join(f"{d!r} ({n})" for d, n in sorted(s.unmatched_descriptions.items(), key=lambda kv: -kv[1]))
            print(f"    offence descriptions with no code, kept with none (`unmatched_offences: keep`; table "
                  f"offence_matches): {shown}")
        if s.total_row:
            print(f"    total row: {s.total_row}")
        if s.disclosure:
            print(f"    disclosure check (table disclosure): {disclosure.summary(s.disclosure)}")
    for r in summary.get("requests", []):
        counted = {s: sum(row["status"] == s for row in r.rows) for s in ("answered", "partial", "refused", "no reply")}
        print(f"  request {r.request['id']}{' (SAMPLE)' if r.request['is_sample'] else ''} (table replies): "
              f"{counted['answered']} of {len(r.rows)} answered, {counted['partial']} in part, {counted['refused']} "
              f"refused, {counted['no reply']} no reply; "
              f"{sum(bool(row['late']) for row in r.rows)} past {replies.STATUTORY_WORKING_DAYS} working days")
        print(f"    compared with: {r.comparison}")
    figures = summary["figures"]
    recomputed = [f for f in figures if f["recomputed"]]
    print(f"Headline figures (published -> this build): {sum(f['status'] == 'matches' for f in figures)} of "
          f"{len(recomputed)} recomputed from rows match; {sum(f['status'] == 'as published' for f in figures)} "
          f"taken as published; {sum(f['status'] == 'not in this build' for f in figures)} not in this build")
    marks = {"matches": "ok ", "differs": "DIFFERS", "as published": "as published, not recomputed",
             "not in this build": "not in this build"}
    for f in figures:
        computed = "" if f["status"] == "not in this build" else f" -> {f['computed_value']}"
        print(f"  [{marks[f['status']]}] {f['query']}{' / ' + f['label'] if f['label'] else ''}: "
              f"{f['published_value']}{computed}")
    print(f"sha256 {summary['sha256']}")


if __name__ == "__main__":
    gc.freeze()  # what the imports made lives to the end: no collection walks it again while rows stream
    sys.exit(main())
