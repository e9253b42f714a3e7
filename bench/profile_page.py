"""Where a page's time goes: the same Datasette as serve.sh (metadata, plugins, templates) and as
plain Datasette, in this process, each answering --requests requests for one path through
Datasette's in-process client, timed and profiled with cProfile. No server or port is used.

    python bench/profile_page.py /cautions/total_cautions
    python bench/profile_page.py /cautions/total_cautions --plain-path '/cautions?sql=...' --rows 1000000
"""
import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from plugins import server_settings  # noqa: E402


def make(db, inspect, ours):
    from datasette.app import Datasette
    kwargs = {}
    if ours:
        kwargs = {"metadata": yaml.safe_load((common.ROOT / "metadata.yml").read_text())}
        if (common.ROOT / "templates").exists():
            kwargs["template_dir"] = str(common.ROOT / "templates")
        if (common.ROOT / "static").exists():
            kwargs["static_mounts"] = [("static", str(common.ROOT / "static"))]
    return Datasette(immutables=[str(db)], inspect_data=json.loads(Path(inspect).read_text()),
                     settings=dict(server_settings.SETTINGS), **kwargs)


async def measure(ds, path, requests, profile, headers=None):
    await ds.invoke_startup()
    first = await ds.client.get(path, headers=headers)
    times = []
    profiler = cProfile.Profile() if profile else None
    for _ in range(requests):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        response = await ds.client.get(path, headers=headers)
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
    return first.status_code, len(response.content), times, profiler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--plain-path", help="the path for plain Datasette (default: the same)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--accept-encoding", default="gzip",
                        help="the Accept-Encoding sent (gzip, as browsers; identity, as serve_bench's loader)")
    args = parser.parse_args(argv)
    db = common.ensure_db(args.rows)
    work = common.OUT / f"profile_page_{args.rows}"
    work.mkdir(parents=True, exist_ok=True)
    named = work / "cautions.db"
    named.unlink(missing_ok=True)
    named.symlink_to(db)
    inspect = work / "inspect-data.json"
    import subprocess
    subprocess.run([str(common.VENV_BIN / "datasette"), "inspect", str(named), "--inspect-file", str(inspect)],
                   check=True)
    results = {}
    for name, ours, path in (("plain", False, args.plain_path or args.path), ("ours", True, args.path)):
        # timed without the profiler, then profiled
        restore = (lambda: None) if ours else common.without_site_plugins()  # the site's package is installed
        try:
            headers = {"Accept-Encoding": args.accept_encoding}
            status, size, times, _ = asyncio.run(measure(make(named, inspect, ours), path, args.requests, False, headers))
            _, _, _, profiler = asyncio.run(measure(make(named, inspect, ours), path, args.requests, True, headers))
        finally:
            restore()
        results[name] = (status, size, times, profiler)
        print(f"{name:5}: status {status}, {size:,} bytes, median {statistics.median(times):.2f} ms "
              f"over {args.requests} requests, in process")
    extra = statistics.median(results["ours"][2]) - statistics.median(results["plain"][2])
    print(f"ours - plain: {extra:+.2f} ms per request\n")
    for name in ("ours", "plain"):
        print(f"{name}: top {args.top} by cumulative time ({args.requests} requests)")
        print(common.profile_top(results[name][3], "cumulative", args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
