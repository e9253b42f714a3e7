"""A row-level release's value decisions: each distinct outcome, (outcome, age group), date and
(code, description) decided once, the decisions published (`outcome_values`, `date_values`,
`offence_matches`) and kept in the small temporary tables insert() joins to."""
import json
from collections import Counter

from . import clean, outcomes
from .errors import ReleaseError
from .manifest import declared_offences
from .row_dates import Bounds, ReadDate, check_dates, read_date
from .staged import Kind, Values, column_sql, quote, update_rows
from .tally import Tally


def decide_outcomes(db, staged, tally):
    """Each distinct outcome value, classified once: by the manifest's `outcomes:`, else the defaults;
    then each distinct (outcome, age group) decided, in its temporary table: [Kind] by id."""
    loaded, release = staged.loaded, staged.loaded.release
    kinds = Tally.values(tally.kinds)  # (outcome, age group) by id
    rows, first = Counter(), {}
    for (ki, _, _), (n, line) in tally.joint.items():
        value = kinds[ki][0]
        rows[value] += n
        first[value] = min(first.get(value, line), line)
    decisions = classify_outcomes(staged, rows, first)
    db.conn.executemany("insert into outcome_values values (?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], value, rows[value], first[value], name,
         outcomes.label(*outcomes.KINDS[name]) if name != outcomes.NOT_A_CAUTION else None, why)
        for value, (name, why) in decisions.items()])
    loaded.outcome_values = [(value.strip(), rows[value], name, why) for value, (name, why) in decisions.items()]
    decided = [decide_kind(outcome, age, decisions[outcome][0]) for outcome, age in kinds]
    store_kinds(db, staged, decided)
    return decided


def classify_outcomes(staged, rows, first):
    """{outcome value as given: (kind name, why)}, in the order the release first gives each; an
    outcome neither declared nor a default, or a release with no caution at all, stops the build."""
    release, display = staged.loaded.release, staged.loaded.display
    declared = {outcomes.normalise(str(k)): str(v) for k, v in (release.get("outcomes") or {}).items()}
    decisions, unknown = {}, []
    for value in sorted(rows, key=first.get):
        given = value.strip()
        if given and outcomes.normalise(given) in declared:
            decisions[value] = (declared[outcomes.normalise(given)], "outcomes: in data/manifest.yml")
        elif (default := outcomes.classify(given)) is not None:
            decisions[value] = default
        else:
            unknown.append((given, rows[value], first[value]))
    column = staged.headers[staged.found["outcome"]]
    if unknown:
        shown = ", ".join(f"{v!r} ({n:,} row{'s' if n > 1 else ''}, first on line {line})" for v, n, line in unknown[:20])
        more = f", and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        paste = "\n".join(f"      {json.dumps(v, ensure_ascii=False)}: not a caution" for v, _, _ in unknown[:20])
        raise ReleaseError(display, f"{len(unknown)} outcome value{'s are' if len(unknown) > 1 else ' is'} neither "
                           f"in the defaults nor under `outcomes:`: {shown}{more}",
                           f"say what each one is under `outcomes:` for release {release['id']} in data/manifest.yml, "
                           f"as one of: {', '.join(outcomes.KINDS)}. For example:\n    outcomes:\n{paste}",
                           line=unknown[0][2], column=column)
    if all(name == outcomes.NOT_A_CAUTION for name, _ in decisions.values()):
        shown = ", ".join(f"{v.strip() or '(blank)'!r} ({rows[v]:,})" for v in list(decisions)[:12])
        raise ReleaseError(display, f"no row of this release is a caution (its outcomes: {shown})",
                           "check `columns: outcome:` names the outcome column, and that `outcomes:` in "
                           "data/manifest.yml says which values are cautions", column=column)
    return decisions


def decide_kind(outcome, age, name):
    """What the rows carrying one distinct (outcome, age group) become, the outcome classified as `name`."""
    cleaned = " ".join(age.split())  # spaces and no-break spaces as a reader sees them
    suppressed = bool(cleaned) and len(cleaned) <= clean.LONGEST_SUPPRESSED and clean.is_suppressed(cleaned)
    age_group = None if suppressed or not cleaned else cleaned
    if name == outcomes.NOT_A_CAUTION:
        reason = f"outcome {outcome.strip()!r} is not a caution" if outcome.strip() else "no outcome given"
        return Kind(outcome, age, None, None, None, age_group, reason, suppressed)
    offender, kind = outcomes.KINDS[name]
    offender = offender or (outcomes.offender_of_age_group(age_group) if age_group else None)
    conditional = None if kind is None else int(kind != "simple")
    return Kind(outcome, age, outcomes.label(offender, kind), offender, conditional, age_group, None, suppressed)


def store_kinds(db, staged, kinds):
    """The decided kinds in the temporary table insert() joins to; a rejected kind's reason on its raw rows."""
    t = staged.temp
    db.execute(f"create temp table {t['kind']} (outcome text, age text, caution_type text, offender text, "
               "conditional integer, age_group text, reason text, outcome_as_given text, primary key (outcome, age))")
    db.conn.executemany(f"insert into {t['kind']} values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [(*k[:7], k.outcome.strip()) for k in kinds])
    if any(k.reason for k in kinds):
        update_rows(db, staged, f"{quote(staged.reason)} = k.reason", f"{t['kind']} k",
                    f"k.outcome = {column_sql(staged, 'outcome')} and k.age = {column_sql(staged, 'age_group')} "
                    "and k.reason is not null")


def decide_values(db, staged, tally, lookup, descriptions):
    """Each distinct date and (code, description) of the release's cautions, cleaned once; the
    per-month summary counted from the combinations, without reading the rows again."""
    release = staged.loaded.release
    bounds = Bounds.of(release)
    declared = declared_offences(release)
    v = Values(Tally.values(tally.dates), Tally.values(tally.offences))
    for (ki, di, oi), (n, line) in tally.joint.items():
        if staged.kinds[ki].reason is not None:  # not a caution
            continue
        v.date_rows[di] += n
        v.date_first[di] = min(v.date_first.get(di, line), line)
        if di not in v.parsed:
            v.parsed[di] = read_date(staged.dates, v.dates[di], release.get("date_format"), bounds)
        if not isinstance(v.parsed[di], ReadDate) or v.parsed[di].outside:  # a problem, or excluded: below
            continue
        v.offence_rows[oi] += n
        v.offence_first[oi] = min(v.offence_first.get(oi, line), line)
        if oi not in v.matches:
            v.matches[oi] = lookup.read(*v.pairs[oi], declared)
    check_dates(db, staged, v, bounds)
    check_offences(staged, v)
    count_summaries(staged, tally, v.parsed, v.matches, lookup)
    publish_decisions(db, staged, v, lookup, descriptions)


def count_summaries(staged, tally, parsed, matches, lookup):
    """The per-month and per-code summaries and the suppressed cells, from the combinations."""
    loaded, kinds = staged.loaded, staged.kinds
    for (ki, di, oi), (n, _) in tally.joint.items():
        kind = kinds[ki]
        if kind.reason is not None or parsed[di].outside:
            continue
        loaded.suppressed_cells += n * (kind.suppressed + matches[oi].suppressed)
        date, code = parsed[di], matches[oi].code
        loaded.by_month[date.month, date.financial_year, kind.caution_type, kind.offender, lookup.group(code)] += n
        loaded.by_code[code, date.financial_year, kind.caution_type] += n


UNMATCHED = ("code not in the lookup", "not a code this build can read", "description not in the lookup",
             "description matches more than one code in the lookup")


def check_offences(staged, values):
    """Every offence the lookup cannot place stops the build, all listed, with the lines to paste;
    `unmatched_offences: keep` loads them with no code (counted in no offence figure)."""
    pairs, matches, offence_rows, offence_first = values.pairs, values.matches, values.offence_rows, values.offence_first
    loaded, release = staged.loaded, staged.loaded.release
    unmatched = sorted((offence_first[oi], oi) for oi, m in matches.items() if m.how in UNMATCHED)
    for _, oi in unmatched:
        m, n = matches[oi], offence_rows[oi]
        if m.code_as_given:
            loaded.unknown_offence_codes[m.code_as_given] = loaded.unknown_offence_codes.get(m.code_as_given, 0) + n
        else:
            loaded.unmatched_descriptions[m.description] = loaded.unmatched_descriptions.get(m.description, 0) + n
    if not unmatched or release.get("unmatched_offences") == "keep":
        return
    rows = sum(offence_rows[oi] for _, oi in unmatched)
    shown = "; ".join(f"{' / '.join(c.strip() for c in pairs[oi] if c.strip())!r} ({offence_rows[oi]:,} "
                      f"row{'s' * (offence_rows[oi] > 1)}, first on line {line}: {matches[oi].how})"
                      for line, oi in unmatched)
    paste = "\n".join(f"      {json.dumps(matches[oi].description, ensure_ascii=False)}: <code>"
                       for _, oi in unmatched if not matches[oi].code_as_given and matches[oi].description)
    fix = (f"for each description, give its Home Office code (data/reference/offence_codes.csv) under `offences:` "
           f"for release {release['id']} in data/manifest.yml" + (f":\n    offences:\n{paste}\n  " if paste else "; ")
           + "a code not in the lookup goes in data/reference/offence_codes.csv. Or, to load these rows with no "
           "code (counted in no offence figure, listed on the release's page), add `unmatched_offences: keep`")
    first = matches[unmatched[0][1]]
    column = staged.headers[staged.found["offence_code"]] if first.code_as_given else staged.offence_header
    raise ReleaseError(loaded.display, f"{len(unmatched):,} offence{'s' * (len(unmatched) > 1)} ({rows:,} "
                       f"row{'s' * (rows > 1)}) match{'es' * (len(unmatched) == 1)} no Home Office code in the "
                       f"lookup: {shown}", fix, line=unmatched[0][0], column=column)


def publish_decisions(db, staged, values, lookup, descriptions):
    """The decision tables the site publishes, each value as given with its rows, and the small
    temporary tables insert() joins to."""
    dates, pairs, parsed, matches = values.dates, values.pairs, values.parsed, values.matches
    date_rows, date_first, offence_rows, offence_first = (values.date_rows, values.date_first, values.offence_rows,
                                                          values.offence_first)
    loaded, release = staged.loaded, staged.loaded.release
    for di, p in parsed.items():
        loaded.date_forms[p.form + (" (outside the period: excluded)" if p.outside else "")] += date_rows[di]
    db.conn.executemany("insert into date_values values (?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], " / ".join(dates[di]), date_rows[di], date_first[di], parsed[di].iso, parsed[di].clock,
         parsed[di].form + (" (outside the period: excluded)" if parsed[di].outside else ""))
        for di in sorted(parsed, key=date_first.get)])
    ordered = sorted(matches, key=offence_first.get)
    for oi in ordered:  # description ids in the order the release first gives each one
        if matches[oi].description:
            descriptions.setdefault(matches[oi].description, len(descriptions) + 1)
    db.conn.executemany("insert into offence_matches values (?, ?, ?, ?, ?, ?, ?, ?)", [
        (release["id"], *pairs[oi], offence_rows[oi], offence_first[oi],
         matches[oi].code, matches[oi].description, matches[oi].how) for oi in ordered])
    t, parts = staged.temp, [f"v{i}" for i in range(len(staged.date_columns))]
    db.execute(f"create temp table {t['date']} ({', '.join(f'{v} text' for v in parts)}, outcome_date text, "
               f"outcome_time text, financial_year text, month text, reason text, primary key ({', '.join(parts)}))")
    db.execute(f"create temp table {t['offence']} (code text, description text, offence_code text, "
               "offence_code_as_given text, offence_description text, offence_description_id integer, "
               "offence_group text, primary key (code, description))")
    period = release.get("period") or {}
    db.conn.executemany(f"insert into {t['date']} values ({', '.join('?' * (len(parts) + 5))})", [
        (*dates[di], p.iso, p.clock, p.financial_year, p.month,
         f"outcome date outside the period the release covers ({period.get('from')} to {period.get('to')})"
         if p.outside else None) for di, p in parsed.items()])
    db.conn.executemany(f"insert into {t['offence']} values (?, ?, ?, ?, ?, ?, ?)", [
        (*pairs[oi], m.code, m.code_as_given, m.description,
         descriptions.get(m.description) if m.description else None, lookup.group(m.code)) for oi, m in matches.items()])
    if loaded.rows_outside_period:
        on = " and ".join(f"d.{v} = r.{quote(c)}" for v, c in zip(parts, staged.date_columns))
        update_rows(db, staged, f"{quote(staged.reason)} = d.reason", f"{t['date']} d",
                    f"{on} and d.reason is not null and {quote(staged.reason)} is null")
