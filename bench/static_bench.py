"""The static site at scale: `make site` (static_site.py) on a generated release, the size of
site/, and the SQL page in chromium answering each headline query from a cold cache: the bytes
chromium transferred (each response's headers and its body as sent, compressed or not), what
they were (the engine, its scripts, the editor, the page, the database's range requests) and
the time from opening the link to the answer on screen. Served by tests/static_server.py on
127.0.0.1 two ways, interleaved: as GitHub Pages serves it (gzip for text, scripts, JSON and
WebAssembly; never a range or the database) and every file as stored (compress=False).

    python bench/static_bench.py [--scale 1000000] [--rounds 3]  -> bench/out/static_bench_<rows>.{json,md}
"""
import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

sys.path.insert(0, str(common.ROOT / "tests"))
from static_server import static_served, transferred  # noqa: E402
from foi import figure_blocks  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
SERVED = {"host": True, "uncompressed": False}  # how the site is served -> static_served(compress=...)
# What each request of the SQL page is, by its address (the first that matches).
KINDS = [("database", "/cautions.db"), ("engine (WebAssembly)", "/sql-wasm.wasm"),
         ("engine's scripts", "/sql.js-httpvfs-"), ("editor (CodeMirror)", "/-/static/codemirror"),
         ("editor (CodeMirror)", "/-/static/sql-formatter"), ("editor (CodeMirror)", "/-/static/cm-resize"),
         ("SQL page script", "/static/sql-in-browser.js"), ("page", "")]


def headline_sql():
    metadata = figure_blocks.load(common.ROOT / "metadata.yml")  # each figure's block derived into its query
    return {name: q["sql"] for name, q in metadata["databases"]["cautions"]["queries"].items() if q.get("published")}


def folder_size(folder):
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def kind_of(url):
    path = urllib.parse.urlsplit(url).path
    return next(kind for kind, part in KINDS if part in path)


def visit(browser, url, sql):
    """One first visit of the SQL page with `sql`, cold cache: state, seconds, answer, requests."""
    context = browser.new_context()  # a cold cache: a reader's first visit
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url + "cautions/?" + urllib.parse.urlencode({"sql": sql}))
    page.wait_for_selector("#sql-in-browser[data-state]", timeout=300_000)
    seconds = time.perf_counter() - started
    state = page.locator("#sql-in-browser").get_attribute("data-state")
    answer = page.locator("#sql-in-browser tbody").inner_text() if state == "done" else \
        page.locator(".sql-status").inner_text()
    page.wait_for_load_state("networkidle")
    requests = [{"path": urllib.parse.urlsplit(r.url).path, "kind": kind_of(r.url), "method": r.method,
                 "range": r.headers.get("range"), "encoding": (r.response().header_value("content-encoding")
                                                              if r.response() else None),
                 "bytes": transferred(r)} for r in finished]
    context.close()
    return {"state": state, "seconds": seconds, "answer": " ".join(answer.split())[:200], "requests": requests}


def sqlite_answer(database, sql):
    """The query's rows as the page shows them (its cells' text, whitespace collapsed), by sqlite3."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        cells = [("" if v is None else str(v)) for row in conn.execute(sql) for v in row]
    return " ".join(" ".join(cells).split())[:200]


def summary(name, served, visits):
    """The medians of one query's visits, served one way."""
    def med(f):
        return common.median([f(v) for v in visits])
    kinds = sorted({r["kind"] for v in visits for r in v["requests"]})
    database = [r for r in visits[-1]["requests"] if r["kind"] == "database"]
    return {"query": name, "served": served, "rounds": len(visits), "states": sorted({v["state"] for v in visits}),
            "answers": sorted({v["answer"] for v in visits}), "seconds": round(med(lambda v: v["seconds"]), 2),
            "all_bytes": med(lambda v: sum(r["bytes"] for r in v["requests"])),
            "all_requests": med(lambda v: len(v["requests"])),
            "database_requests": med(lambda v: sum(r["kind"] == "database" for r in v["requests"])),
            "by_kind": {k: med(lambda v, k=k: sum(r["bytes"] for r in v["requests"] if r["kind"] == k))
                        for k in kinds},
            "compressed": sorted({r["path"].rsplit("/", 1)[-1] for v in visits for r in v["requests"]
                                  if r["encoding"]}),
            "database_ranges": [r["range"] for r in database if r["range"]]}


def measure_sql_page(site, queries, rounds, log):
    """Each headline query's first visit, `rounds` times each way it is served, interleaved."""
    from playwright.sync_api import sync_playwright
    visits = {(name, served): [] for name in queries for served in SERVED}
    with contextlib.ExitStack() as stack:
        urls = {served: stack.enter_context(static_served(site, compress=compress))[0]
                for served, compress in SERVED.items()}
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(rounds):
            for name, sql in queries.items():
                for served in SERVED:
                    visits[(name, served)].append(visit(browser, urls[served], sql))
        browser.close()
    results = [summary(name, served, v) for (name, served), v in visits.items()]
    for r in results:
        log(f"  {r['query']} ({r['served']}): {'/'.join(r['states'])} in {r['seconds']:.2f}s; "
            f"{r['all_bytes'] / 1e6:.2f} MB transferred, database {r['by_kind'].get('database', 0) / 1024:.0f} KB "
            f"in {r['database_requests']:.0f} range requests")
    return results


def kb(n):
    return f"{n / 1024:,.0f} KB"


def report_tables(pages):
    """Markdown: each headline query's first visit as a host serves it (and uncompressed beside
    it), then where the bytes go, the median over the headline queries."""
    by = {(p["query"], p["served"]): p for p in pages}
    names = list(dict.fromkeys(p["query"] for p in pages))
    per_query = common.markdown_table(
        ["headline query", "answer in", "transferred, first visit", "of which database", "range requests",
         "uncompressed (as stored)", "ratio"],
        [[n, f"{by[n, 'host']['seconds']:.2f} s", f"**{by[n, 'host']['all_bytes'] / 1e6:.2f} MB**",
          kb(by[n, "host"]["by_kind"].get("database", 0)), f"{by[n, 'host']['database_requests']:.0f}",
          f"{by[n, 'uncompressed']['all_bytes'] / 1e6:.2f} MB",
          f"{by[n, 'host']['all_bytes'] / by[n, 'uncompressed']['all_bytes']:.2f}x"] for n in names])
    kinds = list(dict.fromkeys(k for k, _ in KINDS))
    parts = common.markdown_table(
        ["part of the first visit", "as a host serves it", "uncompressed"],
        [[k] + [kb(common.median([by[n, s]["by_kind"].get(k, 0) for n in names])) for s in SERVED] for k in kinds]
        + [["**total**"] + [f"**{common.median([by[n, s]['all_bytes'] for n in names]) / 1e6:.2f} MB**"
                            for s in SERVED]])
    return per_query, parts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="first visits per query and way served (medians)")
    parser.add_argument("--reuse-site", action="store_true", help="measure bench/out/site_<rows>/ as it is")
    args = parser.parse_args(argv)
    log = print
    site = common.OUT / f"site_{args.scale}"
    timing = common.OUT / f"static_site_{args.scale}.json"
    if not (args.reuse_site and (site / "site.json").exists() and timing.exists()):
        build_site(args.scale, site, log)
    built = json.loads(timing.read_text())
    size, db_size = folder_size(site), (site / "cautions.db").stat().st_size
    log(f"site/ {size / 1e6:.1f} MB ({db_size / 1e6:.1f} MB of it the database)")
    log(f"SQL page, each headline query, cold cache, {args.rounds} rounds:")
    queries = headline_sql()
    pages = measure_sql_page(site, queries, args.rounds, log)
    wrong = [f"{p['query']} ({p['served']}): {p['states']} {p['answers']}" for p in pages
             if p["states"] != ["done"] or p["answers"] != [sqlite_answer(site / "cautions.db", queries[p["query"]])]]
    report = {"rows": args.scale, "machine": common.machine(), "make_site_seconds": built["seconds"],
              "make_site_peak_rss_mb": built.get("peak_rss_mb"), "site_bytes": size, "database_bytes": db_size,
              "site_bytes_without_database": size - db_size, "sql_page": pages}
    out = common.OUT / f"static_bench_{args.scale}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    per_query, parts = report_tables(pages)
    out.with_suffix(".md").write_text(
        f"# Static site, {args.scale:,} rows\n\n{common.machine_line(common.machine())}\n\n"
        f"make site: {built['seconds']:.1f} s; site/ {size / 1e6:.1f} MB, of which the database "
        f"{db_size / 1e6:.1f} MB\n\nThe SQL page's first visit per headline query, cold cache, medians of "
        f"{args.rounds} rounds; transferred as chromium counts it (headers and bodies as sent), served as "
        f"GitHub Pages serves it (gzip) and uncompressed:\n\n{per_query}\n\n{parts}\n")
    log(f"wrote {out.with_suffix('.md').relative_to(common.ROOT)}")
    if wrong:
        log("The SQL page's answer differs from sqlite3's, or the query did not finish:\n  " + "\n  ".join(wrong))
        return 1
    return 0


def build_site(scale, site, log):
    """bench/out/site_<rows>/ by static_site.py from the benchmark database; its time and peak
    memory in bench/out/static_site_<rows>.json."""
    built_db = common.ensure_db(scale, log=log)
    folder = common.OUT / f"static_{scale}"  # the site names its database after the file: cautions.db
    folder.mkdir(parents=True, exist_ok=True)
    db, inspect = folder / "cautions.db", folder / "inspect-data.json"
    if not db.exists() or db.stat().st_ino != built_db.stat().st_ino:
        db.unlink(missing_ok=True)
        inspect.unlink(missing_ok=True)
        os.link(built_db, db)
    if not inspect.exists():
        subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)],
                       check=True)
    log(f"make site on {scale:,} rows ...")
    built = common.run_measured([str(common.PYTHON), str(common.ROOT / "static_site.py"), "--database", str(db),
                                 "--inspect-file", str(inspect), "--output", str(site)],
                                common.OUT / f"static_site_{scale}.log")
    if built["returncode"] != 0:
        raise SystemExit(f"static_site.py failed; see {built['log']}")
    log(f"  {built['seconds']:.1f}s, peak RSS {built.get('peak_rss_mb', 0):.0f} MB")
    (common.OUT / f"static_site_{scale}.json").write_text(json.dumps(
        {"seconds": round(built["seconds"], 1), "peak_rss_mb": built.get("peak_rss_mb")}))


if __name__ == "__main__":
    sys.exit(main())
