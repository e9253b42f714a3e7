"""Build benchmark: how long build.py takes, and how much memory it needs, beside two baselines
measured in the same run on the same FOI-shaped file.

    python bench/build_bench.py                  # 1,000,000 rows, 3 runs
    python bench/build_bench.py --rows 10000000 --runs 1 --skip-sqlite-utils
    python bench/build_bench.py --runs 3 --before /work/main   # ...and another checkout's build.py, interleaved

  ours  build.py --quiet (validation, cleaning, raw table, indexes, full-text search, views,
        headline check, vacuum)
  (a)   bench/baseline_load.py: csv + sqlite3 executemany into one table, nothing else
  (a+)  (a), then the indexes and full-text index build.py's finish() makes (for scale only:
        how much of ours is SQL any indexed, searchable load must run)
  (b)   sqlite-utils insert <db> t <csv> --csv (the file without its title row); run once
        unless --sqlite-utils-runs says otherwise
  before  with --before DIR: DIR's build.py (its own foi/ and metadata.yml), run after ours in each
        round: a change measured against the code before it in one run, and its database compared
        with ours byte for byte

Each run is a fresh process; the medians are printed with the ratio to (a), the CPU seconds (user +
sys of the process and its children: on a shared machine, steadier than the wall clock) and their
ratio to (a)'s, peak RSS (from wait4, the process and its children) and the size of the database. Targets (issue 10): ours within 4x
of (a) at 1M rows; ours under 200 MB peak RSS; the same database, byte for byte, run to run.
"""
import argparse
import json
import resource
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import fmt, median  # noqa: E402

TARGET_RATIO = 4.0
TARGET_RSS_MB = 200
TARGET_DB_MIB_PER_MILLION = 400  # issue 21: at most 400 MiB at 1M rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=common.SEED)
    parser.add_argument("--skip-sqlite-utils", action="store_true", help="do not time (b)")
    parser.add_argument("--sqlite-utils-runs", type=int, default=1,
                        help="runs of (b), which is slow (default 1)")
    parser.add_argument("--skip-indexed", action="store_true", help="do not time (a+)")
    parser.add_argument("--before", type=Path, help="also time this checkout's build.py, interleaved with ours")
    args = parser.parse_args(argv)
    result = run(args.rows, args.runs, args.seed, None if args.skip_sqlite_utils else args.sqlite_utils_runs,
                 with_indexed=not args.skip_indexed, before=args.before)
    print()
    print(text_report(result))
    return result


def run(rows, runs, seed=common.SEED, sqlite_utils_runs=1, with_indexed=True, log=print, before=None):
    common.OUT.mkdir(parents=True, exist_ok=True)
    release, header_first, manifest = common.write_release(rows, seed, log)
    work = common.OUT / f"build_bench_{rows}"
    work.mkdir(exist_ok=True)
    needed_gb = 12 * release.stat().st_size / 1024 ** 3
    if common.disk_free_gb(work) < needed_gb:
        raise SystemExit(f"about {needed_gb:.0f} GB of free disk is needed in {work}; "
                         f"{common.disk_free_gb(work):.0f} GB is free")
    sqlite_utils = str(common.VENV_BIN / "sqlite-utils")
    commands = {
        "ours": lambda db: common.build_command(manifest, db),
        "a": lambda db: [str(common.PYTHON), str(common.BENCH / "baseline_load.py"), str(release), str(db)],
        "a+": lambda db: [str(common.PYTHON), str(common.BENCH / "baseline_load.py"), "--indexed", str(release),
                          str(db)],
        "b": lambda db: [sqlite_utils, "insert", str(db), "t", str(header_first), "--csv"],
    }
    if before:
        before = Path(before).resolve()
        commands["before"] = lambda db: [str(common.PYTHON), str(before / "build.py"), "--quiet", "--manifest",
                                         str(manifest), "--output", str(db), "--metadata", str(before / "metadata.yml")]
    measured = {name: [] for name in commands}
    for i in range(runs):
        order = ["ours"] + (["before"] if before else []) + ["a"] + (["a+"] if with_indexed else []) + (
            ["b"] if sqlite_utils_runs and i < sqlite_utils_runs else [])
        for name in order:
            db = work / f"{name}.db"
            db.unlink(missing_ok=True)
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            m = common.run_measured(commands[name](db), work / f"{name}_run{i + 1}.log")
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build, through its launcher
            m["cpu_seconds"] = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
            if m["returncode"] != 0:
                raise SystemExit(f"{name} failed (exit {m['returncode']}); see {m['log']}:\n"
                                 + Path(m["log"]).read_text()[-2000:])
            m["db_mb"] = common.mb(db.stat().st_size)
            if name in ("ours", "before"):  # the output must be the same bytes every run
                m["sha256"] = common.file_sha256(db)
            measured[name].append(m)
            log(f"run {i + 1}/{runs} {name:4}: {m['seconds']:7.2f}s  CPU {m['cpu_seconds']:6.2f}s  peak RSS {m['peak_rss_mb']:6.0f} MB  "
                f"db {m['db_mb']:6.0f} MB")
            if name == "ours" and i == runs - 1:
                sizes = db_sizes(db)
                common.store_built_db(db, rows, seed)  # for serve_bench.py
            else:
                db.unlink()
    summary = {}
    for name, ms in measured.items():
        if not ms:
            continue
        summary[name] = {"runs": len(ms), "seconds": median(m["seconds"] for m in ms),
                         "seconds_all": [round(m["seconds"], 3) for m in ms],
                         "cpu_seconds": median(m["cpu_seconds"] for m in ms),
                         "peak_rss_mb": max(m["peak_rss_mb"] for m in ms),
                         "db_mb": median(m["db_mb"] for m in ms)}
    shas = {m["sha256"] for m in measured["ours"]}
    if before:
        same = {m["sha256"] for m in measured["before"]} == shas
        summary["before"]["same_bytes_as_ours"] = same
        log(f"before ({before}): {'the same database as ours' if same else 'NOT the same database as ours'}")
    summary["ours"]["byte_identical_runs"] = len(shas) == 1
    log(f"ours: {len(measured['ours'])} run(s), {'the same database byte for byte' if len(shas) == 1 else 'DIFFERENT databases'}"
        f" (sha256 {sorted(shas)[0][:16]}...)")
    base = summary["a"]["seconds"]
    for s in summary.values():
        s["ratio_to_a"] = s["seconds"] / base
        s["cpu_ratio_to_a"] = s["cpu_seconds"] / summary["a"]["cpu_seconds"]
    ours_log = Path(measured["ours"][-1]["log"]).read_text(errors="replace")
    result = {"rows": rows, "seed": seed, "runs": runs, "release_mb": common.mb(release.stat().st_size),
              "db_sizes_mib": sizes,
              "generator": common.GENERATOR, "summary": summary, "ours_output": ours_log[-3000:],
              "machine": common.machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    (common.OUT / f"build_bench_{rows}.json").write_text(json.dumps(result, indent=2))
    (common.OUT / f"build_bench_{rows}.md").write_text(markdown_report(result))
    return result


def db_sizes(db):
    """Where the database's bytes are: each table and index, in MiB, largest first (SQLite's dbstat)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [[name, round(size / 2 ** 20, 3)] for name, size in conn.execute(
            "select name, sum(pgsize) from dbstat group by name order by 2 desc, 1")]


def size_report(result):
    sizes = result.get("db_sizes_mib")
    if not sizes:
        return ""
    total = sum(size for _, size in sizes)
    target = TARGET_DB_MIB_PER_MILLION * result["rows"] / 1_000_000
    shown = [[name, fmt(size, ".1f")] for name, size in sizes if size >= 0.5]
    rest = sum(size for _, size in sizes if size < 0.5)
    verdict = (f" (target at most {target:.0f} MiB, {TARGET_DB_MIB_PER_MILLION} per 1M rows: "
               f"{'meets' if total <= target else 'OVER'})") if result["rows"] >= 1_000_000 else ""
    return (f"ours: {total:.1f} MiB{verdict}; by table and index:\n"
            + common.markdown_table(["table or index", "MiB"], shown + [[f"the other {len(sizes) - len(shown)}",
                                                                          fmt(rest, ".1f")]]) + "\n")


LABELS = {"ours": "ours: build.py", "before": "before: --before's build.py", "a": "(a) csv + sqlite3 executemany",
          "a+": "(a+) (a) + 7 indexes + FTS5, as finish()", "b": "(b) sqlite-utils insert --csv"}


def rows_of(result):
    s = result["summary"]
    out = []
    for name in ("ours", "before", "a", "a+", "b"):
        if name not in s:
            continue
        x = s[name]
        target = ""
        if name == "ours":
            ratio_ok = "meets" if x["ratio_to_a"] <= TARGET_RATIO else "OVER"
            rss_ok = "meets" if x["peak_rss_mb"] < TARGET_RSS_MB else "OVER"
            target = (f"<= {TARGET_RATIO:g}x of (a): {ratio_ok}; "
                      f"< {TARGET_RSS_MB} MB RSS: {rss_ok}")
        out.append([LABELS[name], x["runs"], fmt(x["seconds"]), fmt(x["ratio_to_a"], ".2f") + "x",
                    fmt(x.get("cpu_seconds")), fmt(x.get("cpu_ratio_to_a"), ".2f") + "x",
                    fmt(x["peak_rss_mb"], ".0f"), fmt(x["db_mb"], ".0f"), target])
    return out


HEADERS = ["loader", "runs", "median s", "ratio to (a)", "median CPU s", "CPU ratio", "peak RSS MB", "db MB",
           "target"]


def text_report(result):
    head = (f"Build benchmark: {result['rows']:,} rows ({result['release_mb']:.0f} MB CSV, "
            f"{result['generator']}), {result['runs']} run(s)\n")
    return head + common.text_table(HEADERS, rows_of(result)) + "\n" + size_report(result)


def markdown_report(result):
    s = result["summary"]["ours"]
    return "\n".join([
        f"### Build: {result['rows']:,} rows",
        "",
        f"A {result['release_mb']:.0f} MB FOI-shaped CSV from {result['generator']} (title row, blank row, "
        f"header, rows, blank row, note). Median of {result['runs']} run(s), each in a fresh process; "
        "peak RSS is the largest of the runs; (b) runs fewer times, as noted.",
        "",
        common.markdown_table(HEADERS, rows_of(result)),
        "",
        f"All runs of build.py: {', '.join(f'{x:.2f}s' for x in s['seconds_all'])}."
        + (f" Of --before's: {', '.join(f'{x:.2f}s' for x in result['summary']['before']['seconds_all'])}"
           f" ({'the same database' if result['summary']['before']['same_bytes_as_ours'] else 'NOT the same database'})."
           if "before" in result["summary"] else ""),
        "",
        size_report(result),
    ])


if __name__ == "__main__":
    main()
