"""Issue 19's attacks, measured at scale against the site as serve.sh runs it.

    python bench/attack_bench.py --rows 1000000                 # this checkout
    python bench/attack_bench.py --rows 1000000 --root ../other  # another checkout's serve.sh and plugins

The database is the serve benchmark's (bench/out/cautions_<rows>_<seed>.db, built if missing);
its exports (exports.py) are written once, in bench/out/attack_bench_<rows>/exports/.
Each attack, in turn, on 127.0.0.1, every client with a timeout:

1. 50 concurrent queries that each run into the time limit, while one client asks for the home
   page, the stylesheet and a cached figure page in turn: their slowest and median times, and
   how the 50 were answered.
2. The abandoned stream: a client asks for the home page's full-data link
   (`total_cautions_rows.csv?_stream=on&_dl=1`) and a filtered stream (110,748 rows at 1M), reads
   64 KB and leaves;
   the server's CPU seconds over the next 5 s.
3. HEAD of /cautions.db: its time.
4. The largest answer to an address under 16 KB (the issue's facet and alias URLs).
5. Full streamed exports: status, bytes and whether the whole table came (rows counted).
6. SIGTERM while streams and time-limited queries run: seconds until the process ends.

Writes bench/out/attack_bench_<rows>[_<label>].json and prints a table.
"""
import argparse
import concurrent.futures
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TIME_LIMITED = "select count(*) from cautions a, cautions b, cautions c where a.id > {n}"


def get(url, timeout=60, method="GET", limit=None):
    """(status, bytes read, seconds, headers); reads at most `limit` bytes, then leaves."""
    started = time.monotonic()
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(limit) if limit else response.read()
            return response.status, len(body), time.monotonic() - started, dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, len(e.read()), time.monotonic() - started, dict(e.headers)
    except Exception as e:  # noqa: BLE001 -- a timeout or a cut connection is a result here
        return type(e).__name__, 0, time.monotonic() - started, {}


def sql(query, fmt=".json"):
    return f"/cautions{fmt}?" + urllib.parse.urlencode({"sql": query})


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Site:
    def __init__(self, root, db, inspect, exports, log):
        self.port = common.free_port()
        # PYTHONPATH: that checkout's plugins/ package, found before the one installed in this venv
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), DATASETTE=str(common.VENV_BIN / "datasette"),
                   PYTHON=str(common.PYTHON), PYTHONPATH=str(Path(root).resolve()),
                   DATABASE=str(db), INSPECT_FILE=str(inspect), EXPORTS=str(exports))
        self.log = open(log, "wb")
        self.process = subprocess.Popen(["sh", str(Path(root) / "serve.sh")], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while get(self.url + "/-/versions.json", timeout=2)[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve.sh did not start; see {log}")
            time.sleep(0.3)
        # serve.sh execs datasette: the process is the server
        self.pid = self.process.pid

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def fifty_queries(site, headline):
    reading = ["/", "/static/site.css", f"/cautions/{headline}"]
    for path in reading:
        get(site.url + path)
    times = {path: [] for path in reading}
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        attack = [pool.submit(get, site.url + sql(TIME_LIMITED.format(n=n)), 90) for n in range(50)]
        while not all(a.done() for a in attack):
            for path in reading:
                times[path].append(get(site.url + path, timeout=60)[2])
        answers = [a.result() for a in attack]
    statuses = {}
    for a in answers:
        statuses[str(a[0])] = statuses.get(str(a[0]), 0) + 1
    return {
        "reading": {p: {"max_s": round(max(t), 3), "median_s": round(statistics.median(t), 3), "n": len(t)}
                    for p, t in times.items()},
        "attack_statuses": statuses,
        "attack_slowest_s": round(max(a[2] for a in answers), 2),
    }


def abandoned_stream(site, path):
    before = cpu_seconds(site.pid)
    status, size, _, _ = get(site.url + path, limit=65536)
    left = time.monotonic()
    time.sleep(5)
    return {"path": path, "status": status, "read": size,
            "server_cpu_s_in_5s_after": round(cpu_seconds(site.pid) - before, 2),
            "measured_for_s": round(time.monotonic() - left, 1)}


def whole_export(site, path, expected_rows):
    started = time.monotonic()
    request = urllib.request.Request(site.url + path)
    lines, size, status, error, length = 0, 0, None, None, None
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            status, length = response.status, response.headers.get("Content-Length")
            while chunk := response.read(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
        size, error = len(body), body[:200].decode("utf-8", "replace")
    except Exception as e:  # noqa: BLE001
        error = f"{type(e).__name__}: {e}"[:200]
    return {"path": path, "status": status, "bytes": size, "content_length": length, "data_rows": max(lines - 1, 0),
            "expected_rows": expected_rows, "error": error, "seconds": round(time.monotonic() - started, 1)}


def sigterm(site, headline):
    pool = concurrent.futures.ThreadPoolExecutor(8)
    for n in range(4):
        pool.submit(get, site.url + sql(TIME_LIMITED.format(n=n)), 30)
    for path in (f"/cautions/{headline}_rows.csv?_stream=on&_dl=1", "/cautions/cautions.csv?_stream=on&id__gt=0"):
        pool.submit(get, site.url + path, 30, "GET", 65536)
    idle = socket.create_connection(("127.0.0.1", site.port))
    time.sleep(1)
    started = time.monotonic()
    os.kill(site.pid, signal.SIGTERM)
    try:
        site.process.wait(60)
        seconds = round(time.monotonic() - started, 2)
    except subprocess.TimeoutExpired:
        seconds = ">60"
    idle.close()
    pool.shutdown(wait=False, cancel_futures=True)
    return {"seconds_to_exit": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=common.SEED)
    parser.add_argument("--root", default=str(common.ROOT), help="the checkout whose serve.sh and plugins to run")
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    built = common.ensure_db(args.rows, args.seed)
    work = common.OUT / f"attack_bench_{args.rows}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "cautions.db"  # Datasette names a database by its file: the site's URLs need cautions
    if not db.is_symlink():
        db.symlink_to(built)
    inspect = work / "inspect-data.json"
    if not inspect.exists():
        subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)],
                       check=True)
    exports = work / "exports"
    if not (exports / "exports.json").exists():
        subprocess.run([str(common.PYTHON), str(common.ROOT / "exports.py"), "--database", str(db),
                        "--output", str(exports)], check=True)
    import sqlite3
    with sqlite3.connect(f"file:{db}?immutable=1", uri=True) as conn:
        headline = "rape_cautions"
        rows_view = conn.execute(f"select count(*) from {headline}_rows").fetchone()[0]
        total = conn.execute("select count(*) from cautions").fetchone()[0]
        drugs = conn.execute("select count(*) from cautions where offence_group = 'Drug offences'").fetchone()[0]
        damage = conn.execute("select count(*) from cautions where offence_group = 'Criminal damage and arson'"
                              ).fetchone()[0]
    result = {"rows": args.rows, "root": args.root, "when": time.strftime("%Y-%m-%d %H:%M"),
              "machine": common.machine()}

    def fresh():
        return Site(args.root, db, inspect, exports, work / f"server{args.label}.log")

    site = fresh()
    try:
        print("50 time-limited queries ...", flush=True)
        result["fifty_queries"] = fifty_queries(site, headline)
        print(json.dumps(result["fifty_queries"]), flush=True)
        print("abandoned streams ...", flush=True)
        result["abandoned"] = [abandoned_stream(site, "/cautions/total_cautions_rows.csv?_stream=on&_dl=1"),
                               abandoned_stream(site, "/cautions/cautions.csv?_stream=on&offence_group=Criminal+damage+and+arson")]
        print(json.dumps(result["abandoned"]), flush=True)
        status, _, seconds, headers = get(site.url + "/cautions.db", method="HEAD", timeout=120)
        result["head_db"] = {"status": status, "seconds": round(seconds, 3),
                             "content_length": headers.get("content-length") or headers.get("Content-Length")}
        print(json.dumps(result["head_db"]), flush=True)
        amplifiers = {
            "padded facets": "/cautions/cautions?id__lt=5000&_facet=crime_reference&_facet=id&_facet=source_line"
                             "&_facet=outcome_date&_facet=month&_facet_size=max&_pad=" + "x" * 15_000,
            "14 KB alias": sql("select 1 as [" + "a" * 14_000 + "] from cautions limit 1000") + "&_shape=objects",
        }
        result["amplification"] = {}
        for name, path in amplifiers.items():
            status, size, seconds, _ = get(site.url + path, timeout=120)
            result["amplification"][name] = {"url_bytes": len(path), "status": status, "bytes": size,
                                             "seconds": round(seconds, 2)}
        print(json.dumps(result["amplification"]), flush=True)
        print("whole exports ...", flush=True)
        result["exports"] = [whole_export(site, "/cautions/cautions.csv?_stream=on", total),
                             whole_export(site, f"/cautions/{headline}_rows.csv?_stream=on&_dl=1", rows_view),
                             whole_export(site, "/cautions/cautions.csv?_stream=on&offence_group=Drug+offences", drugs),
                             whole_export(site, "/cautions/cautions.csv?_stream=on&offence_group=Criminal+damage+and+arson",
                                          damage)]
        print(json.dumps(result["exports"]), flush=True)
    finally:
        site.stop()
    site = fresh()
    try:
        result["sigterm"] = sigterm(site, headline)
        print(json.dumps(result["sigterm"]), flush=True)
    finally:
        site.stop()
    out = common.OUT / f"attack_bench_{args.rows}{'_' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
