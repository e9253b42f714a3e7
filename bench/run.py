"""Run the benchmarks (`make bench`) and write bench/out/results.md.

    python bench/run.py                         # build and serve benchmarks at 1,000,000 rows
    python bench/run.py --scale 10000000        # ...plus a build and the query timings at 10M rows
    python bench/run.py --runs 1 --seconds 2    # quicker, noisier

Everything is measured against a baseline in the same run (ratios), never against a fixed
time. See bench/README.md for what each number means.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_bench  # noqa: E402
import common  # noqa: E402
import reader_bench  # noqa: E402
import serve_bench  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each build and of each serve endpoint")
    parser.add_argument("--scale", type=int, help="also build once at this many rows and time the queries there")
    parser.add_argument("--seconds", type=float, default=5.0, help="load per endpoint per server per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-sqlite-utils", action="store_true", help="do not time baseline (b)")
    parser.add_argument("--skip-indexed", action="store_true", help="do not time baseline (a+)")
    parser.add_argument("--skip-serve", action="store_true", help="only the build benchmark and query timings")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: write results.md from the JSON the benchmarks last saved")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    common.OUT.mkdir(parents=True, exist_ok=True)
    machine = common.machine()
    print(f"Machine: {common.machine_line(machine)}\n")
    command = "python bench/run.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    if args.report_only:
        builds = [saved(f"build_bench_{n}.json") for n in (args.rows, args.scale) if n]
        served = saved(f"serve_bench_{args.rows}.json")
        readers = [saved(f"reader_bench_{n}.json") for n in (args.rows, args.scale) if n]
        write_results(machine, command, [b for b in builds if b], served, None, [r for r in readers if r])
        return 0

    sqlite_utils_runs = None if args.skip_sqlite_utils else 1
    builds = [build_bench.run(args.rows, args.runs, sqlite_utils_runs=sqlite_utils_runs,
                              with_indexed=not args.skip_indexed)]
    print("\n" + build_bench.text_report(builds[-1]) + "\n")
    if args.scale:
        # (b) only at --rows: at 10M rows it takes about 10 minutes and says nothing new
        builds.append(build_bench.run(args.scale, 1, sqlite_utils_runs=None,
                                      with_indexed=not args.skip_indexed))
        print("\n" + build_bench.text_report(builds[-1]) + "\n")

    serve_args = ["--rows", str(args.rows), "--runs", str(args.runs), "--seconds", str(args.seconds),
                  "--concurrency", str(args.concurrency)]
    if args.scale:
        serve_args += ["--scale", str(args.scale)]
    if args.skip_serve:
        serve_args.append("--queries-only")
    served = serve_bench.main(serve_args)
    readers = []
    if not args.skip_serve:  # one reader's waits, ours beside plain: facet pages, search, start-up
        readers = [reader_bench.main(["--rows", str(n)]) for n in (args.rows, args.scale) if n]

    write_results(machine, command, builds, served, (time.perf_counter() - started) / 60, readers)
    return 0


def saved(name):
    """A benchmark's saved JSON, with the row counts that JSON turned into strings made ints again."""
    path = common.OUT / name
    if not path.exists():
        print(f"{path} not found; left out")
        return None
    result = json.loads(path.read_text())
    for entry in result.get("queries", {}).get("queries", []):
        entry["by_size"] = {int(k): v for k, v in entry["by_size"].items()}
    if "queries" in result:
        result["queries"]["cautions_rows"] = {int(k): v for k, v in result["queries"]["cautions_rows"].items()}
    return result


def write_results(machine, command, builds, served, minutes, readers=()):
    when = [b["when"] for b in builds] + ([served["when"]] if served else [])
    took = f", {minutes:.0f} minutes" if minutes is not None else " (report from saved results)"
    text = "\n".join([
        "# Benchmark results",
        "",
        f"{', '.join(sorted(set(when)))}: `{command}`{took}.",
        "",
        f"**Machine**: {machine['cpu']}; {machine['cores']} cores; {machine['ram_gb']} GB RAM; "
        f"Python {machine['python']}; SQLite {machine['sqlite']}; {machine['datasette']}; {machine['os']}.",
        "",
        "Figures are medians of repeated runs, compared with a baseline measured in the same run. "
        "Targets: build.py within 4x of baseline (a) and under 200 MB peak RSS; the site (serve.sh) "
        "at >= 1.0x plain Datasette's requests per second (each round's pair back to back); headline query time independent of table "
        "size. See bench/README.md.",
        "",
        "## Build",
        "",
        *[build_bench.markdown_report(b) for b in builds],
        "## Serve and query",
        "",
        serve_bench.markdown_report(served) if served else "(not run)",
        "",
        "## One reader at a time",
        "",
        *[reader_bench.markdown_report(r) for r in readers],
    ])
    (common.OUT / "results.md").write_text(text)
    print(f"\nwrote {(common.OUT / 'results.md').relative_to(common.ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
