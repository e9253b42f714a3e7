"""The manifest entry `build.py describe` proposes for a row-level release: its columns, outcomes,
dates, offences and the disclosure check's findings."""
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import column_values, disclosure, outcomes, read
from .describe_dates import describe_dates, example_of, plan_dates, propose_period
from .describe_layout import common_keys, outcome_column, reference_column
from .describe_values import yaml_text
from .fields import ROW_FIELDS, header_key, match_columns
from .offences import Lookup
from .row_values import UNMATCHED


def rows_entry(source, release, layout, columns, why, lines):
    """A row-level release: the columns mapped, each outcome value, the dates and the period."""
    headers = layout.headers
    found, dates = map_row_fields(headers, columns)
    order = list(ROW_FIELDS)
    mapped = {f: headers[i] for f, i in sorted(found.items(), key=lambda kv: order.index(kv[0]))}
    date_mapping = [headers[i] for i in dates.columns] if dates else []
    # every row, through the build's own Table
    stats = read_rows(source, layout, found, dates)
    report_columns(lines, layout, stats, why, found, dates, mapped, date_mapping)
    unknown = describe_outcomes(stats, lines)
    suggested = describe_dates(stats, dates, headers, lines)
    period, outside = propose_period(stats, dates, suggested, lines)
    repeats = describe_repeats(stats, lines)
    offences = describe_offences(stats, lines)

    entry = common_keys(release, "rows")
    if source.delimiter and source.delimiter != ",":
        entry.append("    # What separates the cells of a line")
        entry.append(f"    delimiter: {source.delimiter_name}")
    entry += columns_entry(mapped, dates, date_mapping, columns)
    if dates and dates.how == "excel":
        entry.append("    # The dates are Excel serial numbers, days counted from 30 December 1899 (42461 = 2016-04-01)")
        entry.append("    date_format: excel")
    elif suggested:
        entry.append(f"    # How the dates are written (a strftime pattern): {example_of(stats, suggested)}")
        entry.append(f'    date_format: "{suggested}"')
    entry += (period or []) + (outside or []) + (repeats or []) + offences
    entry += disclosure_lines(stats.watch, source.hidden, set(found.values()) | set(dates.columns if dates else []),
                              lines)
    if unknown:
        entry.append("    # Outcomes no rule reads: say what each one is (never guessed), as one of: "
                     + ", ".join(outcomes.KINDS))
        entry.append("    # outcomes:")
        entry += [f"    #   {json.dumps(v, ensure_ascii=False)}: <kind>" for v in unknown]
    return entry


def map_row_fields(headers, columns):
    """The header's column for each field -> ({field: column index}, DatePlan or None): the build's
    synonyms first, then what the columns hold (the date, the outcome, the crime reference)."""
    found, _ = match_columns(headers, {})
    dates = plan_dates(columns, found)
    found.pop("outcome_date", None)
    skip = set(found.values()) | set(dates.columns if dates else [])
    at = outcome_column(columns, found, skip)
    if at is not None:
        found["outcome"] = at
        skip.add(at)
    if "crime_reference" not in found:
        reference = reference_column([c for c in columns if c.index not in skip])
        if reference is not None:
            found["crime_reference"] = reference.index
    return found, dates


def report_columns(lines, layout, stats, why, found, dates, mapped, date_mapping):
    """What describe found, for the journalist: the kind, the header, each column mapped or kept, what is missing."""
    headers = layout.headers
    lines.append(f"kind: rows (one row per crime: {why}), {stats.rows:,} data rows; header on line {layout.header_line}"
                 + (" (two rows, joined)" if layout.header_rows == 2 else "") + ": " + ", ".join(map(repr, headers)))
    shown = [f"{f} <- {h!r}" for f, h in mapped.items()]
    if dates and dates.how != "financial year":
        shown.append("outcome_date <- " + " + ".join(map(repr, date_mapping)))
    elif dates:
        shown.append(f"financial_year <- {date_mapping[0]!r}")
    lines.append("columns mapped: " + ", ".join(shown))
    used = set(found.values()) | set(dates.columns if dates else [])
    unmapped = [h for i, h in enumerate(headers) if i not in used]
    if unmapped:
        lines.append("not mapped, so kept as columns of cautions: "
                     + ", ".join(f"{h!r} -> {header_key(h).replace(' ', '_') or 'column'}" for h in unmapped))
    for field_name in ("crime_reference", "outcome"):
        if field_name not in found:
            lines.append(f"NOT FOUND: no column for {field_name}; map it under `columns:` if the release has it")
    if not dates:
        lines.append("NOT FOUND: no column of outcome dates (nor Year and Month, nor a financial year); "
                     "map `outcome_date:` under `columns:` if the release has it")
    if stats.notes:
        lines.append("title and note rows (kept as the release's notes): " + " | ".join(n[:80] for n in stats.notes))
    for line, cells in stats.totals:
        lines.append(f"total row on line {line}: {' '.join(c for c in cells if c.strip())[:80]!r} (checked against the rows)")
    if stats.skipped:
        lines.append(f"skipped as the build will skip them: {stats.skipped}")


def columns_entry(mapped, dates, date_mapping, columns):
    """The entry's `columns:`: each field's header, the date where the build reads it."""
    order = list(ROW_FIELDS)
    entry = ["    # The header each field of a crime is under in this file", "    columns:"]
    before_date = [f for f in mapped if order.index(f) < order.index("outcome_date")]
    entry += [f"      {f}: {yaml_text(mapped[f])}" for f in before_date]
    if dates and dates.how == "split":
        entry.append("      # The outcome date is split over these columns (" + ", ".join(
            columns[i].holds for i in dates.columns) + "), read together as one date")
        entry.append("      outcome_date: [" + ", ".join(yaml_text(h) for h in date_mapping) + "]")
    elif dates and dates.how == "financial year":
        entry.append("      # No date: each row's financial year (April to March), from this column; dates and months stay empty")
        entry.append(f"      financial_year: {yaml_text(date_mapping[0])}")
    elif dates:
        entry.append(f"      outcome_date: {yaml_text(date_mapping[0])}")
    entry += [f"      {f}: {yaml_text(h)}" for f, h in mapped.items() if f not in before_date]
    return entry


@dataclass
class RowStats:
    rows: int = 0
    outcomes: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)      # the date as given (a tuple when split) -> rows
    references: Counter = field(default_factory=Counter)
    offences: Counter = field(default_factory=Counter)    # (code cell, description cell) -> rows
    watch: object = None                                  # column_values.Watch: every column's values, for the disclosure check
    first: dict = field(default_factory=dict)             # (what, value) -> its first line
    notes: list = field(default_factory=list)
    totals: list = field(default_factory=list)
    skipped: str | None = None


def read_rows(source, layout, found, dates):
    """Every data row through the build's Table, from the header describe found: the outcome values,
    the dates and the references, with the first line of each."""
    header_last = layout.head[layout.header_at][0]
    current = {}

    def tracked(rows):
        for line, cells in rows:
            current["line"] = line
            yield line, cells

    stats = RowStats()
    outcome, reference = found.get("outcome"), found.get("crime_reference")
    code, description = found.get("offence_code"), found.get("offence_description")
    date_columns = dates.columns if dates else []
    first = stats.first
    with read.Table(tracked(source.rows()), source.display, lambda cells: current.get("line") == header_last,
                    header_rows=layout.header_rows) as table:
        stats.watch = column_values.Watch(table.headers, range(len(table.headers)))
        for line, cells in stats.watch.rows(table.rows()):
            stats.rows += 1
            if outcome is not None:
                value = cells[outcome]
                stats.outcomes[value] += 1
                first.setdefault(("outcome", value), line)
            if date_columns:
                value = cells[date_columns[0]] if len(date_columns) == 1 else tuple(cells[i] for i in date_columns)
                stats.dates[value] += 1
                first.setdefault(("date", value), line)
            if code is not None or description is not None:
                value = (cells[code] if code is not None else "", cells[description] if description is not None else "")
                stats.offences[value] += 1
                first.setdefault(("offence", value), line)
            if reference is not None:
                value = cells[reference].strip()
                stats.references[value] += 1
                first.setdefault(("reference", value), line)
        stats.notes, stats.totals, stats.skipped = table.notes, table.totals, table.skipped_lines
    return stats


def describe_outcomes(stats, lines):
    unknown = []
    if not stats.outcomes:
        return unknown
    lines.append("outcomes (value, rows, read as):")
    for value, n in stats.outcomes.most_common():
        decided = outcomes.classify(value.strip())
        if decided:
            lines.append(f"  {value.strip() or '(blank)'!r} {n:,} -> {decided[0]} ({decided[1]})")
        else:
            unknown.append(value.strip())
            lines.append(f"  {value.strip()!r} {n:,} -> NOT CLASSIFIED: say what it is under `outcomes:` below")
    return unknown


def describe_repeats(stats, lines):
    """References that repeat: one row per offence (or per offender), not per crime."""
    repeated = {ref: n for ref, n in stats.references.items() if n > 1 and ref}
    if not repeated:
        return []
    rows = sum(repeated.values())
    first = sorted(repeated, key=lambda r: stats.first[("reference", r)])[:3]
    lines.append(f"{len(repeated):,} crime references repeat ({rows:,} rows), e.g. "
                 + ", ".join(f"{r!r} {repeated[r]} rows" for r in first)
                 + ": one row per offence, not per crime")
    return [f"    # {len(repeated):,} crime references repeat, on {rows:,} rows: each row is an offence of a crime "
            "(figures count distinct crimes)",
            "    rows_are: offences"]


LOOKUP = Path(__file__).resolve().parent.parent / "data" / "reference" / "offence_codes.csv"


def describe_offences(stats, lines):
    """Each distinct (code, description) read as the build reads it: codes found inside description
    cells are said, and every offence the lookup cannot place is listed, with `offences:` lines to
    fill in (commented: only the journalist knows the code) and `unmatched_offences: keep`."""
    if not stats.offences or not LOOKUP.exists():
        return []
    lookup = Lookup(LOOKUP)
    how, unmatched = Counter(), []
    for pair, n in sorted(stats.offences.items(), key=lambda kv: stats.first[("offence", kv[0])]):
        match = lookup.read(*pair, {})
        how[match.how] += n
        if match.how in UNMATCHED:
            unmatched.append((pair, n, match))
    lines.append("offences: " + ", ".join(f"{h} {n:,}" for h, n in how.most_common()))
    if not unmatched:
        return []
    rows = sum(n for _, n, _ in unmatched)
    lines.append(f"NOT MATCHED: {len(unmatched):,} offences ({rows:,} rows) match no Home Office code in the lookup: "
                 + "; ".join(f"{' / '.join(c.strip() for c in pair if c.strip())!r} ({n:,} row{'s' * (n > 1)}, first on line "
                             f"{stats.first[('offence', pair)]}: {m.how})" for pair, n, m in unmatched))
    described = [m.description for _, _, m in unmatched if not m.code_as_given and m.description]
    entry = ["    # Offences the lookup cannot place (data/reference/offence_codes.csv has the codes): give each its",
             "    # code under `offences:`, or load them with no code (counted in no offence figure):"]
    if described:
        entry.append("    # offences:")
        entry += [f"    #   {json.dumps(d, ensure_ascii=False)}: <code>" for d in described]
    entry.append("    # unmatched_offences: keep")
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
