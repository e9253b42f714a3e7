"""`python build.py describe FILE [--sheet NAME]`: a release nobody has declared, read and described
as a manifest entry ready to paste into data/manifest.yml.

It guesses the kind (one row per crime, or a published table of counts), finds the header, maps
the columns it can, reads every distinct outcome value and date as the build would, and leaves
what only the journalist knows (title, authority, FOI reference, dates, source, licence) as
commented placeholders: the build refuses the entry until they are filled in.
"""
import csv
import json
import re
import tempfile
from collections import Counter
from pathlib import Path

from . import clean, column_values, disclosure, outcomes, read
from .errors import ReleaseError
from .schema import ROW_FIELDS, header_key, match_columns

PLACEHOLDERS = [
    ("title", "what the release is, e.g. Crimes resolved by caution, April 2015 to March 2017"),
    ("authority", "who released it, e.g. West Midlands Police"),
    ("foi_reference", "the force's reference, e.g. FOI 2017/123"),
    ("requested", "yyyy-mm-dd, when the request was made"),
    ("answered", "yyyy-mm-dd, when the force answered (later outcome dates are an error)"),
    ("source_url", "https://... where the release can be seen (disclosure log, the story)"),
    ("licence", "e.g. Open Government Licence v3.0"),
]


def yaml_text(value):
    return json.dumps(value, ensure_ascii=False) if re.search(r"[:#\[\]{}&*!|>'\"%@`,]|^\s|\s$|^$", value) \
        or value.lower() in ("yes", "no", "true", "false", "null", "on", "off") or re.fullmatch(r"[\d.\-/]+", value) \
        else value


def describe(path, sheet=None, out=print):
    path = Path(path)
    if not path.is_file():
        raise ReleaseError(path, "there is no such file", "give the path of the release file, e.g. data/release.csv")
    release_id = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "new-release"
    release = {"id": release_id, "file": path.name, "sheet": sheet}
    with tempfile.TemporaryDirectory() as scratch:
        source = read.open_release(release, path, scratch)
        source.display = str(path)
        lines = []
        entry = rows_entry(source, release, lines) or counts_entry(source, release, lines)
    out(f"# python build.py describe {path}{' --sheet ' + repr(sheet) if sheet else ''}")
    out(f"# {source.encoding}, {source.line_endings} line endings, {source.delimiter_name}-separated"
        + (", from an XLSX sheet" if source.is_xlsx else ""))
    for line in lines:
        out(f"# {line}")
    out("# Paste this under `releases:` in data/manifest.yml, fill in the commented lines, then `make build`.")
    for line in entry:
        out(line)
    return 0


def common_keys(release, kind):
    keys = [f"  - id: {release['id']}", f"    kind: {kind}", f"    file: {yaml_text(release['file'])}"]
    if release.get("sheet"):
        keys.append(f"    sheet: {yaml_text(str(release['sheet']))}")
    keys += [f"    # {key}: {hint}" for key, hint in PLACEHOLDERS]
    keys.append("    is_sample: false")
    return keys


def rows_entry(source, release, lines):
    """A row-level release: the columns mapped, each outcome value, the date forms; None if it is not one."""
    def looks_like_header(cells):
        found, _ = match_columns(cells, {})
        return len(found) >= 3
    hidden = source.hidden
    try:
        table = read.Table(source.path, source.display, source.read_encoding, looks_like_header, source.is_xlsx,
                           delimiter=source.delimiter, skip_rows=hidden.hidden_rows if hidden else (),
                           skip_columns=hidden.hidden_columns if hidden else ())
    except ReleaseError:
        return None
    with table:
        found, problems = match_columns(table.headers, {})
        if any(field in ("outcome", "outcome_date") for field, _ in problems):
            return None
        at = {field: found.get(field) for field in ROW_FIELDS}
        values = {field: Counter() for field in ("outcome", "outcome_date")}
        first = {}
        rows = 0
        watch = column_values.Watch(table.headers, range(len(table.headers)))
        for line, cells in watch.rows(table.rows()):
            rows += 1
            for field in values:
                value = cells[at[field]]
                values[field][value] += 1
                first.setdefault((field, value), line)
        header_line, headers, notes, totals = table.header_line, table.headers, table.notes, table.totals
    lines.append(f"kind: rows (one row per crime), {rows:,} data rows; header on line {header_line}: "
                 + ", ".join(map(repr, headers)))
    mapped = {field: headers[i] for field, i in found.items()}
    lines.append("columns mapped: " + ", ".join(f"{field} <- {header!r}" for field, header in mapped.items()))
    unmapped = [h for i, h in enumerate(headers) if i not in found.values()]
    if unmapped:
        lines.append("not mapped, so kept as columns of cautions: "
                     + ", ".join(f"{h!r} -> {header_key(h).replace(' ', '_') or 'column'}" for h in unmapped))
    for field, problem in problems:
        lines.append(f"NOT FOUND: {problem}; map it under `columns:` if the release has it")
    if notes:
        lines.append("title and note rows (kept as the release's notes): " + " | ".join(n[:80] for n in notes))
    for line, cells in totals:
        lines.append(f"total row on line {line}: {' '.join(c for c in cells if c.strip())[:80]!r} (checked against the rows)")
    # outcomes, as the build would read them
    unknown = []
    lines.append("outcomes (value, rows, read as):")
    for value, n in values["outcome"].most_common():
        decided = outcomes.classify(value.strip())
        if decided:
            lines.append(f"  {value.strip() or '(blank)'!r} {n:,} -> {decided[0]} ({decided[1]})")
        else:
            unknown.append(value.strip())
            lines.append(f"  {value.strip()!r} {n:,} -> NOT CLASSIFIED: say what it is under `outcomes:` below")
    # dates
    forms, failing = Counter(), Counter()
    for value, n in values["outcome_date"].items():
        try:
            forms[clean.date(value)[2]] += n
        except ValueError as e:
            failing[(value.strip(), e.args[1] if len(e.args) > 1 else "")] += n
    lines.append("dates: " + (", ".join(f"{form} {n:,}" for form, n in forms.most_common()) or "none read"))
    suggested = None
    for (value, fix), n in failing.most_common(5):
        lines.append(f"  NOT READ: {value!r} ({n:,} rows, first on line {first[('outcome_date', value)]}): {fix}")
        suggestion = re.search(r'date_format: "([^"]+)"', fix)
        suggested = suggested or (suggestion.group(1) if suggestion else None)
    entry = common_keys(release, "rows")
    if source.delimiter != "," and not source.is_xlsx:
        entry.append(f"    delimiter: {source.delimiter_name}")
    entry.append("    columns:")
    entry += [f"      {field}: {yaml_text(header)}" for field, header in mapped.items()]
    if suggested:
        entry.append(f'    date_format: "{suggested}"')
    if unknown:
        entry.append("    outcomes:  # what each of these is: " + ", ".join(outcomes.KINDS))
        entry += [f"      {json.dumps(v, ensure_ascii=False)}: not a caution" for v in unknown]
    entry += disclosure_lines(watch, hidden, set(found.values()), lines)
    return entry


def disclosure_lines(watch, hidden, mapped, lines):
    """The disclosure check's findings as comment lines, and the decisions it would need, commented:
    the journalist decides (README.md, 'Before you publish: personal data')."""
    findings = []
    for i, seen in watch.values.items():
        def counted(values, seen=seen):
            return sum(seen[v][0] for v in values), sorted(seen[v][1] for v in values)[:5]
        findings += disclosure.findings_of(watch.headers[i], hidden.sheet if hidden else None,
                                           disclosure.scan(watch.headers[i], list(seen), free_text=i not in mapped,
                                                           rows=watch.counts(i)),
                                           counted)
    findings += disclosure.hidden_findings(hidden)
    if not findings:
        lines.append("disclosure check: no personal data or hidden content found (you are still responsible: "
                     "see README.md, 'Before you publish: personal data')")
        return []
    lines += [f"DISCLOSURE: {f.describe()}" for f in findings]
    lines.append("DISCLOSURE: decide before you build (the build stops until you do); the commented lines at the end "
                 "of the entry, uncommented, decide all of them: see README.md, 'Before you publish: personal data'")
    return [f"    # {line}" for line in disclosure.proposed(findings)]


def counts_entry(source, release, lines):
    """A published table of counts: the header (and whether it has two rows), the count columns, total rows."""
    with open(source.path, encoding=source.read_encoding, newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter)
        head = [row for _, row in zip(range(read.HEADER_SEARCH_ROWS + 200), reader)]
    if source.is_xlsx:
        head = head[1:]

    def is_number(cell):
        text = cell.strip()
        return bool(text) and (clean.is_suppressed(text) or bool(re.fullmatch(r"-?[\d,]+(\.0+)?", text)))

    header_at = None
    for i, row in enumerate(head[:read.HEADER_SEARCH_ROWS]):
        below = [r for r in head[i + 1:i + 6] if any(c.strip() for c in r)]
        if (sum(1 for c in row if c.strip()) >= 2 and not any(is_number(c) for c in row[1:])
                and below and all(any(is_number(c) for c in r[1:]) for r in below)):
            header_at = i
            break
    if header_at is None:
        raise ReleaseError(source.display, "this looks neither like one row per crime (no columns for the crime "
                           "reference, outcome and outcome date) nor like a table of counts",
                           "check it is the release; if it is one row per crime, map its columns under `columns:` "
                           "in data/manifest.yml by hand (see README.md, 'A new story')")
    header_rows = 1
    above = head[header_at - 1] if header_at else []
    if above and sum(1 for c in above if c.strip()) >= 1 and any(not c.strip() for c in above[1:]) \
            and len({c.strip() for c in head[header_at][1:] if c.strip()}) < sum(1 for c in head[header_at][1:] if c.strip()):
        header_rows = 2  # e.g. "Outcome 2" over "Female | Male | Unknown", repeated
    headers = (read.join_header_rows(head[header_at - 1:header_at + 1]) if header_rows == 2
               else [c.strip() for c in head[header_at]])
    data = [r for r in head[header_at + 1:] if any(c.strip() for c in r)]
    labels = [next((c.strip() for c in r if c.strip()), "") for r in data]
    totals = [l for l in labels if read.label_key(l) in {"total", "totals", "grand total", "all"}]
    other_totals = [l for l in labels if read.label_key(l).startswith("total") and l not in totals]
    body = [r for r, l in zip(data, labels) if l not in totals and l not in other_totals]
    counts = [h for i, h in enumerate(headers) if i and h and any(is_number(r[i]) for r in body if i < len(r))
              and all(is_number(r[i]) or not r[i].strip() for r in body if i < len(r))]
    lines.append(f"kind: counts (a published table); header on line {header_at + 1 - header_rows + 1}"
                 + (" (two rows, joined)" if header_rows == 2 else "") + ": " + ", ".join(map(repr, headers)))
    lines.append("count columns: " + ", ".join(map(repr, counts)))
    if totals:
        lines.append("total rows (checked against the rows): " + ", ".join(map(repr, totals)))
    if other_totals:
        lines.append("rows labelled like totals (declare each as a subtotal or a total below): "
                     + ", ".join(map(repr, other_totals)))
    if any(read.label_key(h) in ("total", "grand total") for h in headers):
        lines.append("a Total column: checked row by row against the row's other counts")
    watch = column_values.Watch(headers, [i for i, h in enumerate(headers) if h not in counts])
    for _ in watch.rows((n, r + [""] * (len(headers) - len(r))) for n, r in enumerate(body, header_at + 2)):
        pass
    proposed = disclosure_lines(watch, source.hidden, set(), lines)
    entry = common_keys(release, "counts")
    entry.append(f"    table: {re.sub(r'[^a-z0-9]+', '_', release['id']).strip('_')}")
    if header_rows > 1:
        entry.append(f"    header_rows: {header_rows}")
    entry.append("    counts: [" + ", ".join(yaml_text(c) for c in counts) + "]")
    if other_totals:
        entry.append("    subtotal_rows: [" + ", ".join(yaml_text(l) for l in other_totals) + "]"
                     "  # or total_rows: for a total of every row")
    return entry + proposed
