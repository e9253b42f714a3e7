"""The fact-check: every figure the story published, computed from the release and compared.

The published values come from metadata.yml (`published:`), never from this file.
"""
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text())
QUERIES = METADATA["databases"]["cautions"]["queries"]
HEADLINES = {name: q for name, q in QUERIES.items() if q.get("published")}
SAMPLE = yaml.safe_load((ROOT / "data/manifest.yml").read_text())["releases"][0]


def test_every_story_figure_has_a_canned_query():
    """The seven public URLs journalists share; their names never change."""
    assert set(HEADLINES) == {"total_cautions", "buckinghamshire_cautions", "rape_cautions",
                              "sexual_assault_cautions", "sexual_assault_girls_under_13",
                              "class_a_supply_by_drug", "firearm_intent_cautions"}
    story = list(csv_rows(ROOT.parent / "shared/data/reference/story_figures.csv"))
    if story:  # the nine published figures, as worded, all appear
        published = {p["value"] for q in HEADLINES.values() for p in q["published"]}
        assert {int(r["value"]) for r in story} == published


def csv_rows(path):
    import csv
    if path.exists():
        yield from csv.DictReader(path.open())


def test_the_shipped_build_matches_every_published_figure(sample_db):
    db = sqlite3.connect(sample_db)
    rows = db.execute("select query, label, published_value, computed_value, matches from headline_figures").fetchall()
    assert len(rows) == sum(len(q["published"]) for q in HEADLINES.values())
    assert [r for r in rows if not r[4]] == []
    for query, label, published, computed, _ in rows:
        expected = next(p["value"] for p in HEADLINES[query]["published"] if (p.get("label") or "") == label)
        assert published == computed == expected


@pytest.mark.parametrize("name,part", [(n, part) for n in sorted(HEADLINES) for part in ("sql", "breakdown")
                                       if HEADLINES[n].get(part)])
def test_each_headline_query_and_its_chart_use_an_index_not_a_scan_of_cautions(sample_db, name, part):
    """So the figure and its chart stay fast however many rows a release has
    (a breakdown that joined every crime to its grid took 4.4 s at 10M rows)."""
    db = sqlite3.connect(sample_db)
    plan = "\n".join(r[3] for r in db.execute("explain query plan " + HEADLINES[name][part]))
    assert not re.search(r"\bSCAN cautions\b(?!_)", plan), plan


@pytest.mark.parametrize("name", sorted(n for n, q in HEADLINES.items() if q.get("breakdown")))
def test_each_breakdown_adds_up_to_its_figure(sample_db, name):
    db = sqlite3.connect(sample_db)
    figure = sum(r[-1] for r in db.execute(HEADLINES[name]["sql"]))
    parts = [r[-1] for r in db.execute(HEADLINES[name]["breakdown"])]
    assert len(parts) >= 2
    if name == "buckinghamshire_cautions":  # published without its rows: set beside the rest of the force
        assert parts[0] == figure
    else:
        assert sum(parts) == figure


def test_strict_build_catches_a_release_with_one_rape_caution_removed(tmp_path):
    """Remove one rape row from the sample: --strict must fail and name the figure."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    release = data / SAMPLE["file"]
    lines = release.read_bytes().split(b"\r\n")
    rape = next(i for i, line in enumerate(lines) if b",019/" in line)
    release.write_bytes(b"\r\n".join(lines[:rape] + lines[rape + 1:]))
    output = tmp_path / "cautions.db"
    output.write_bytes(b"the previous database")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(data / "manifest.yml"),
                             "--output", str(output), "--strict", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 1
    assert output.read_bytes() == b"the previous database"  # a strict failure publishes nothing
    published = HEADLINES["rape_cautions"]["published"][0]["value"]
    assert f"rape_cautions: published {published}, the data gives {published - 1}" in result.stderr, result.stderr
    differing = {line.split("]")[1].split(":")[0].strip() for line in result.stdout.splitlines() if "[DIFFERS]" in line}
    assert differing == {"rape_cautions", "total_cautions"}  # one crime fewer in all


def test_the_spreadsheet_copy_of_the_sample_builds_the_same_rows(tmp_path, sample_db):
    """The XLSX path: the same release as a spreadsheet (sheet "Cautions") gives the same cautions table."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    manifest = (data / "manifest.yml").read_text()
    xlsx = SAMPLE["file"].replace(".csv", ".xlsx")
    (data / "manifest.yml").write_text(manifest.replace(f"file: {SAMPLE['file']}", f"file: {xlsx}\n    sheet: Cautions"))
    output = tmp_path / "from-xlsx.db"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(data / "manifest.yml"),
                             "--output", str(output), "--strict", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    sql = "select * from cautions order by id"
    from_csv = sqlite3.connect(sample_db).execute(sql).fetchall()
    assert sqlite3.connect(output).execute(sql).fetchall() == from_csv
    story = [row for row in from_csv if row[1] == SAMPLE["id"]]  # cautions also holds the round robin's replies
    assert len(story) == next(p["value"] for p in HEADLINES["total_cautions"]["published"])
