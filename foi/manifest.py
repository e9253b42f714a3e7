"""data/manifest.yml: what each release is. Checked in full before any file is read
(foi/release_checks.py, against the keys it declares), into `Release` values nothing writes to."""
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import yaml

from . import replies_check
from .errors import ReleaseError
from .release_checks import check_release, is_date, sha256  # noqa: F401 (sha256: the build's digest, used by others)


def load(path):
    path = Path(path)
    if not path.exists():
        raise ReleaseError(path, "the manifest does not exist", "create it; see README.md, 'Using your own release'")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ReleaseError(path, f"the manifest is not UTF-8 text ({e.reason})", "save it as UTF-8") from None
    try:
        manifest = yaml.load(text, Loader=NoAliasLoader)
    except AliasRefused as e:
        raise ReleaseError(path, f"the manifest uses a YAML alias (*{e.anchor}), which the build does not read",
                           "write the value out in full where the alias is", line=e.line) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ReleaseError(path, f"this is not valid YAML ({getattr(e, 'problem', None) or e})",
                           "check the indentation and quoting near this line (a value with ':' needs quotes)",
                           line=mark.line + 1 if mark else None) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("releases"), list) or not manifest["releases"]:
        raise ReleaseError(path, "the manifest has no `releases:` list", "add at least one release; see README.md")
    ids, tables = set(), set()
    lines = release_lines(text)
    request_lines = replies_check.section_lines(text, "requests", yaml, NoAliasLoader)
    requests = replies_check.check_requests(path, manifest, request_lines, is_date)
    at = [lines[i] if i < len(lines) else (None, {}) for i in range(len(manifest["releases"]))]
    checked = [check_release(path, number, release, ids, tables, at[number - 1])
               for number, release in enumerate(manifest["releases"], 1)]
    forces = replies_check.check_replies(path, manifest["releases"], requests, lines)
    releases = [Release.of(release, at[i], checked[i], forces.get(i)) for i, release in enumerate(manifest["releases"])]
    return {**manifest, "releases": releases, "_requests": requests}


class AliasRefused(Exception):
    def __init__(self, anchor, line):
        self.anchor, self.line = anchor, line


class NoAliasLoader(yaml.SafeLoader):
    """A manifest is short and written by hand: it has no use for YAML aliases (&name / *name),
    and refusing them stops an alias bomb from growing to gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(event.anchor, event.start_mark.line + 1)
        return super().compose_node(parent, index)


def release_lines(text):
    """For each release of the manifest, (the line it starts on, {key: the line of that key})."""
    root = yaml.compose(text, Loader=NoAliasLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "releases" and isinstance(value, yaml.SequenceNode):
            return [(item.start_mark.line + 1,
                     {k.value: k.start_mark.line + 1 for k, _ in item.value} if isinstance(item, yaml.MappingNode) else {})
                    for item in value.value]
    return []


class Release(Mapping):
    """One release of the manifest, checked: its keys as written, read-only (`release["title"]`,
    `release.get("period")`), and what the check read from them: `lines` (the line it starts on,
    {key: its line}), `offences` (`offences:` as {description as given: code}) and, for a round
    robin's reply, `force`. `reviewed:` holds each entry with its `on` key as written."""
    __slots__ = ("_keys", "lines", "offences", "force")

    def __init__(self, keys, lines=(None, {}), offences=None, force=None):
        for name, value in (("_keys", MappingProxyType(dict(keys))), ("lines", lines), ("offences", offences or {}),
                            ("force", force)):
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, release, lines, checked, reply):
        """A release as the manifest gives it, once checked; `reply`: (force, status) for a round robin's reply."""
        keys = dict(release)
        if checked.reviewed is not None:
            keys["reviewed"] = checked.reviewed
        force = None
        if reply:
            force, keys["status"] = reply
        return cls(keys, lines, checked.offences, force)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Release is not changed once checked (tried to set {name})")

    def __getitem__(self, key):
        return self._keys[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __repr__(self):
        return f"Release({dict(self._keys)!r})"


def declared_offences(release):
    """A release's `offences:` as read by the check; a plain mapping (a test's) declares none."""
    return getattr(release, "offences", None) or {}
