"""The bad-input corpus (cases.yml): reading it, and setting a case up in a data folder.

Used by tests/test_bad_input.py and by make_table.py, so both run exactly the same cases.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, when run as a script
from site_metadata import metadata_without_story_tables  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = yaml.safe_load((HERE / "cases.yml").read_text(encoding="utf-8"))["cases"]
FAULTS = [c for c in CASES if "expect" in c]   # must stop the build
QUIRKS = [c for c in CASES if "loads" in c]    # look bad, but must load
GOOD_MANIFEST = {"id": "good-release", "kind": "rows", "file": "good.csv", "title": "Good release",
                 "authority": "Test Police", "source_url": "https://example.org/foi", "licence": "test",
                 "is_sample": True, "answered": "2017-04-20"}


class PlainDumper(yaml.SafeDumper):
    """Writes every value out in full, as a journalist would: the build refuses YAML aliases."""

    def ignore_aliases(self, data):
        return True


def write_manifest(folder, releases):
    (folder / "manifest.yml").write_text(yaml.dump(
        {"offence_codes": str(ROOT / "data" / "reference" / "offence_codes.csv"), "releases": releases},
        Dumper=PlainDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_good(folder):
    """A good release and its manifest: what a case's previous, good database is built from."""
    shutil.copyfile(HERE / "good.csv", folder / "good.csv")
    write_manifest(folder, [GOOD_MANIFEST])


def write_case(folder, case):
    """Copy the case's release files into `folder` and write (or remove) its manifest.yml."""
    manifest = folder / "manifest.yml"
    if case.get("manifest_missing"):
        manifest.unlink(missing_ok=True)
    elif "manifest_text" in case:
        manifest.write_text(case["manifest_text"], encoding="utf-8")
    else:
        for entry in case["releases"]:
            if (HERE / str(entry.get("file"))).is_file():
                shutil.copyfile(HERE / entry["file"], folder / entry["file"])
            elif (HERE / str(entry.get("file"))).is_dir():  # a folder where the release should be
                (folder / entry["file"]).mkdir(exist_ok=True)
        write_manifest(folder, case["releases"])


def run_build(folder):
    """build.py as a journalist runs it, on folder/manifest.yml into folder/cautions.db."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(folder / "manifest.yml"),
                           "--output", str(folder / "cautions.db"), "--quiet",
                           "--metadata", str(metadata_without_story_tables(folder))],
                          capture_output=True, text=True, cwd=ROOT)
