"""The static site at scale: `make site` (static_site.py) on a generated release, the size of
site/, and the SQL page in chromium answering each headline query from a cold cache: the bytes it
transferred (the database's range requests alone, and everything the page loaded) and the time
from opening the link to the answer on screen. Served by tests/static_server.py (files and range
requests, as a static host serves them) on 127.0.0.1.

    python bench/static_bench.py [--scale 1000000]      -> bench/out/static_bench_<rows>.{json,md}
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

sys.path.insert(0, str(common.ROOT / "tests"))
from static_server import static_served  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def headline_sql():
    metadata = yaml.safe_load((common.ROOT / "metadata.yml").read_text(encoding="utf-8"))
    return {name: q["sql"] for name, q in metadata["databases"]["cautions"]["queries"].items() if q.get("published")}


def folder_size(folder):
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def measure_sql_page(site, queries, log):
    from playwright.sync_api import sync_playwright
    results = []
    with static_served(site) as (url, counter), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, sql in queries.items():
            context = browser.new_context()  # a cold cache: a reader's first visit
            page = context.new_page()
            counter.reset()
            started = time.perf_counter()
            page.goto(url + "cautions/?" + urllib.parse.urlencode({"sql": sql}))
            page.wait_for_selector("#sql-in-browser[data-state]", timeout=300_000)
            seconds = time.perf_counter() - started
            state = page.locator("#sql-in-browser").get_attribute("data-state")
            answer = page.locator("#sql-in-browser tbody").inner_text()[:80] if state == "done" else \
                page.locator(".sql-status").inner_text()
            requests = list(counter.requests)
            db = [r for r in requests if r[0].split("?")[0].endswith("/cautions.db")]
            results.append({"query": name, "state": state, "seconds": round(seconds, 2),
                            "database_bytes": sum(r[2] for r in db), "database_requests": len(db),
                            "all_bytes": sum(r[2] for r in requests), "all_requests": len(requests),
                            "answer": " ".join(answer.split())})
            log(f"  {name}: {state} in {seconds:.2f}s; database {results[-1]['database_bytes'] / 1024:.0f} KB "
                f"in {len(db)} range requests; page total {results[-1]['all_bytes'] / 1e6:.2f} MB")
            context.close()
        browser.close()
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    log = print
    built_db = common.ensure_db(args.scale, log=log)
    folder = common.OUT / f"static_{args.scale}"  # the site names its database after the file: cautions.db
    folder.mkdir(parents=True, exist_ok=True)
    db, inspect = folder / "cautions.db", folder / "inspect-data.json"
    if not db.exists() or db.stat().st_ino != built_db.stat().st_ino:
        db.unlink(missing_ok=True)
        inspect.unlink(missing_ok=True)
        os.link(built_db, db)
    if not inspect.exists():
        subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)],
                       check=True)
    site = common.OUT / f"site_{args.scale}"
    log(f"make site on {args.scale:,} rows ...")
    built = common.run_measured([str(common.PYTHON), str(common.ROOT / "static_site.py"), "--database", str(db),
                                 "--inspect-file", str(inspect), "--output", str(site)],
                                common.OUT / f"static_site_{args.scale}.log")
    if built["returncode"] != 0:
        raise SystemExit(f"static_site.py failed; see {built['log']}")
    size, db_size = folder_size(site), (site / db.name).stat().st_size
    log(f"  {built['seconds']:.1f}s, peak RSS {built.get('peak_rss_mb', 0):.0f} MB; site/ {size / 1e6:.1f} MB "
        f"({db_size / 1e6:.1f} MB of it the database)")
    log("SQL page, each headline query, cold cache:")
    pages = measure_sql_page(site, headline_sql(), log)
    report = {"rows": args.scale, "machine": common.machine(), "make_site_seconds": round(built["seconds"], 1),
              "make_site_peak_rss_mb": built.get("peak_rss_mb"), "site_bytes": size, "database_bytes": db_size,
              "site_bytes_without_database": size - db_size, "sql_page": pages}
    out = common.OUT / f"static_bench_{args.scale}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    table = common.markdown_table(
        ["headline query", "answer in", "database read", "range requests", "whole page, first visit"],
        [[p["query"], f"{p['seconds']:.2f} s", f"{p['database_bytes'] / 1024:.0f} KB", p["database_requests"],
          f"{p['all_bytes'] / 1e6:.2f} MB"] for p in pages])
    out.with_suffix(".md").write_text(
        f"# Static site, {args.scale:,} rows\n\n{common.machine_line(common.machine())}\n\n"
        f"make site: {built['seconds']:.1f} s; site/ {size / 1e6:.1f} MB, of which the database "
        f"{db_size / 1e6:.1f} MB\n\n{table}\n")
    log(f"wrote {out.with_suffix('.md').relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
