"""Reader benchmark (issue 21): what one reader waits for, ours beside plain Datasette in one run.

    python bench/reader_bench.py                       # 1,000,000 rows, 15 rounds
    python bench/reader_bench.py --rows 10000000 --rounds 7

1. Builds (or reuses) the database of --rows rows with build.py (bench/common.py), and writes
   its inspect file as `make build` does (build.write_inspect: row counts, sha256, size and the
   sha256 of the file's ends), and one as `datasette inspect` does (no ends).
2. Starts ours (serve.sh) and plain Datasette (serve.sh's settings, only the tables' full-text
   settings as metadata) as bench/serve_bench.py does, and requests each page once at a time,
   ours then plain, --rounds times after one warm-up request each: medians and ratios.
   Pages: the table with 2 facets, with the 4 facets of its description's link, with 2 facets
   filtered by a year; search for a common word (cannabis, 19% of rows) and a rare one (firearm,
   0.05%), as JSON and HTML.
3. Start-up, --start-rounds times each, interleaved: from starting the serve command to the first
   200 of /cautions/cautions, for ours (serve.sh; size and the ends' sha256 checked), ours with
   `datasette inspect`'s file (serve.sh hashes the whole database, as it did before issue 21)
   and plain Datasette (`datasette serve -i --inspect-file`). The file is in the page cache
   after the first start (a cold start reads from disk as well).
Every server started here is stopped before the script ends.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import serve_bench  # noqa: E402
from common import fmt, median  # noqa: E402

sys.path.insert(0, str(common.ROOT))
import build  # noqa: E402  (build.write_inspect: the inspect file `make build` writes)

PAGES = [
    ("table + 2 facets", "/cautions/cautions?_facet=offence_group&_facet=caution_type"),
    ("table + 4 facets", "/cautions/cautions?_facet=offence_group&_facet=caution_type&_facet=financial_year"
                         "&_facet=release_id"),
    ("table + 2 facets, one year", "/cautions/cautions?financial_year=2016%2F17&_facet=offence_group"
                                   "&_facet=caution_type"),
    ("search common word JSON", "/cautions/cautions.json?_search=cannabis"),
    ("search common word HTML", "/cautions/cautions?_search=cannabis"),
    ("search rare word JSON", "/cautions/cautions.json?_search=firearm"),
    ("search rare word HTML", "/cautions/cautions?_search=firearm"),
]
FIRST_PAGE = "/cautions/cautions"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--start-rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=common.SEED)
    args = parser.parse_args(argv)
    db = common.ensure_db(args.rows, args.seed)
    work = common.OUT / f"reader_bench_{args.rows}"
    work.mkdir(parents=True, exist_ok=True)
    named = work / "cautions.db"  # Datasette names a database, and keys its inspect data, by file name
    named.unlink(missing_ok=True)
    named.symlink_to(db)
    ours_inspect, plain_inspect = inspect_files(named, work)
    result = {"rows": args.rows, "machine": common.machine(), "when": time.strftime("%Y-%m-%d %H:%M"),
              "pages": pages(named, ours_inspect, work, args.rounds),
              "start": start_up(named, ours_inspect, plain_inspect, work, args.start_rounds)}
    report = markdown_report(result)
    print(report)
    (common.OUT / f"reader_bench_{args.rows}.json").write_text(json.dumps(result, indent=2))
    (common.OUT / f"reader_bench_{args.rows}.md").write_text(report)
    return result


def inspect_files(db, work):
    """(as build.py writes it, as `datasette inspect` writes it), made once per database."""
    ours, plain = work / "inspect-data.json", work / "datasette-inspect.json"
    stamp = work / "inspect.stamp"
    key = f"{os.path.realpath(db)} {os.path.getsize(db)} {os.path.getmtime(os.path.realpath(db))}"
    if not (ours.exists() and plain.exists() and stamp.exists() and stamp.read_text() == key):
        with open(db, "rb") as f:
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
        build.write_inspect(db, db, sha256, ours)
        subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(plain)],
                       check=True)
        stamp.write_text(key)
    return ours, plain


def get_ms(port, path):
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as r:
        r.read()
        status = r.status
    return status, (time.perf_counter() - started) * 1000


def pages(db, inspect, work, rounds):
    servers, _ = serve_bench.start_servers(db, inspect, work)
    times = {label: {"ours": [], "plain": []} for label, _ in PAGES}
    status = {}
    try:
        for label, path in PAGES:  # warm: each server's caches and the file's pages
            status[label] = {name: get_ms(servers[name].port, path)[0] for name in ("ours", "plain")}
        for _ in range(rounds):
            for label, path in PAGES:
                for name in ("ours", "plain"):
                    times[label][name].append(get_ms(servers[name].port, path)[1])
    finally:
        for server in servers.values():
            server.stop()
    out = []
    for label, path in PAGES:
        ours, plain = median(times[label]["ours"]), median(times[label]["plain"])
        out.append({"page": label, "path": path, "ours_ms": ours, "plain_ms": plain, "speedup": plain / ours,
                    "status": status[label]})
    return out


def start_once(command, port, env=None, timeout=600):
    """Seconds from starting `command` to the first 200 of FIRST_PAGE."""
    log = open(os.devnull, "wb")
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = serve_bench.Server.__new__(serve_bench.Server)  # to stop it as serve_bench stops its servers
    server.name, server.port, server.process, server.log = "start", port, process, log
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise SystemExit(f"{command[0]} exited with {process.returncode} before serving")
            try:
                if get_ms(port, FIRST_PAGE)[0] == 200:
                    return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.02)
        raise SystemExit(f"{command} did not serve {FIRST_PAGE} in {timeout}s")
    finally:
        server.stop()


def start_up(db, ours_inspect, plain_inspect, work, rounds):
    datasette = str(common.VENV_BIN / "datasette")
    plain_metadata = work / "plain-metadata.json"
    plain_metadata.write_text(json.dumps(serve_bench.search_metadata()))

    def ours(inspect):
        def command(port):
            env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), DATASETTE=datasette, DATABASE=str(db),
                       INSPECT_FILE=str(inspect))
            return ["sh", str(common.ROOT / "serve.sh")], env
        return command

    def plain(port):
        return [str(common.PYTHON), str(common.BENCH / "plain_datasette.py"), "serve", "-i", str(db),
                "--inspect-file", str(plain_inspect), "--metadata", str(plain_metadata), *serve_bench.serve_settings(),
                "--host", "127.0.0.1", "--port", str(port)], None

    kinds = {"ours (size + ends checked)": ours(ours_inspect),
             "ours, datasette inspect's file (whole sha256)": ours(plain_inspect), "plain Datasette": plain}
    seconds = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind, command in kinds.items():
            port = common.free_port()
            argv, env = command(port)
            seconds[kind].append(start_once(argv, port, env))
    return [{"server": kind, "median_s": median(s), "runs_s": s} for kind, s in seconds.items()]


def markdown_report(r):
    lines = [f"# Reader benchmark: {r['rows']:,} rows", "", common.machine_line(r["machine"]), "",
             "One request at a time, ours then plain, medians of the rounds:", ""]
    lines.append(common.markdown_table(
        ["page", "ours ms", "plain ms", "plain/ours", "status ours/plain"],
        [[p["page"], fmt(p["ours_ms"], ".1f"), fmt(p["plain_ms"], ".1f"), fmt(p["speedup"], ".1f") + "x",
          f"{p['status']['ours']}/{p['status']['plain']}"] for p in r["pages"]]))
    lines += ["", "Start to the first 200 of /cautions/cautions (file in the page cache):", ""]
    lines.append(common.markdown_table(["server", "median s", "runs s"],
                                       [[s["server"], fmt(s["median_s"], ".2f"),
                                         ", ".join(f"{x:.2f}" for x in s["runs_s"])] for s in r["start"]]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
