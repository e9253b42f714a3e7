"""The manifest checked into `Release` values (issue 22 item 5): the check reads data/manifest.yml
and changes nothing in it; what it works out (a release's `offences:` read, the lines of its keys,
a round robin reply's force) sits beside the keys as written, and nothing writes to a Release
afterwards."""
import copy
import shutil
from pathlib import Path

import pytest
import yaml

from foi import manifest
from foi.manifest_keys import KEYS, REQUIRED
from foi.release_checks import check_release

ROOT = Path(__file__).resolve().parent.parent


def test_every_release_of_the_shipped_manifest_is_a_release_nothing_can_change():
    loaded = manifest.load(ROOT / "data" / "manifest.yml")
    assert loaded["releases"] and all(isinstance(r, manifest.Release) for r in loaded["releases"])
    release = loaded["releases"][0]
    with pytest.raises(TypeError):
        release["title"] = "changed"  # noqa: the point of the test
    with pytest.raises(AttributeError):
        release.offences = {}
    line, keys = release.lines
    assert line and keys["id"] >= line  # where the release and each of its keys are in the file


def test_the_check_writes_nothing_into_what_the_yaml_gave(tmp_path):
    """A release with `offences:` and a `reviewed:` entry whose `on` YAML 1.1 reads as true: the
    check reads both, and the manifest as parsed is the same after it as before."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "manifest.yml"
    parsed = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = parsed["releases"][0]
    first["offences"] = {"Theft from shop": 46}
    first["reviewed"] = [{"column": "Officer", "finding": "name", "by": "Jo Bloggs", True: "2017-05-02"}]
    path.write_text(yaml.safe_dump(parsed, sort_keys=False), encoding="utf-8")
    given = yaml.safe_load(path.read_text(encoding="utf-8"))["releases"][0]
    before = copy.deepcopy(given)
    checked = check_release(path, 1, given, set(), set(), (None, {}))
    assert given == before  # nothing written into the release as the YAML gave it
    assert checked.offences == {"Theft from shop": "46"} and checked.reviewed[0]["on"] == "2017-05-02"
    release = manifest.load(path)["releases"][0]
    assert release.offences == {"Theft from shop": "46"}
    assert release["reviewed"][0]["on"] == "2017-05-02"
    assert "_offences" not in release and "_lines" not in release


def test_the_required_keys_are_those_the_declared_table_marks():
    assert REQUIRED == ["id", "kind", "file", "title", "authority", "source_url", "licence", "is_sample"]
    assert all(key.type in ("text", "date", "choice", "any") for key in KEYS.values())
    assert all(key.choices for key in KEYS.values() if key.type == "choice")
