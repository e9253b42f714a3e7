"""Bad input, as a journalist meets it: every fault in tests/bad_input/cases.yml.

For each case a good database is built first, then the bad release at the same place.
The promise, for every fault:
  - a message naming the file, the line (and the column where there is one), what is wrong,
    and what to do;
  - exit status 1, and no traceback;
  - the previous database left byte for byte as it was, and no temporary file beside it.
A few cases are quirks that look bad but are not: those must load.
docs/bad-input.md lists the cases and their messages (tests/bad_input/make_table.py).
"""
import re
import sqlite3
import sys

import pytest

import build
from site_metadata import metadata_without_story_tables
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bad_input"))
from corpus import CASES, FAULTS, HERE, QUIRKS, run_build, write_case, write_good  # noqa: E402


def build_good_database(folder):
    """The database a journalist already has: built by build.py from a good release."""
    write_good(folder)
    assert build.main(["--manifest", str(folder / "manifest.yml"), "--output", str(folder / "cautions.db"),
                       "--quiet", "--metadata", str(metadata_without_story_tables(folder))]) == 0
    return (folder / "cautions.db").read_bytes()


def test_the_readme_counts_the_corpus_as_it_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"We tried {len(FAULTS)} faults (and {len(QUIRKS)} quirks that must load)" in readme


def test_the_corpus_names_each_fault_once_and_has_its_files():
    names = [c["name"] for c in CASES]
    assert len(FAULTS) >= 30 and len(names) == len(set(names))
    for case in CASES:
        assert case.get("fault") and ("expect" in case) != ("loads" in case), case["name"]
        for entry in case.get("releases", []):
            assert (HERE / entry["file"]).exists() or "not there" in case["name"], entry["file"]


@pytest.mark.parametrize("case", FAULTS, ids=[c["name"] for c in FAULTS])
def test_bad_input_stops_the_build_with_a_clear_message_and_leaves_the_old_database(tmp_path, case):
    before = build_good_database(tmp_path)
    write_case(tmp_path, case)

    result = run_build(tmp_path)

    expect, message = case["expect"], result.stderr
    assert result.returncode == 1, message or result.stdout
    assert "Traceback" not in message, message
    assert expect["file"] in message, message
    if "line" in expect:
        assert re.search(rf"\bline {expect['line']}\b", message), message
    if "column" in expect:
        assert f"column {expect['column']!r}" in message, message
    if "key" in expect:  # a mistake in the manifest: the message points at the line of that key
        line = int(re.search(r"manifest\.yml, line (\d+)", message).group(1))
        written = (tmp_path / "manifest.yml").read_text(encoding="utf-8").splitlines()
        assert written[line - 1].lstrip(" -").startswith(expect["key"] + ":"), (message, written[line - 1])
    elif expect["file"] == "manifest.yml" and "releases:" not in expect["problem"] and "not exist" not in expect["problem"]:
        assert re.search(r"manifest\.yml, line \d+", message), message
    assert expect["problem"] in message, message
    assert "What to do:" in message, message
    assert (tmp_path / "cautions.db").read_bytes() == before, "the old database was changed"
    assert not list(tmp_path.glob(".cautions.db*")), "a temporary file was left beside the database"


@pytest.mark.parametrize("case", QUIRKS, ids=[c["name"] for c in QUIRKS])
def test_a_quirk_that_looks_bad_still_loads(tmp_path, case):
    build_good_database(tmp_path)
    write_case(tmp_path, case)

    result = run_build(tmp_path)

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "cautions.db") as db:
        db.row_factory = sqlite3.Row
        for check in case["loads"]:
            assert [dict(r) for r in db.execute(check["sql"])] == check["rows"], check["sql"]
