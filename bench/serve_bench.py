"""Serve benchmark: the site as serve.sh runs it beside plain Datasette on the same database, and
the canned queries' SQL timed directly in SQLite as the table grows.

    python bench/serve_bench.py                          # 1,000,000 rows, 5 s per endpoint, 8 at once
    python bench/serve_bench.py --scale 10000000         # ...and time the queries at 10M rows too
    python bench/serve_bench.py --queries-only --rows 1000000 --scale 10000000

1. Builds (or reuses) a database of --rows generated rows with build.py, and runs
   `datasette inspect` on it.
2. Starts two servers on free 127.0.0.1 ports: ours (serve.sh: metadata, plugins, templates,
   -i, the inspect file, its settings) and plain (`datasette serve -i <db> --inspect-file <f>`
   with serve.sh's settings, no metadata, plugins or templates).
3. Loads each endpoint on each server in turn with wrk (if /usr/bin/wrk exists) or a threaded
   http.client loader, for --seconds (and at most --max-requests): each headline canned query
   as JSON and HTML (plain Datasette runs the same SQL through /cautions.json?sql=), the table
   page with two facets, a full-text search, a JSON and a CSV export. Reports requests per
   second, median and 99th-percentile latency, and ours as a ratio to plain (the median of each round's ratio; target >= 1.0x).
4. Times each canned query's SQL with sqlite3 (median of --query-runs) at --rows, and at
   --scale rows if given; a query whose time grows roughly in step with the table (exponent
   >= 0.7) is flagged with its EXPLAIN QUERY PLAN.
Every server started here is stopped before the script ends.
"""
import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from plugins import server_settings  # noqa: E402
from foi import figure_blocks  # noqa: E402
from common import fmt, median  # noqa: E402

TARGET_RATIO = 1.0  # issue 21: every endpoint at least as fast as plain Datasette (issue 10 asked 0.9)
LINEAR_EXPONENT = 0.7
NOISE_MS = 1.0
WRK = Path("/usr/bin/wrk")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="load per endpoint per server per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="rounds over every endpoint; medians reported")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per endpoint per run (Python loader)")
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--scale", type=int, help="also time the canned queries at this many rows")
    parser.add_argument("--query-runs", type=int, default=20)
    parser.add_argument("--queries-only", action="store_true", help="skip the servers; only time the SQL")
    parser.add_argument("--seed", type=int, default=common.SEED)
    parser.add_argument("--only", help="only the endpoints whose label contains this text (e.g. HTML)")
    args = parser.parse_args(argv)
    result = {"rows": args.rows, "machine": common.machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    db = common.ensure_db(args.rows, args.seed)
    if not args.queries_only:
        result["serve"] = serve_bench(db, args)
        print()
        print(text_serve(result["serve"]))
    result["queries"] = query_bench(args.rows, args.scale, args.query_runs, args.seed)
    print()
    print(text_queries(result["queries"]))
    name = f"serve_bench_{args.rows}" + ("_only" if args.only else "")  # a partial run keeps the full one
    (common.OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
    (common.OUT / f"{name}.md").write_text(markdown_report(result))
    return result


# --- the canned queries ------------------------------------------------------------------------

def canned_queries():
    metadata = figure_blocks.load(common.ROOT / "metadata.yml")  # each figure's block derived into its query
    queries = metadata["databases"]["cautions"].get("queries") or {}
    return {name: {"sql": q["sql"], "headline": bool(q.get("published"))} for name, q in queries.items()}


def timed_sql():
    """The canned queries, and each headline's `breakdown:` SQL (the chart every headline HTML
    page runs as well) as `<query> (breakdown)`."""
    metadata = figure_blocks.load(common.ROOT / "metadata.yml")  # each figure's block derived into its query
    out = {}
    for name, q in (metadata["databases"]["cautions"].get("queries") or {}).items():
        out[name] = {"sql": q["sql"], "headline": bool(q.get("published"))}
        if q.get("breakdown"):
            out[f"{name} (breakdown)"] = {"sql": q["breakdown"], "headline": bool(q.get("published"))}
    return out


def parameters(sql):
    return sorted(set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql)))


# --- servers -----------------------------------------------------------------------------------

def serve_settings():
    """The server's settings and --cors (plugins/server_settings.py), so plain Datasette runs with the same ones."""
    return server_settings.arguments()


class Server:
    def __init__(self, name, command, port, cwd=None, env=None, log_path=None):
        self.name, self.port, self.command = name, port, command
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/versions.json", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not answer in {timeout}s; see {self.log.name}")

    def peak_rss_mb(self):
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this script created for it
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def search_metadata():
    """Only which full-text table each table searches (`fts_table`, `fts_pk`), from metadata.yml:
    the one piece of metadata plain Datasette is given, so that `?_search=` on the table searches
    the same index on both servers (build.py indexes the distinct descriptions, which plain
    Datasette would not find by itself, and it would then ignore `_search` and list every row)."""
    metadata = yaml.safe_load((common.ROOT / "metadata.yml").read_text())
    out = {}
    for db_name, database in (metadata.get("databases") or {}).items():
        for table, config in (database.get("tables") or {}).items():
            search = {k: config[k] for k in ("fts_table", "fts_pk") if k in config}
            if search:
                out.setdefault("databases", {}).setdefault(db_name, {}).setdefault("tables", {})[table] = search
    return out


def start_servers(db, inspect, work):
    """Ours through serve.sh, plain Datasette beside it. serve.sh serves cautions.db and
    inspect-data.json from its own folder, so ours runs from a folder of symlinks (unless
    serve.sh takes DATABASE / INSPECT_FILE from the environment)."""
    datasette = common.VENV_BIN / "datasette"
    ours_port, plain_port = common.free_port(), common.free_port()
    serve_sh = (common.ROOT / "serve.sh").read_text()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(ours_port), DATASETTE=str(datasette), PYTHON=str(common.PYTHON))
    note = None
    if "DATABASE" in serve_sh and "INSPECT_FILE" in serve_sh:
        env.update(DATABASE=str(db), INSPECT_FILE=str(inspect))
        script = common.ROOT / "serve.sh"
    else:
        site = work / "site"
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir()
        for name in ("serve.sh", "metadata.yml", "plugins", "templates", "static"):
            if (common.ROOT / name).exists():
                (site / name).symlink_to(common.ROOT / name)
        (site / "cautions.db").symlink_to(db)
        (site / "inspect-data.json").symlink_to(inspect)
        script = site / "serve.sh"
        note = ("serve.sh takes the database and inspect file only from its own folder, so it was run "
                "from a folder of symlinks (serve.sh, metadata.yml, plugins/, templates/, static/, the db)")
    plain_metadata = work / "plain-metadata.json"
    plain_metadata.write_text(json.dumps(search_metadata()))
    servers = {}
    try:
        servers["ours"] = Server("ours", ["sh", str(script)], ours_port, env=env, log_path=work / "ours.log")
        servers["plain"] = Server("plain", [str(common.PYTHON), str(common.BENCH / "plain_datasette.py"), "serve", "-i", str(db), "--inspect-file", str(inspect),
                                            "--metadata", str(plain_metadata),
                                            *serve_settings(), "--host", "127.0.0.1", "--port", str(plain_port)],
                                  plain_port, log_path=work / "plain.log")
        for server in servers.values():
            server.wait_ready()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers, note


# --- load --------------------------------------------------------------------------------------

def get_once(port, path):
    """(status, bytes, milliseconds) of one request."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
            status, size = r.status, len(r.read())
    except urllib.error.HTTPError as e:
        status, size = e.code, len(e.read())
    return status, size, (time.perf_counter() - started) * 1000


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * _UNITS[unit]


def load_wrk(port, path, seconds, concurrency):
    threads = max(1, min(2, concurrency))
    out = subprocess.run([str(WRK), "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds:g}s",
                          "--timeout", "10s", "--latency", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    requests = re.search(r"(\d+) requests in", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _ms(percentiles["50"]) if "50" in percentiles else None,
            "p99_ms": _ms(percentiles["99"]) if "99" in percentiles else None,
            "requests": int(requests.group(1)) if requests else 0,
            "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0)}


def load_python(port, path, seconds, concurrency, max_requests):
    """Threads with keep-alive http.client connections, until the deadline or max_requests."""
    latencies, errors, lock = [], [0], threading.Lock()
    budget = [max_requests]
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(math.ceil(p / 100 * len(latencies))) - 1)] if latencies else None
    return {"rps": len(latencies) / wall, "p50_ms": pct(50), "p99_ms": pct(99), "requests": len(latencies),
            "errors": errors[0]}


def endpoints(queries):
    out = []
    for name, q in queries.items():
        if not q["headline"]:
            continue
        sql = urllib.parse.quote(q["sql"])
        out.append((f"{name} JSON", f"/cautions/{name}.json", f"/cautions.json?sql={sql}"))
        out.append((f"{name} HTML", f"/cautions/{name}", f"/cautions?sql={sql}"))
    for label, path in [
        ("table page + 2 facets", "/cautions/cautions?_facet=offence_group&_facet=caution_type"),
        ("table page + 4 facets", "/cautions/cautions?_facet=offence_group&_facet=caution_type"
                                  "&_facet=financial_year&_facet=release_id"),
        ("full-text search JSON", "/cautions/cautions.json?_search=assault"),
        ("full-text search JSON, rare word", "/cautions/cautions.json?_search=firearm"),
        ("JSON export (1000 rows)", "/cautions/cautions.json?_size=1000"),
        ("CSV export (1000 rows)", "/cautions/cautions.csv?_size=1000"),
    ]:
        out.append((label, path, path))
    return out


def serve_bench(db, args):
    work = common.OUT / f"serve_bench_{args.rows}"
    work.mkdir(parents=True, exist_ok=True)
    # Datasette names a database after its file, and inspect data is keyed by that name: both
    # servers and `datasette inspect` see the benchmark database as cautions.db.
    named = work / "cautions.db"
    named.unlink(missing_ok=True)
    named.symlink_to(db)
    db = named
    inspect = work / "inspect-data.json"
    subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)],
                   check=True)
    loader = "wrk" if args.loader == "wrk" or (args.loader == "auto" and WRK.exists()) else "python"
    if loader == "wrk" and not WRK.exists():
        raise SystemExit("--loader wrk: /usr/bin/wrk is not installed (apt-get install -y wrk)")
    servers, note = start_servers(db, inspect, work)
    results = {}
    try:
        targets = [t for t in endpoints(canned_queries()) if not args.only or args.only in t[0]]
        for label, ours_path, plain_path in targets:  # one request each first: status, size, warm caches
            results[label] = {"paths": {"ours": ours_path, "plain": plain_path}, "runs": {"ours": [], "plain": []},
                              "first": {}}
            for name, path in (("ours", ours_path), ("plain", plain_path)):
                get_once(servers[name].port, path)  # warm the page cache and Datasette's caches
                status, size, ms = get_once(servers[name].port, path)
                results[label]["first"][name] = {"status": status, "bytes": size, "ms": ms}
            # wrk counts only the requests that finish before its deadline, which undercounts
            # an endpoint that takes a large part of a second; the Python loader lets each
            # connection finish its last request and counts the time it took.
            slowest = max(f["ms"] for f in results[label]["first"].values())
            results[label]["loader"] = loader if slowest * args.concurrency < 100 * args.seconds else "python"
        for run in range(args.runs):
            for label, ours_path, plain_path in targets:
                # Each round's pair back to back, who goes first alternating round by round, so
                # that a busy minute on the machine falls on both of a pair, and on each first.
                pair = (("ours", ours_path), ("plain", plain_path))
                for name, path in (pair if run % 2 == 0 else pair[::-1]):
                    port = servers[name].port
                    m = (load_wrk(port, path, args.seconds, args.concurrency) if results[label]["loader"] == "wrk"
                         else load_python(port, path, args.seconds, args.concurrency, args.max_requests))
                    results[label]["runs"][name].append(m)
                r = results[label]["runs"]
                print(f"run {run + 1}/{args.runs} {label:45} ours {r['ours'][-1]['rps']:8.1f} rps  "
                      f"plain {r['plain'][-1]['rps']:8.1f} rps", flush=True)
        rss = {name: server.peak_rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    rows = []
    for label, r in results.items():
        row = {"endpoint": label, "paths": r["paths"], "first": r["first"], "loader": r["loader"]}
        for name in ("ours", "plain"):
            runs = r["runs"][name]
            row[name] = {"rps": median(m["rps"] for m in runs), "p50_ms": median(m["p50_ms"] for m in runs),
                         "p99_ms": median(m["p99_ms"] for m in runs),
                         "errors": sum(m["errors"] for m in runs), "requests": sum(m["requests"] for m in runs)}
        # The ratio is the median of each round's ratio (a pair measured back to back), not the
        # ratio of two medians taken from different minutes.
        row["ratios"] = [o["rps"] / p["rps"] for o, p in zip(r["runs"]["ours"], r["runs"]["plain"]) if p["rps"]]
        row["ratio"] = median(row["ratios"]) if row["ratios"] else None
        rows.append(row)
    return {"rows": args.rows, "loader": loader, "seconds": args.seconds, "concurrency": args.concurrency,
            "runs": args.runs, "endpoints": rows, "server_peak_rss_mb": rss, "note": note,
            "settings": " ".join(serve_settings())}


SERVE_HEADERS = ["endpoint", "ours rps", "plain rps", "ours/plain", "rounds' ratios", "ours p50 ms", "ours p99 ms",
                 "plain p50 ms", "plain p99 ms", "status ours/plain", "loader", f"target >= {TARGET_RATIO:g}x"]


def serve_rows(s):
    out = []
    for row in s["endpoints"]:
        o, p = row["ours"], row["plain"]
        status = f"{row['first']['ours']['status']}/{row['first']['plain']['status']}"
        if o["errors"] or p["errors"]:
            status += f" (errors {o['errors']}/{p['errors']})"
        verdict = "-" if row["ratio"] is None else ("meets" if row["ratio"] >= TARGET_RATIO else "BELOW")
        out.append([row["endpoint"], fmt(o["rps"], ".1f"), fmt(p["rps"], ".1f"), fmt(row["ratio"], ".2f") + "x",
                    " ".join(f"{ratio:.2f}" for ratio in row.get("ratios", [])), fmt(o["p50_ms"], ".1f"), fmt(o["p99_ms"], ".1f"), fmt(p["p50_ms"], ".1f"),
                    fmt(p["p99_ms"], ".1f"), status, row["loader"], verdict])
    return out


def text_serve(s):
    rss = s["server_peak_rss_mb"]
    head = (f"Serve benchmark: {s['rows']:,} rows, {s['loader']} (python for slow endpoints), "
            f"{s['concurrency']} connections, "
            f"{s['seconds']:g}s per endpoint, median of {s['runs']} run(s); server peak RSS "
            f"ours {fmt(rss['ours'], '.0f')} MB, plain {fmt(rss['plain'], '.0f')} MB\n")
    return head + common.text_table(SERVE_HEADERS, serve_rows(s)) + (f"\nNote: {s['note']}" if s["note"] else "")


# --- the SQL, directly -------------------------------------------------------------------------

def connect(db):
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True, check_same_thread=False)
    from datasette.utils import escape_fts
    sys.path.insert(0, str(common.ROOT))
    from foi.clean import offence_code
    conn.create_function("escape_fts", 1, escape_fts)
    conn.create_function("normalise_offence_code", 1, lambda t: offence_code(t) if t else None, deterministic=True)
    return conn


def time_queries(db, queries, runs):
    conn = connect(db)
    total = conn.execute("select count(*) from cautions").fetchone()[0]
    out = {}
    for name, q in queries.items():
        params = {p: "" for p in parameters(q["sql"])}
        try:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                rows = conn.execute(q["sql"], params).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            plan = [r[3] for r in conn.execute("explain query plan " + q["sql"], params).fetchall()]
            out[name] = {"median_ms": median(times), "rows_returned": len(rows),
                         "first_row": [str(v) for v in rows[0]] if rows else [], "plan": plan}
        except sqlite3.Error as e:
            out[name] = {"error": str(e)}
    conn.close()
    return total, out


def query_bench(rows, scale, runs, seed):
    queries = timed_sql()
    sizes = [rows] + ([scale] if scale else [])
    timings = {}
    for n in sizes:
        db = common.ensure_db(n, seed)
        print(f"timing {len(queries)} canned queries and breakdowns on {n:,} rows, median of {runs} ...", flush=True)
        total, timings[n] = time_queries(db, queries, runs)
        timings[n]["__cautions_rows__"] = total
    result = {"sizes": sizes, "runs": runs, "queries": []}
    for name, q in queries.items():
        entry = {"query": name, "headline": q["headline"], "by_size": {}}
        for n in sizes:
            entry["by_size"][n] = timings[n][name]
        if len(sizes) == 2:
            a, b = (timings[n][name].get("median_ms") for n in sizes)
            if a and b:
                entry["growth"] = b / a
                entry["exponent"] = math.log(b / a) / math.log(sizes[1] / sizes[0])
                # below NOISE_MS the timer and Python's overhead dominate: not flagged
                entry["linear"] = entry["exponent"] >= LINEAR_EXPONENT and b >= NOISE_MS
        result["queries"].append(entry)
    result["cautions_rows"] = {n: timings[n]["__cautions_rows__"] for n in sizes}
    return result


def scans(plan):
    """Plan lines that read a whole table or index rather than searching it."""
    return [line for line in plan if line.startswith("SCAN") and not line.startswith("SCAN CONSTANT")]


def query_rows(qr):
    sizes = qr["sizes"]
    out = []
    for e in qr["queries"]:
        row = [e["query"] + (" *" if e["headline"] else "")]
        for n in sizes:
            t = e["by_size"][n]
            row.append("error: " + t["error"] if "error" in t else fmt(t["median_ms"], ".2f"))
        first = e["by_size"][sizes[-1]]
        if len(sizes) == 2:
            row += [fmt(e.get("growth"), ".1f") + "x" if e.get("growth") else "-",
                    fmt(e.get("exponent"), ".2f"), "LINEAR" if e.get("linear") else "flat / sub-linear"]
        row.append("; ".join(scans(first.get("plan", []))) or "index searches only")
        out.append(row)
    return out


def query_headers(qr):
    sizes = qr["sizes"]
    headers = ["canned query (* headline; breakdown = its chart's SQL)"] + [f"{n:,} rows ms" for n in sizes]
    if len(sizes) == 2:
        headers += ["growth", "exponent", "grows with rows?"]
    return headers + [f"full scans in the plan ({sizes[-1]:,} rows)"]


def linear_plans(qr):
    out = []
    for e in qr["queries"]:
        if e.get("linear"):
            plan = e["by_size"][qr["sizes"][-1]]["plan"]
            out.append((e["query"], plan))
    return out


def text_queries(qr):
    head = (f"Canned query SQL in sqlite3 (immutable), median of {qr['runs']} runs; cautions rows: "
            + ", ".join(f"{n:,}" for n in qr["cautions_rows"].values()) + "\n")
    text = head + common.text_table(query_headers(qr), query_rows(qr))
    for name, plan in linear_plans(qr):
        text += f"\n\n{name} grows roughly linearly; EXPLAIN QUERY PLAN:\n  " + "\n  ".join(plan)
    return text


def markdown_report(result):
    parts = []
    if "serve" in result:
        s = result["serve"]
        rss = s["server_peak_rss_mb"]
        parts += [f"### Serving: {s['rows']:,} rows", "",
                  f"Loader {s['loader']}; the threaded Python loader for endpoints slow enough that wrk, which "
                  "drops requests still running at its deadline, would undercount them (one request x "
                  f"connections > 10% of the window). {s['concurrency']} connections, {s['seconds']:g}s per endpoint per "
                  f"server, median of {s['runs']} run(s). Ours = serve.sh (metadata, plugins, templates); "
                  f"plain = `datasette serve -i` with the same settings (`{s['settings']}`). "
                  f"Server peak RSS (VmHWM): ours {fmt(rss['ours'], '.0f')} MB, plain {fmt(rss['plain'], '.0f')} MB.",
                  "", common.markdown_table(SERVE_HEADERS, serve_rows(s)), ""]
        if s["note"]:
            parts += [f"Note: {s['note']}.", ""]
    qr = result["queries"]
    parts += [f"### Canned query SQL, directly in SQLite", "",
              f"Median of {qr['runs']} runs per query, database opened immutable; parameters blank (their "
              "defaults). `*` marks a headline figure. Exponent = log(time growth) / log(row growth): 0 is "
              f"independent of table size, 1 is linear; >= {LINEAR_EXPONENT} is flagged (unless under "
              f"{NOISE_MS:g} ms at the larger size, where timer noise dominates).", "",
              common.markdown_table(query_headers(qr), query_rows(qr)), ""]
    for name, plan in linear_plans(qr):
        parts += [f"`{name}` grows roughly linearly with the table. EXPLAIN QUERY PLAN:", "", "```",
                  *plan, "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    main()
