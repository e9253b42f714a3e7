"""What the benchmarks share: the FOI-shaped release, its manifest, the built database (reused
between benchmarks when nothing it depends on has changed), timing a command in a fresh
process with its peak memory, and a description of the machine."""
import csv
import datetime
import hashlib
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PYTHON = Path(sys.executable)
VENV_BIN = PYTHON.parent
HEADER = ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome",
          "Outcome Date", "Offender Age Group"]
SEED = 2017


def without_site_plugins():
    """Plain Datasette in this process: the site's plugin package (installed, so every Datasette
    here loads it) unregistered until the returned function is called, which registers it again."""
    from datasette.plugins import pm
    removed = [(name, plugin) for name, plugin in pm.list_name_plugin()
               if getattr(plugin, "__name__", "").split(".")[0] == "plugins"]
    for name, _ in removed:
        pm.unregister(name=name)

    def restore():
        for name, plugin in removed:
            pm.register(plugin, name=name)
    return restore

sys.path.insert(0, str(ROOT / "data" / "sample"))
try:  # the project's generator: the sample's offence mix and dates, scaled to any number of rows
    import generate_sample
    GENERATOR = "data/sample/generate_sample.py"
except ImportError:  # pragma: no cover - only before generate_sample.py existed
    generate_sample = None
    GENERATOR = "bench/common.py (fallback)"


# --- the release --------------------------------------------------------------------------------

def _fallback_rows(n_rows, seed):
    """FOI-shaped rows if generate_sample.py is missing: real codes, random mix, date order."""
    rng = random.Random(seed)
    with open(ROOT / "data" / "reference" / "offence_codes.csv", encoding="utf-8", newline="") as f:
        codes = [(r["code"], r["description"]) for r in csv.DictReader(f)]
    outcomes = [("Adult simple caution", "18 and over"), ("Youth caution", "10-17"),
                ("Adult conditional caution", "18 and over"), ("Youth conditional caution", "10-17")]
    first = datetime.date(2015, 4, 1)
    for i in range(n_rows):
        day = first + datetime.timedelta(days=i * 730 // max(n_rows, 1))
        code, description = rng.choice(codes)
        outcome, age = outcomes[rng.randrange(4)]
        yield [f"BENCH-{i:09d}", code, description, outcome, day.strftime("%d/%m/%Y"), age]


def iter_rows(n_rows, seed=SEED):
    if generate_sample is not None:
        return generate_sample.iter_rows(n_rows, seed)
    return _fallback_rows(n_rows, seed)


def release_dir(n_rows, seed=SEED):
    return OUT / f"release_{n_rows}_{seed}"


def write_release(n_rows, seed=SEED, log=print):
    """bench/out/release_<n>_<seed>/: the release CSV (title row, blank row, header, rows, blank
    row, note), the same without the title for tools that need the header first, and a
    manifest. Reused when already written."""
    folder = release_dir(n_rows, seed)
    folder.mkdir(parents=True, exist_ok=True)
    release, headed, manifest, done = (folder / "release.csv", folder / "release_header_first.csv",
                                       folder / "manifest.yml", folder / ".complete")
    if done.exists() and release.exists() and headed.exists() and manifest.exists():
        return release, headed, manifest
    started = time.perf_counter()
    log(f"writing a {n_rows:,}-row FOI-shaped release with {GENERATOR} ...")
    with open(release, "w", newline="", encoding="utf-8") as f, \
            open(headed, "w", newline="", encoding="utf-8") as g:
        full, plain = csv.writer(f, lineterminator="\r\n"), csv.writer(g, lineterminator="\r\n")
        full.writerow([f"BENCHMARK - {n_rows:,} generated rows shaped like an FOI release - not real data"]
                      + [""] * 5)
        full.writerow([""] * 6)
        for writer in (full, plain):
            writer.writerow(HEADER)
        batch = []
        for row in iter_rows(n_rows, seed):
            batch.append(row)
            if len(batch) >= 50_000:
                full.writerows(batch)
                plain.writerows(batch)
                batch.clear()
        full.writerows(batch)
        plain.writerows(batch)
        full.writerow([""] * 6)
        full.writerow(["Note: BENCHMARK. Every row was generated; no figure here is real."] + [""] * 5)
    manifest.write_text(manifest_text(release.name), encoding="utf-8")
    done.touch()
    log(f"  {release} ({mb(release.stat().st_size):.0f} MB) in {time.perf_counter() - started:.1f}s")
    return release, headed, manifest


def manifest_text(file_name):
    """One rows release (the benchmark file), plus the shipped small counts tables so every
    canned query of metadata.yml has its tables when the benchmark database is served."""
    import yaml
    shipped = yaml.safe_load((ROOT / "data" / "manifest.yml").read_text(encoding="utf-8"))
    counts = []
    for release in shipped["releases"]:
        if release.get("kind") == "counts" and not release.get("request"):  # not a round robin's replies
            release = dict(release, file=str((ROOT / "data" / release["file"]).resolve()))
            release.pop("sha256", None)
            counts.append(release)
    manifest = {
        "database": "cautions",
        "offence_codes": str((ROOT / "data" / shipped.get("offence_codes", "reference/offence_codes.csv")).resolve()),
        "story": shipped.get("story", {}),
        "releases": [{
            "id": "bench-cautions", "kind": "rows", "file": file_name,
            "title": "BENCHMARK: generated rows shaped like the Thames Valley FOI release",
            "authority": "Thames Valley Police (shape only)", "requested": datetime.date(2017, 3, 1),
            "answered": datetime.date(2017, 4, 20),
            "source_url": shipped["releases"][0]["source_url"], "licence": "Generated; not real data",
            "is_sample": True,
            "columns": {"crime_reference": "Crime Reference", "offence_code": "HO Offence Code",
                        "offence_description": "Offence Description", "outcome": "Outcome",
                        "outcome_date": "Outcome Date", "age_group": "Offender Age Group"},
        }] + counts,
    }
    return "# Written by bench/common.py for the benchmarks; not the site's manifest.\n" + \
        yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)


# --- the database built by build.py, shared between benchmarks ---------------------------------

def build_inputs_digest():
    """What a built database depends on besides the rows: the build code and the metadata."""
    digest = hashlib.sha256()
    for path in sorted([ROOT / "build.py", ROOT / "metadata.yml", *(ROOT / "foi").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cached_db_path(n_rows, seed=SEED):
    return OUT / f"cautions_{n_rows}_{seed}.db"


def store_built_db(db, n_rows, seed=SEED):
    """Keep a database build.py made from the benchmark release for the serve benchmark."""
    target = cached_db_path(n_rows, seed)
    os.replace(db, target)
    Path(str(target) + ".stamp").write_text(json.dumps({"rows": n_rows, "seed": seed,
                                                         "inputs": build_inputs_digest()}))
    return target


def ensure_db(n_rows, seed=SEED, log=print):
    """The database build.py makes from an n-row release: reused if build.py, foi/ and
    metadata.yml are unchanged since it was built, otherwise built now."""
    target = cached_db_path(n_rows, seed)
    stamp = Path(str(target) + ".stamp")
    if target.exists() and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("inputs") == build_inputs_digest():
            log(f"reusing {target.relative_to(ROOT)} (build.py, foi/ and metadata.yml unchanged)")
            return target
    _, _, manifest = write_release(n_rows, seed, log)
    tmp = OUT / f"building_{n_rows}_{seed}.db"
    log(f"building {n_rows:,} rows with build.py ...")
    result = run_measured(build_command(manifest, tmp), OUT / f"build_{n_rows}.log")
    if result["returncode"] != 0:
        raise SystemExit(f"build.py failed; see {result['log']}")
    log(f"  built in {result['seconds']:.1f}s")
    return store_built_db(tmp, n_rows, seed)


def build_command(manifest, output):
    return [str(PYTHON), str(ROOT / "build.py"), "--quiet", "--manifest", str(manifest),
            "--output", str(output), "--metadata", str(ROOT / "metadata.yml")]


# --- running and measuring ---------------------------------------------------------------------

TIME = Path("/usr/bin/time")

# Peak RSS. Linux gives a process that exec()s the peak RSS of the process it was forked from as
# the floor of its own ru_maxrss, so a command started straight from this script (whose memory
# grows while it generates a release) would report at least this script's size. Each command is
# therefore started through a small launcher, GNU time if installed or else a tiny Python
# process, and its peak is read from that launcher's wait4() on it.
_LAUNCHER = """
import json, os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"maxrss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, f)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command, log_path, cwd=None, env=None):
    """Run a command in a fresh process: wall seconds, and the peak RSS of that process and the
    children it waited for (ru_maxrss, taken by a small launcher; see above)."""
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rss_file = log_path.with_suffix(".rss")
    rss_file.unlink(missing_ok=True)
    if TIME.exists():
        launched = [str(TIME), "-f", "%M", "-o", str(rss_file), *command]
    else:
        launched = [str(PYTHON), "-c", _LAUNCHER, str(rss_file), *command]
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.run(launched, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        seconds = time.perf_counter() - started
    text = rss_file.read_text() if rss_file.exists() else ""
    if TIME.exists():
        numbers = [int(line) for line in text.split() if line.isdigit()]
        maxrss_kb = numbers[-1] if numbers else None
    else:
        maxrss_kb = json.loads(text)["maxrss_kb"] if text else None
    return {"seconds": seconds, "peak_rss_mb": maxrss_kb / 1024 if maxrss_kb else None,
            "returncode": process.returncode, "log": str(log_path),
            "rss_from": "GNU time" if TIME.exists() else "python launcher"}


def profile_top(profiler, sort_key, top):
    """cProfile's table of the `top` entries by `sort_key`, without its preamble."""
    import io
    import pstats
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(sort_key).print_stats(top)
    text = stream.getvalue()
    return text[text.index("   ncalls"):]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mb(n_bytes):
    return n_bytes / 1024 / 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def disk_free_gb(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / 1024 ** 3


# --- the machine ------------------------------------------------------------------------------

def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    try:
        datasette = subprocess.run([str(VENV_BIN / "datasette"), "--version"], capture_output=True,
                                   text=True).stdout.strip()
    except OSError:
        datasette = "not found"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram_gb, 1) if ram_gb else None,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "datasette": datasette, "os": platform.platform(),
            "disk_free_gb": round(disk_free_gb(OUT if OUT.exists() else ROOT), 1)}


def machine_line(m):
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}, "
            f"SQLite {m['sqlite']}, {m['datasette']}; {m['os']}")


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(headers, rows):
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells[1:]]
    return "\n".join(out)


def fmt(value, spec=".2f", missing="-"):
    return missing if value is None else format(value, spec)


def file_sha256(path):
    from foi.manifest import sha256  # the build's own
    return sha256(path)
