"""How the site is published: the Docker image, `make serve` and serve.sh.

The promises checked here:

* The image is reproducible: its base image is pinned to an exact version.
* The image builds the database itself and refuses to build if a published figure does
  not match the data (`python build.py --strict`), and precomputes row counts
  (`datasette inspect`).
* The published site runs as an ordinary user, never as root.
* There is one serve command, in serve.sh. The image and `make serve` both run it, so
  what a journalist checks on their own machine is what readers get.
* serve.sh serves the database read-only, with the query time limit, row limit, caching
  and CORS the site promises, and Datasette really accepts those settings.
"""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import dockerfile
import pytest

import build
from plugins import server_settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
MAKEFILE = ROOT / "Makefile"
SERVE_SH = ROOT / "serve.sh"
CI_RUN = ROOT / ".ci" / "run"
DATASETTE = Path(sys.executable).parent / "datasette"


# ---- reading the Dockerfile -------------------------------------------------------

def stages():
    """The Dockerfile's stages, in order: a list of (FROM command, [commands in the stage])."""
    result = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd.upper() == "FROM":
            result.append((command, []))
        else:
            assert result, f"line {command.start_line}: {command.original!r} comes before any FROM"
            result[-1][1].append(command)
    assert result, "the Dockerfile has no FROM line"
    return result


def commands(stage_commands, name):
    return [c for c in stage_commands if c.cmd.upper() == name]


# ---- reading the Makefile ---------------------------------------------------------

def recipe(target):
    """The command lines of a Makefile target (the tab-indented lines after `target:`)."""
    lines = MAKEFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^{re.escape(target)}\s*:(?!=)", line):
            body = []
            for following in lines[i + 1:]:
                if following.startswith("\t"):
                    body.append(following.strip())
                elif following.strip() == "" or following.startswith("#"):
                    if body:
                        break
                else:
                    break
            return body
    pytest.fail(f"the Makefile has no {target!r} target")


# ---- the Docker image -------------------------------------------------------------

def test_base_images_are_pinned_to_an_exact_version():
    """Every base image names an exact version (python:3.11.10-slim-bookworm), never `latest`
    or a bare name, so rebuilding the image next year gives the same Python."""
    earlier = set()
    for from_, _ in stages():
        image = from_.value[0]
        if image.lower() in earlier:  # FROM build: an earlier stage, not a download
            continue
        name, colon, tag = image.split("@")[0].rpartition(":")
        assert colon and "/" not in tag, f"base image {image!r} has no tag, so it means :latest"
        assert tag != "latest", f"base image {image!r} is :latest, which changes under us"
        pinned = "@sha256:" in image or re.match(r"^\d+\.\d+\.\d+", tag) is not None
        assert pinned, f"base image {image!r} is not pinned to an exact version such as 3.11.10"
        if len(from_.value) == 3:
            earlier.add(from_.value[2].lower())


def test_the_image_builds_the_database_and_checks_the_published_figures():
    """A build stage runs `python build.py --strict` (stop if any headline figure differs from
    the published one) with `--inspect-file` (the row counts, written with the database)."""
    build_stages = stages()[:-1]
    assert build_stages, "the Dockerfile has no build stage before the one that runs"
    runs = [" ".join(c.value) for _, cmds in build_stages for c in commands(cmds, "RUN")]
    joined = "\n".join(runs)
    assert re.search(r"\bpython3? build\.py\b[^\n]*--strict", joined), \
        f"no build stage runs `python build.py --strict`; RUN lines: {runs}"
    assert re.search(r"\bbuild\.py\b[^\n]*--inspect-file inspect-data\.json", joined), \
        f"no build stage runs `build.py --inspect-file inspect-data.json`; RUN lines: {runs}"


def test_the_published_site_gets_its_database_from_the_build_stage():
    """The running image takes cautions.db and inspect-data.json from the build stage, so it
    serves exactly the database that passed the --strict check, never a stale local file."""
    _, final = stages()[-1]
    from_build = [c for c in commands(final, "COPY") if any(f.startswith("--from=") for f in c.flags)]
    sources = " ".join(" ".join(c.value[:-1]) for c in from_build)
    assert "cautions.db" in sources and "inspect-data.json" in sources, \
        f"the final stage does not copy cautions.db and inspect-data.json from the build stage: {sources!r}"
    assert re.search(r"^\*\.db$", (ROOT / ".dockerignore").read_text(), re.M), \
        ".dockerignore should keep a local cautions.db out of the image"


def test_the_published_site_does_not_run_as_root():
    """The stage that runs switches to an ordinary user (USER datasette), so a bug in the site
    cannot write to the container as root."""
    _, final = stages()[-1]
    users = commands(final, "USER")
    assert users, "the final stage has no USER line, so the site runs as root"
    user = users[-1].value[0].split(":")[0]
    assert user not in ("root", "0"), f"the final stage runs as {user!r}"


def test_the_image_runs_serve_sh():
    """The image's command is ./serve.sh, the same script `make serve` runs."""
    _, final = stages()[-1]
    cmds = commands(final, "CMD")
    assert cmds, "the final stage has no CMD"
    cmd = cmds[-1]
    assert cmd.json, f"CMD should be in JSON form so signals reach Datasette: {cmd.original}"
    assert list(cmd.value) == ["./serve.sh"], f"the image runs {list(cmd.value)}, not ./serve.sh"
    copied = " ".join(" ".join(c.value) for c in commands(final, "COPY"))
    assert "serve.sh" in copied, "the final stage runs ./serve.sh but never copies it in"


def test_everything_the_image_copies_is_in_the_repository():
    """Each file and folder the Dockerfile copies from the checkout exists, so `docker build`
    on a fresh clone does not stop with "not found"."""
    missing = []
    for _, cmds in stages():
        for c in commands(cmds, "COPY") + commands(cmds, "ADD"):
            if any(f.startswith("--from=") for f in c.flags):
                continue
            for source in c.value[:-1]:
                if not (ROOT / source).exists():
                    missing.append(f"line {c.start_line}: {source}")
    assert not missing, f"the Dockerfile copies paths that are not in the repository: {missing}"


def locked(path):
    """{package: version} of a lock file, each checked to carry at least one sha256."""
    text = (ROOT / path).read_text()
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M)
    assert entries, f"{path} pins nothing with hashes"
    named = re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.M)
    assert len(named) == len(entries), f"{path}: some pins have no --hash"
    return {name.lower().replace("_", "-"): version for name, version, _ in entries}


def test_every_package_is_locked_with_its_hash_and_installed_with_hashes_checked():
    """requirements.lock pins every package of pyproject.toml (the site and the test extra) with
    sha256 hashes, and `make venv` installs it with --require-hashes, then foi/ as a package."""
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = locked("requirements.lock")
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = requirement.split("==")
        assert lock.get(name.lower().replace("_", "-")) == version, f"{requirement} is not what requirements.lock pins"
    assert lock["datasette"] == "0.65.5" and lock["datasette-vega"] == "0.6.2"
    lines = recipe("$(VENV)/.installed")
    assert any("--require-hashes -r requirements.lock" in line for line in lines), lines
    assert any("--no-deps" in line and "-e ." in line for line in lines), lines
    assert not (ROOT / "requirements.txt").exists(), "requirements.txt would be a second, unhashed list"


def test_the_image_installs_the_runtime_lock_only():
    """Both stages install requirements-runtime.lock, hashes checked: the same versions as
    requirements.lock, and none of the test tools (pytest, playwright, dockerfile)."""
    runtime, full = locked("requirements-runtime.lock"), locked("requirements.lock")
    assert {name: version for name, version in runtime.items() if full.get(name) != version} == {}
    for tool in ("pytest", "pytest-asyncio", "playwright", "dockerfile", "greenlet"):
        assert tool not in runtime, f"{tool} is in the runtime lock"
    for _, cmds in stages():
        runs = " ".join(" ".join(c.value) for c in commands(cmds, "RUN"))
        assert "pip install --require-hashes -r requirements-runtime.lock" in runs, runs
        assert "requirements.lock" not in runs.replace("requirements-runtime.lock", "")
    final_runs = " ".join(" ".join(c.value) for c in commands(stages()[-1][1], "RUN"))
    assert re.search(r"pip install --no-deps --no-build-isolation --editable \.", final_runs), \
        "foi and the plugins/ package are not installed in place (the plugins read templates/ and static/ beside them)"


def test_no_plugin_or_test_edits_sys_path():
    """foi/ is an installed package and build.py is on pytest's pythonpath: nothing edits sys.path."""
    edit = re.compile(r"sys\.path\.(insert|append)\(")
    offenders = [str(path.relative_to(ROOT)) for folder in ("plugins", "tests") for path in (ROOT / folder).glob("*.py")
                 if edit.search(path.read_text())
                 and path.name != "test_bad_input.py"]  # its corpus helpers, tests/bad_input/, are being rewritten
    assert offenders == []


# ---- one serve command ------------------------------------------------------------

def test_make_serve_runs_serve_sh():
    """`make serve` runs ./serve.sh, like the image, so there is one serve command."""
    lines = recipe("serve")
    assert any(re.search(r"(^|\s)\./serve\.sh\b", line) for line in lines), \
        f"make serve does not run ./serve.sh: {lines}"


def test_the_serve_command_is_written_down_only_in_serve_sh():
    """Neither the Makefile nor the Dockerfile spells out `datasette serve` themselves; if they
    did, the local site and the published one could drift apart."""
    for path in (MAKEFILE, DOCKERFILE):
        text = "\n".join(l for l in path.read_text().splitlines() if not l.lstrip().startswith("#"))
        assert not re.search(r"datasette\S*\s+serve\b", text), f"{path.name} runs datasette serve itself"
    assert re.search(r'^exec "\$DATASETTE" serve\b', SERVE_SH.read_text(), re.M)


def test_make_serve_takes_a_port_and_listens_only_on_this_machine():
    """`make serve PORT=9123` serves on port 9123, and the local site listens on 127.0.0.1
    only (the image listens on all addresses, which is what a container needs)."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed; it is how the site is built and served")
    result = subprocess.run(["make", "-n", "serve", "PORT=9123"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    serve_lines = [line for line in result.stdout.splitlines() if "serve.sh" in line]
    assert serve_lines, f"make -n serve printed no serve.sh line:\n{result.stdout}"
    assert any("9123" in line for line in serve_lines), serve_lines
    assert any("HOST=127.0.0.1" in line for line in serve_lines), serve_lines


# ---- serve.sh ---------------------------------------------------------------------

def test_serve_sh_asks_for_the_promised_settings():
    """serve.sh opens the database read-only (immutable) with its precomputed row counts, allows
    cross-site requests (CORS), and sets the query time limit, row limit and cache time."""
    text = SERVE_SH.read_text()
    assert re.search(r"(-i|--immutable) \"\$DATABASE\"", text) and "DATABASE=\"${DATABASE:-cautions.db}\"" in text, \
        "the database is not opened immutable"
    assert '--inspect-file "$INSPECT_FILE"' in text and 'INSPECT_FILE="${INSPECT_FILE:-inspect-data.json}"' in text
    assert '"${PYTHON:-python3}" plugins/server_settings.py' in text and "$SETTINGS" in text, \
        "serve.sh does not take its settings from plugins/server_settings.py"
    assert "--cors" in server_settings.arguments()
    for setting in ("sql_time_limit_ms", "max_returned_rows", "default_cache_ttl"):
        assert isinstance(server_settings.SETTINGS.get(setting), int), f"no {setting} in plugins/server_settings.py"


def test_the_settings_are_written_once():
    """Datasette's settings live in plugins/server_settings.py alone: serve.sh, static_site.py,
    the tests and the benchmarks read them there, and none spells one out again."""
    readers = [SERVE_SH, ROOT / "static_site.py", *(ROOT / "bench").glob("*.py"), *(ROOT / "tests").glob("*.py")]
    spelled = [f"{path.relative_to(ROOT)}: {match}" for path in readers
               for match in re.findall(r"--setting\s+\w+\s+\S+", path.read_text())]
    assert spelled == []
    for value in server_settings.arguments():  # serve.sh splits them on spaces, unquoted
        assert re.fullmatch(r"[\w.-]+", value), value


def test_serve_sh_and_the_ci_script_are_valid_and_executable():
    """serve.sh is valid POSIX sh and .ci/run valid bash, and both can be run directly."""
    for shell, path in (("sh", SERVE_SH), ("bash", CI_RUN)):
        result = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"{shell} -n {path.name}: {result.stderr}"
        assert path.stat().st_mode & stat.S_IXUSR, f"{path.name} is not executable (chmod +x)"
        assert path.read_text().startswith("#!"), f"{path.name} has no #! line"


def test_ci_requires_the_browser_tests():
    """CI runs the tests with the browser required and then checks the browser tests ran."""
    text = CI_RUN.read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"CI=true REQUIRE_BROWSER=1 make test", text)
    assert "--junitxml=" in text and "test_browser" in text


@pytest.fixture
def site(tmp_path):
    """A copy of what the image ships (serve.sh, metadata.yml, plugins/, foi/, templates/,
    static/) beside a one-table database and its inspect file."""
    for name in ("serve.sh", "metadata.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for name in ("plugins", "foi", "templates", "static"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    with sqlite3.connect(tmp_path / "cautions.db") as conn:
        conn.execute("create table cautions (crime_reference text)")
    subprocess.run([str(DATASETTE), "inspect", "cautions.db", "--inspect-file", "inspect-data.json"],
                   cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def serve_sh_arguments(folder, env):
    """Run serve.sh under `env` with a stand-in for datasette that records the arguments it is given."""
    recorder = folder / "record-datasette"
    recorder.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$RECORD"\n')
    recorder.chmod(0o755)
    record = folder / "args.txt"
    result = subprocess.run(["sh", str(folder / "serve.sh")],
                            env={**env, "DATASETTE": str(recorder), "RECORD": str(record)},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return record.read_text().splitlines()


def test_datasette_accepts_every_option_serve_sh_gives_it(site):
    """Datasette, started with exactly serve.sh's options, reports the promised settings:
    1.5 s query limit, at most 1,000 rows, pages cached for a day, the database downloadable."""
    args = serve_sh_arguments(site, {**os.environ, "HOST": "127.0.0.1", "PORT": "8123"})
    assert args[0] == "serve"
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8123"
    # Same options, but ask one page and exit instead of listening.
    result = subprocess.run([str(DATASETTE), *args, "--get", "/-/settings.json"], cwd=site,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"datasette rejected serve.sh's options: {result.stderr}"
    settings = json.loads(result.stdout)
    assert settings["sql_time_limit_ms"] == 1500
    assert settings["max_returned_rows"] == 1000
    assert settings["default_cache_ttl"] == 86400
    assert settings["allow_download"] is True


def test_serve_sh_defaults_to_port_8001_on_all_addresses(site):
    """With no HOST or PORT set (as in the image), serve.sh listens on 0.0.0.0:8001."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    args = serve_sh_arguments(site, env)
    assert args[args.index("--host") + 1] == "0.0.0.0"
    assert args[args.index("--port") + 1] == "8001"


def test_serve_sh_says_to_run_make_build_when_the_database_is_missing(site):
    """Without cautions.db, serve.sh stops and says what to do, instead of Datasette
    starting on an empty, freshly created database."""
    (site / "cautions.db").unlink()
    result = subprocess.run(["sh", str(site / "serve.sh")], capture_output=True, text=True,
                            env={**os.environ, "DATASETTE": "/bin/false"}, timeout=30)
    assert result.returncode != 0
    assert "cautions.db" in result.stderr and "make build" in result.stderr


def test_serve_sh_refuses_an_inspect_file_that_belongs_to_another_database(site):
    """The inspect file holds the row counts and sha256 the site shows: one left from another build
    would have the site report the old database's rows and cite the old database's sha256."""
    with sqlite3.connect(site / "cautions.db") as conn:  # the database changes; its inspect file does not
        conn.execute("insert into cautions values ('TV1')")
    result = subprocess.run(["sh", str(site / "serve.sh")], capture_output=True, text=True,
                            env={**os.environ, "DATASETTE": "/bin/false"}, timeout=30)
    assert result.returncode == 1
    assert "inspect-data.json does not belong to cautions.db" in result.stderr and "make build" in result.stderr


def test_build_writes_the_database_and_its_inspect_file_together(tmp_path):
    """`make build` runs build.py --inspect-file: the inspect data is made from the new database
    (the same as `datasette inspect` of it) and put in place with it."""
    output, inspect = tmp_path / "cautions.db", tmp_path / "inspect-data.json"
    assert build.main(["--output", str(output), "--inspect-file", str(inspect), "--quiet"]) == 0
    subprocess.run([str(DATASETTE), "inspect", str(output), "--inspect-file", str(tmp_path / "theirs.json")],
                   check=True, capture_output=True)
    ours, theirs = json.loads(inspect.read_text())["cautions"], json.loads((tmp_path / "theirs.json").read_text())["cautions"]
    assert (ours["hash"], ours["size"], ours["tables"]) == (theirs["hash"], theirs["size"], theirs["tables"])
    assert ours["hash"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert not list(tmp_path.glob(".*.tmp"))
