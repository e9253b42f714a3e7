"""A round robin in data/manifest.yml checked before any file is read: the top-level `requests:`,
each reply's own keys, and across replies (a known request, a force it went to, no force twice)."""
import re

from .errors import ReleaseError
from .forces import ALL_FORCES, as_date, closest_forces, find_force, read_forces, reference
from .replies import NO_FILE
from .schema import REPLY_STATUSES


REQUEST_KEYS = {"id", "question", "sent", "to", "period", "is_sample", "description"}


def section_lines(text, section, yaml_module, loader):
    """For each item of the top-level list `section`: (its first line, {key: its line})."""
    root = yaml_module.compose(text, Loader=loader)
    if not isinstance(root, yaml_module.MappingNode):
        return []
    for key, value in root.value:
        if key.value == section and isinstance(value, yaml_module.SequenceNode):
            return [(item.start_mark.line + 1,
                     {k.value: k.start_mark.line + 1 for k, _ in item.value}
                     if isinstance(item, yaml_module.MappingNode) else {}) for item in value.value]
    return []


def check_requests(path, manifest, request_lines, is_date):
    """The top-level `requests:`, each checked; -> {id: request}. Each request gets `_recipients`
    (the forces it went to) and `_lines`."""
    requests = manifest.get("requests")
    if requests is None:
        return {}
    if not isinstance(requests, list):
        raise ReleaseError(path, "`requests:` must be a list of requests", "write each as `- id: ...` with "
                           "question, sent, to and period under it; see README.md, 'A round robin'")
    forces = read_forces(reference(path, manifest, "forces"))
    found = {}
    for number, request in enumerate(requests, 1):
        line, keys = request_lines[number - 1] if number <= len(request_lines) else (None, {})
        where = f"request {number}" + (f" ({request.get('id')})" if isinstance(request, dict) and request.get("id") else "")

        def fail(problem, fix, key=None):
            raise ReleaseError(path, f"{where}: {problem}", fix, line=keys.get(key, line))

        check_request(request, found, is_date, fail)
        request["_recipients"], request["_lines"] = recipients(request["to"], forces, fail), (line, keys)
        found[request["id"]] = request
    return found


def check_request(request, found, is_date, fail):
    """One request's keys: all there, none unknown, its id new, its dates dates."""
    if not isinstance(request, dict):
        fail("is not a mapping of keys to values", "write it as `- id: ...` followed by indented `key: value` lines")
    missing = [k for k in ("id", "question", "sent", "to", "period", "is_sample") if request.get(k) in (None, "")]
    if missing:
        fail(f"is missing {', '.join(missing)}", "add them: e.g.\n    - id: cautions-by-force-2017\n"
             "      question: \"How many crimes were resolved by a caution ...?\"\n      sent: 2017-03-01\n"
             "      to: all territorial forces\n      period: {from: 2015-04-01, to: 2017-03-31}\n"
             "      is_sample: false")
    unknown = sorted(set(request) - REQUEST_KEYS, key=str)
    if unknown:
        fail(f"has keys this build does not know: {', '.join(map(str, unknown))}",
             f"check the spelling; a request's keys are {', '.join(sorted(REQUEST_KEYS))}", str(unknown[0]))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(request["id"])):
        fail(f"id {request['id']!r} should be lower case letters, digits and hyphens",
             "rename it, e.g. cautions-by-force-2017", "id")
    if request["id"] in found:
        fail(f"id {request['id']!r} is used twice", "give each request its own id", "id")
    if not is_date(request["sent"]):
        fail(f"sent {request['sent']!r} is not a date written yyyy-mm-dd", "write it as e.g. `sent: 2017-03-01`",
             "sent")
    if not isinstance(request["is_sample"], bool):
        fail("is_sample must be true or false", "write `is_sample: false` for a real request", "is_sample")
    period = request["period"]
    if not (isinstance(period, dict) and set(period) == {"from", "to"} and all(is_date(v) for v in period.values())
            and as_date(period["from"]) <= as_date(period["to"])):
        fail(f"period {period!r} is not the range of dates the question asks about",
             "write it as `period: {from: 2015-04-01, to: 2017-03-31}`", "period")


def recipients(to, forces, fail):
    """A request's `to:` -> the forces it went to: every territorial force, or the list, each once."""
    if isinstance(to, str) and to.strip().lower() == ALL_FORCES:
        return list(forces)
    if not (isinstance(to, list) and to and all(isinstance(n, str) for n in to)):
        fail(f"to {to!r} is neither `{ALL_FORCES}` nor a list of forces",
             f"write `to: {ALL_FORCES}`, or `to: [Thames Valley, Cumbria]` (names as in data/reference/forces.csv)",
             "to")
    went_to = []
    for name in to:
        force = find_force(name, forces)
        if force is None:
            near = closest_forces(name, forces)
            fail(f"`to:` names {name!r}, which is not a force in data/reference/forces.csv",
                 (f"did you mean {' or '.join(map(repr, near))}? " if near else "")
                 + "write the force's name as forces.csv spells it", "to")
        if force in went_to:
            fail(f"`to:` names {force.name!r} twice", "list each authority once", "to")
        went_to.append(force)
    return went_to


def check_release_keys(release, fail, is_date):
    """A release's own round-robin keys (request, status, refusal, total), before any file is read."""
    status = release.get("status")
    if status is not None and status not in REPLY_STATUSES:
        fail(f"status {status!r} is not one of: {', '.join(REPLY_STATUSES)}",
             "write `status: answered` (or partial, refused, no reply)", "status")
    if (status is not None or release.get("refusal") is not None) and not release.get("request"):
        fail("has a `status:` or `refusal:` but no `request:`",
             "add `request: <id>`, the id of the request in `requests:` this release answers", "status")
    if status in NO_FILE and "file" in release:
        fail(f"is `status: {status}` but names a file", f"a {status} reply sent no data: remove `file:` (and `kind:`); "
             "if the force did send data, its status is answered or partial", "file")
    if release.get("refusal") is not None and status != "refused":
        fail(f"gives a `refusal:` but its status is {status or 'not given'}",
             "write `status: refused`, or remove `refusal:`", "refusal")
    if status == "refused" and not release.get("refusal"):
        fail("is refused but does not say under what", 'add `refusal: "s.12 (cost)"` (the section the force cited)',
             "status")
    if status == "no reply" and release.get("answered") is not None:
        fail("is `status: no reply` but has an `answered:` date", "remove `answered:`; if the force did reply, its "
             "status is answered, partial or refused", "answered")
    if status in NO_FILE and release.get("total") is not None:
        fail(f"is `status: {status}` but names a `total:`", "remove `total:`: a reply with no data has no total",
             "total")
    total = release.get("total")
    if total is not None:
        if release.get("kind") != "counts":
            fail("`total:` names the cell of a counts reply; this release is not kind: counts",
                 "remove `total:`: a rows reply's total is its crimes, counted as the figures count them", "total")
        def named(value):
            return isinstance(value, str) and bool(value.strip())

        column = total.get("column") if isinstance(total, dict) else None
        if not (isinstance(total, dict) and set(total) == {"row", "column"} and named(total["row"])
                and (named(column) or (isinstance(column, list) and len(column) > 1 and all(map(named, column))))):
            fail(f"`total:` {total!r} does not name a cell", "write `total: {row: Total, column: Cautions}`: the label of "
                 "the row and the header of the column, as the file writes them (or the columns to add up: "
                 "`column: [Youth, Adult]`)", "total")


def check_replies(path, releases, requests, lines):
    """Across releases: each reply names a known request, a force it went to, and no force twice.
    -> {the release's index: (its force, its status, `answered` unless it says)}."""
    seen, answered = {}, {}
    for number, release in enumerate(releases, 1):
        if not release.get("request"):
            continue
        line, keys = lines[number - 1] if number <= len(lines) else (None, {})
        where = f"release {number} ({release['id']})"

        def fail(problem, fix, key):
            raise ReleaseError(path, f"{where}: {problem}", fix, line=keys.get(key, line))

        request = requests.get(release["request"])
        if request is None:
            fail(f"answers request {release['request']!r}, which `requests:` does not declare",
                 (f"use one of: {', '.join(requests)}" if requests else "declare the request under a top-level "
                  "`requests:` (see README.md, 'A round robin')"), "request")
        recipients = request["_recipients"]
        force = find_force(release["authority"], recipients)
        if force is None:
            everywhere = find_force(release["authority"], read_forces(reference(path, {}, "forces")))
            near = closest_forces(release["authority"], recipients)
            fail(f"authority {release['authority']!r} is not one of the forces request {request['id']!r} went to"
                 + (f" ({everywhere.name} is not in its `to:`)" if everywhere else ""),
                 (f"did you mean {' or '.join(map(repr, near))}? " if near and not everywhere else "")
                 + "write the force's name as data/reference/forces.csv spells it"
                 + (", or add it to the request's `to:`" if everywhere else ""), "authority")
        if (request["id"], force) in seen:
            fail(f"is a second reply from {force.name} to request {request['id']!r} (the first is {seen[request['id'], force]})",
                 "keep one release per force and request: the final answer (an internal review's answer replaces the "
                 "first)", "request")
        seen[request["id"], force] = release["id"]
        answered[number - 1] = (force, release.get("status") or "answered")
    return answered
