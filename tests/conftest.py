"""Shared fixtures: the shipped build, small releases written by a test, the real public files."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from site_metadata import metadata_without_story_tables
import build  # build.py: on the path through pyproject.toml's [tool.pytest.ini_options] pythonpath

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory):
    """The database `make build` makes from the shipped data/ (sample release and official context),
    with the link-preview cards beside it in cards/."""
    out = tmp_path_factory.mktemp("site") / "cautions.db"
    assert build.main(["--output", str(out), "--quiet", "--strict", "--cards", str(out.parent / "cards")]) == 0
    return out


@pytest.fixture
def shared_data():
    """The real public files in ../shared/data. Skipped only where that folder is absent, never in CI."""
    if not SHARED_DATA.exists():
        if IN_CI:
            pytest.fail(f"{SHARED_DATA} is missing in CI; the real-file tests must run there")
        pytest.skip(f"{SHARED_DATA} is not beside this checkout, so the real public files cannot be read")
    return SHARED_DATA


HEADER = "Crime Reference,HO Offence Code,Offence Description,Outcome,Outcome Date,Offender Age Group"
GOOD_ROWS = [
    "TV1,019/08,Rape of a female aged 16 or over,Adult simple caution,01/05/2015,18 and over",
    "TV2,092/70,Possession with intent to supply cocaine,Youth caution,02/06/2016,10-17",
    "TV3,46,Shoplifting,Adult conditional caution,03/07/2016,18 and over",
]


class Release:
    """A throwaway data/ folder: write a release file and a manifest, build, read the result."""

    def __init__(self, folder):
        self.folder = folder
        self.manifest = folder / "manifest.yml"
        self.output = folder / "cautions.db"

    def write_bytes(self, name, data):
        (self.folder / name).write_bytes(data)
        return self.folder / name

    def write_csv(self, text, name="release.csv", encoding="utf-8", newline="\n"):
        data = textwrap.dedent(text).lstrip("\n").replace("\n", newline).encode(encoding)
        return self.write_bytes(name, data)

    def write_manifest(self, *entries, raw=None):
        if raw is not None:
            self.manifest.write_text(raw)
            return
        body = "".join(entries) if entries else self.rows_entry()
        self.manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\nreleases:\n{body}")

    @staticmethod
    def rows_entry(file="release.csv", id="test-release", extra=""):
        return textwrap.dedent(f"""\
          - id: {id}
            kind: rows
            file: {file}
            title: Test release
            authority: Test Police
            source_url: https://example.org/foi
            licence: test
            is_sample: true
            answered: 2017-04-20
        """) + textwrap.indent(textwrap.dedent(extra), "  ")

    @staticmethod
    def counts_entry(file="counts.csv", id="test-counts", table="test_counts", counts="[Cautions]", extra=""):
        return textwrap.dedent(f"""\
          - id: {id}
            kind: counts
            file: {file}
            table: {table}
            title: Test counts
            authority: Test Police
            source_url: https://example.org/foi
            licence: test
            is_sample: false
            counts: {counts}
        """) + textwrap.indent(textwrap.dedent(extra), "  ")

    def build(self, *extra):
        """Run build.py as a journalist would; returns the finished process (stdout, stderr, returncode).
        The site's metadata.yml, without the queries that read the story's official tables (a test
        release's build does not have them, and the build stops on a query that fails)."""
        metadata = [] if "--metadata" in extra else ["--metadata", str(self.metadata())]
        return subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(self.manifest),
                               "--output", str(self.output), "--quiet", *metadata, *extra],
                              capture_output=True, text=True, cwd=ROOT)

    def metadata(self):
        return metadata_without_story_tables(self.folder)

    def query(self, sql, params=()):
        import sqlite3
        with sqlite3.connect(self.output) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture
def release(tmp_path):
    return Release(tmp_path)
