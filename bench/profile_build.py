"""Where build.py spends its time: the build of an n-row benchmark release under cProfile, with
the top entries by own time and by cumulative time, and the seconds of each step of build()
(staging each release, inserting it, finish(): indexes / full-text search / summary table / analyze, the headline check,
vacuum), timed by wrapping those functions.

    python bench/profile_build.py --rows 1000000
"""
import argparse
import cProfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

build = None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--steps-only", action="store_true",
                        help="time the steps without cProfile (whose overhead inflates Python code)")
    parser.add_argument("--build-py", type=Path, default=common.ROOT / "build.py",
                        help="profile another copy of build.py (with its own foi/ beside it)")
    args = parser.parse_args(argv)
    global build
    sys.path.insert(0, str(args.build_py.resolve().parent))
    import importlib.util
    spec = importlib.util.spec_from_file_location("build", args.build_py)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    _, _, manifest = common.write_release(args.rows)
    output = common.OUT / f"profile_{args.rows}.db"

    steps = {}

    def timed(name, fn):
        """fn, adding its seconds to steps[name]; name may be a function of fn's arguments."""
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                step = name(*a, **k) if callable(name) else name
                steps[step] = steps.get(step, 0) + time.perf_counter() - started
        return wrapper

    rows = build.rows
    rows.stage = timed("rows.stage (read the CSV into the raw table, decide each distinct value)", rows.stage)
    rows.decide_outcomes = timed("  of which the outcome values", rows.decide_outcomes)
    rows.decide_values = timed("  of which dates and offences (each distinct one, from the combinations)",
                               rows.decide_values)
    rows.combine = timed("  of which the combinations' table and the view raw_<id>", rows.combine)
    table = build.cautions_table
    table.plan_extra_columns = timed("cautions_table.plan_extra_columns (type the unmapped columns)",
                                     table.plan_extra_columns)
    table.insert = timed("cautions_table.insert (cautions by one INSERT ... SELECT)", table.insert)
    table.check_references = timed("  of which the unique index on crime references", table.check_references)
    table.keep_raw = timed("  of which the raw copy (raw_<id>_cells)", table.keep_raw)
    build.finish = timed("finish (indexes, FTS, summary, views, analyze)", build.finish)
    build.write_monthly_cautions = timed("  finish: the monthly summary", build.write_monthly_cautions)
    build.headline.check = timed("figures.check (every headline query)", build.headline.check)
    build.headline.check_queries = timed("figures.check_queries (every canned query, once)", build.headline.check_queries)
    rows.disclosure_rows.check_rows = timed("  of which the disclosure check", rows.disclosure_rows.check_rows)
    build.read.sniff = timed("sniff (decode the whole file first)", build.read.sniff)
    build.read.delimiter = timed("delimiter (the first lines)", build.read.delimiter)
    build.manifest_file.sha256 = timed("sha256 (release and output)", build.manifest_file.sha256)

    real_execute = build.sqlite_utils.Database.execute

    def execute(self, sql, *a, **k):
        started = time.perf_counter()
        try:
            return real_execute(self, sql, *a, **k)
        finally:
            words = " ".join(sql.split()[:3]).lower()
            for prefix, name in (("vacuum", "vacuum"), ("analyze", "  finish: analyze")):
                if words.startswith(prefix):
                    steps[name] = steps.get(name, 0) + time.perf_counter() - started
    build.sqlite_utils.Database.execute = execute

    Table = build.sqlite_utils.db.Table
    Table.create_index = timed(lambda table, columns, *a, **k: f"  index {table.name}({', '.join(columns)})",
                               Table.create_index)
    Table.enable_fts = timed(lambda table, columns, *a, **k: f"  finish: full-text index {table.name}({', '.join(columns)})",
                             Table.enable_fts)

    profiler = cProfile.Profile()
    started = time.perf_counter()
    if not args.steps_only:
        profiler.enable()
    code = build.main(["--quiet", "--manifest", str(manifest), "--output", str(output),
                       "--metadata", str(common.ROOT / "metadata.yml")])
    profiler.disable()
    total = time.perf_counter() - started
    output.unlink(missing_ok=True)
    how = "without the profiler" if args.steps_only else "under cProfile"
    print(f"\nbuild.main returned {code} after {total:.1f}s {how} ({args.rows:,} rows)\n")
    print(f"Steps (wall seconds, {how}):")
    for name, seconds in steps.items():
        print(f"  {seconds:7.2f}s  {name}")
    if args.steps_only:
        return 0
    for key in ("tottime", "cumulative"):
        print(f"\nTop {args.top} by {key}:")
        print(common.profile_top(profiler, key, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
