"""The site starts at once at any size: serve.sh checks that the database is the one its inspect
file describes by its size and the sha256 of its first and last MiB, both recorded by the build
(reading the whole file took 28 s at 10M rows); `make verify` reads it whole. `make serve`
rebuilds only when a release, the manifest or the code changed."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

import build
from site_fixtures import ROOT

MIB = 1 << 20


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The shipped data built as `make build` builds it, with serve.sh beside it."""
    folder = tmp_path_factory.mktemp("start")
    assert build.main(["--output", str(folder / "cautions.db"), "--inspect-file", str(folder / "inspect-data.json"),
                       "--quiet"]) == 0
    return folder


@pytest.fixture
def site(built, tmp_path):
    for name in ("cautions.db", "inspect-data.json"):
        shutil.copy2(built / name, tmp_path / name)
    shutil.copy2(ROOT / "serve.sh", tmp_path / "serve.sh")
    (tmp_path / "plugins").mkdir()
    shutil.copy2(ROOT / "plugins" / "server_settings.py", tmp_path / "plugins")  # serve.sh reads the settings there
    recorder = tmp_path / "record-datasette"  # stands in for datasette: serve.sh got as far as starting it
    recorder.write_text('#!/bin/sh\necho started > "$RECORD"\n')
    recorder.chmod(0o755)
    return tmp_path


def serve(site, *args):
    record = site / "started.txt"
    record.unlink(missing_ok=True)
    result = subprocess.run(["sh", str(site / "serve.sh"), *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DATASETTE": str(site / "record-datasette"), "RECORD": str(record)})
    return result, record.exists()


def change_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 1]))


def test_the_build_records_the_size_and_the_sha256_of_both_ends(built):
    data = (built / "cautions.db").read_bytes()
    recorded = json.loads((built / "inspect-data.json").read_text())["cautions"]
    assert recorded["size"] == len(data)
    assert recorded["hash"] == hashlib.sha256(data).hexdigest()
    assert recorded["ends_sha256"] == hashlib.sha256(data[:MIB] + data[-MIB:]).hexdigest()
    assert len(data) > 2 * MIB  # so the middle of the file is read by neither end


def test_serve_sh_starts_the_database_its_build_described(site):
    result, started = serve(site)
    assert result.returncode == 0, result.stderr
    assert started


@pytest.mark.parametrize("where", ["its first MiB (SQLite's header and the schema)", "its last MiB"])
def test_serve_sh_refuses_a_database_changed_at_either_end(site, where):
    size = (site / "cautions.db").stat().st_size
    change_byte(site / "cautions.db", 100 if where.startswith("its first") else size - 100)
    result, started = serve(site)
    assert result.returncode == 1 and not started
    assert "inspect-data.json does not belong to cautions.db" in result.stderr and "make build" in result.stderr


def test_serve_sh_refuses_a_database_of_another_size(site):
    with open(site / "cautions.db", "ab") as f:
        f.write(b"\0" * 4096)
    result, started = serve(site)
    assert result.returncode == 1 and not started
    assert "bytes" in result.stderr and "make build" in result.stderr


def test_make_verify_reads_the_whole_file(site):
    """A byte changed in the middle escapes the quick check; `./serve.sh verify` (make verify) finds it."""
    result, _ = serve(site, "verify")
    assert result.returncode == 0 and "is the database inspect-data.json describes" in result.stdout
    change_byte(site / "cautions.db", (site / "cautions.db").stat().st_size // 2)
    result, started = serve(site, "verify")
    assert result.returncode == 1 and not started
    assert "sha256" in result.stderr and "make build" in result.stderr


def test_an_inspect_file_without_the_ends_is_checked_whole(site):
    """`datasette inspect` writes no ends_sha256: serve.sh then hashes the whole file, as before."""
    data = json.loads((site / "inspect-data.json").read_text())
    del data["cautions"]["ends_sha256"]
    (site / "inspect-data.json").write_text(json.dumps(data, indent=2))
    assert serve(site)[1]
    change_byte(site / "cautions.db", (site / "cautions.db").stat().st_size // 2)
    result, started = serve(site)
    assert result.returncode == 1 and not started


def make_question(folder, target="cautions.db"):
    """0 when make thinks the target is up to date, 1 when it would rebuild it (make -q)."""
    return subprocess.run(["make", "-q", "-f", str(folder / "Makefile"), target], cwd=folder,
                          capture_output=True, text=True).returncode


def test_make_serve_rebuilds_only_when_an_input_changed(tmp_path):
    """The Makefile's own prerequisites, on a tree of empty stand-ins: no build is run."""
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("requirements.lock", "pyproject.toml"):  # what .venv/.installed is made from
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1_000, 1_000))
    inputs = [".venv/.installed", "build.py", "exports.py", "metadata.yml", "foi/rows.py", "data/manifest.yml",
              "data/sample/release.csv"]
    for name in inputs:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    (tmp_path / "cautions.db").write_text("")
    assert make_question(tmp_path) == 0
    for name in inputs[1:]:
        os.utime(tmp_path / name, (3_000_000_000, 3_000_000_000))
        assert make_question(tmp_path) == 1, f"{name} changed, and make serve would not rebuild"
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    assert make_question(tmp_path) == 0
