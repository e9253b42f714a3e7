"""First visit, transferred: each reader page opened in chromium with a cold cache, on serve.sh,
and the bytes that crossed the network (each response's body as sent, gzip or not, plus its
headers), by kind. Also the requests each page made for JSON (an explorer page's chart data).

    python bench/page_weight.py                       # the benchmark database at 1M rows
    python bench/page_weight.py --root /tmp/old-checkout --database ...   # another checkout's serve.sh

Needs Debian's chromium (/usr/bin/chromium) and playwright, as the browser tests do.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PAGES = {
    "home": "/",
    "table": "/cautions/cautions",
    "search": "/cautions/cautions?_search=cannabis",
    "headline figure": "/cautions/rape_cautions",
    "explorer (chart)": "/cautions/cautions_by_month",
}
CHROMIUM = "/usr/bin/chromium"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root, database, inspect_file):
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATABASE": str(database),
           "INSPECT_FILE": str(inspect_file), "DATASETTE": str(Path(sys.executable).with_name("datasette"))}
    process = subprocess.Popen([str(Path(root) / "serve.sh")], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/-/versions.json", timeout=2)
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("serve.sh did not start")
            time.sleep(0.2)


def weigh(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="networkidle")
    kinds, json_fetches = {}, 0
    for request in finished:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        kind = request.resource_type
        kinds[kind] = kinds.get(kind, 0) + size
        json_fetches += kind in ("fetch", "xhr") and ".json" in request.url
    context.close()
    return {"total": sum(kinds.values()), "by_kind": kinds, "requests": len(finished), "json_fetches": json_fetches}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(common.ROOT), help="the checkout whose serve.sh to run")
    parser.add_argument("--database", default=str(common.ROOT / "bench" / "out" / "serve_bench_1000000" / "cautions.db"))
    parser.add_argument("--inspect-file", default=str(common.ROOT / "bench" / "out" / "serve_bench_1000000"
                                                      / "inspect-data.json"))
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    process, url = serve(args.root, args.database, args.inspect_file)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                                                                 "--disable-gpu"])
            for name, path in PAGES.items():
                results[name] = weigh(browser, url + path)
                r = results[name]
                kinds = ", ".join(f"{k} {v / 1024:,.0f}" for k, v in sorted(r["by_kind"].items(), key=lambda kv: -kv[1]))
                print(f"{name:18} {r['total'] / 1024:8,.0f} KB  {r['requests']:2} requests, "
                      f"{r['json_fetches']} JSON fetch(es)  ({kinds} KB)")
            browser.close()
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=10)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
