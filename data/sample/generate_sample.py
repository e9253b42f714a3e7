"""Write the SAMPLE release: one row per crime resolved by a caution in Thames Valley,
1 April 2015 to 31 March 2017, shaped like the spreadsheet a police force sends in answer to
a Freedom of Information request.

The real row-level release is not public. These rows are generated, seeded and
deterministic (the same seed gives byte-identical files), so that:

1. Every figure the story published comes out exactly (at the default 7,982 rows):
   7,982 crimes; 12 rape; 42 sexual assaults, 4 of them on girls under 13; possession with
   intent to supply Class A: 5 cocaine, 2 crack, 10 other Class A; 1 firearm with intent.
   Source: Get Bucks, https://www.getbucks.co.uk/news/local-news/exclusive-thames-valley-police-people-12602903
   No other row carries any of those flags (checked against data/reference/offence_codes.csv).

2. Everything else follows real, published proportions:
   - Offence mix by crime type: police.uk Thames Valley "Offender given a caution", 2015 and
     2016 combined (POLICE_UK_CAUTIONS below). Citation: BBC Shared Data Unit analysis of
     data.police.uk (OGL v3), BBC-Data-Unit/unsolved-crime commit fa636e54. The 7,982 rows
     are shared out between crime types in those proportions; each headline row is then
     taken out of its own crime type's share, and the rest of the share goes to the
     representative codes in OFFENCE_MIX.
   - Sexual offences within police.uk's "Violence and sexual offences": their share of
     Home Office out-of-court disposals, Thames Valley, 2015/16 + 2016/17
     (data/home_office/force_offence_year_thames_valley.csv: "Sexual offences" against
     "Violence against the person"). The rows left after the 54 headline rape and sexual
     assault rows are other, unflagged sexual offences.
   - Volume by quarter and the youth/adult split: Home Office outcomes open data,
     Thames Valley, closed basis, closed_all_t2 (youth caution) and closed_all_t3 (adult
     caution) per quarter, 2015/16 and 2016/17 (data/home_office/force_quarter_thames_valley.csv;
     OGL v3, Source: Home Office, police recorded crime and outcomes open data tables).
     Rows go to quarters by their share of t2+t3; within a quarter, youth = t2/(t2+t3).

3. ASSUMPTIONS, not sourced:
   - Conditional cautions. No source here splits simple from conditional cautions; this
     sample makes 5% of adult cautions and 2% of youth cautions conditional
     (CONDITIONAL_PER_100).
   - Which Home Office codes stand for each police.uk crime type, and the weights between
     them (OFFENCE_MIX): chosen to be plausible, not taken from any count.
   - Days within a quarter are uniform at random; offence, date and age group are
     independent of each other.
   - Crime references ("SAMPLE-43-15-000123": 43 is Thames Valley's Home Office force
     number, then the year of the outcome and a running number) are invented.

The script reads only committed files (data/reference/offence_codes.csv and
data/home_office/*.csv), so it runs on a fresh clone without ../shared.

Determinism: the CSV depends only on the seed. openpyxl stamps the time of saving into an
.xlsx (docProps/core.xml and every zip entry's date), so write_xlsx() rewrites the archive
with fixed dates (ANSWERED, 20 April 2017): repeated runs are byte-identical.

Usage: python data/sample/generate_sample.py [--rows N] [--seed S] [--out-dir DIR]
"""
import argparse
import csv
import datetime
import hashlib
import io
import random
import re
import sqlite3
import sys
import zipfile
from array import array
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
ROOT = DATA.parent
sys.path.insert(0, str(ROOT))
from foi import figure_blocks  # noqa: E402 (the figures' blocks in metadata.yml)
OFFENCE_CODES_CSV = DATA / "reference" / "offence_codes.csv"
HOME_OFFICE_QUARTERS_CSV = DATA / "home_office" / "force_quarter_thames_valley.csv"
HOME_OFFICE_OFFENCE_GROUPS_CSV = DATA / "home_office" / "force_offence_year_thames_valley.csv"

DEFAULT_SEED = 2017
FINANCIAL_YEARS = ("2015/16", "2016/17")
FIRST_DAY, LAST_DAY = datetime.date(2015, 4, 1), datetime.date(2017, 3, 31)
ANSWERED = datetime.datetime(2017, 4, 20)  # the manifest's `answered` date; fixed xlsx timestamps

FILE_STEM = "tvp_cautions_2015-04_2017-03_SAMPLE"
SHEET_NAME = "Cautions"
HEADER = ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome",
          "Outcome Date", "Offender Age Group"]
DATE_COLUMN = HEADER.index("Outcome Date")

# police.uk, Thames Valley Police, last outcome "Offender given a caution", by crime type:
# (2015, 2016). Citation: BBC Shared Data Unit analysis of data.police.uk (OGL v3),
# BBC-Data-Unit/unsolved-crime commit fa636e54, file
# crime_outcomes_by_category_force_year_2012-16 (Thames Valley rows). Totals 4,613 and 3,148.
POLICE_UK_CAUTIONS = {
    "Violence and sexual offences": (1657, 1095),
    "Drugs": (1051, 750),
    "Shoplifting": (601, 456),
    "Criminal damage and arson": (518, 342),
    "Public order": (285, 189),
    "Other theft": (216, 125),
    "Possession of weapons": (94, 70),
    "Other crime": (74, 44),
    "Burglary": (33, 29),
    "Vehicle crime": (36, 17),
    "Theft from the person": (21, 16),
    "Bicycle theft": (22, 13),
    "Robbery": (5, 2),
}

# The published figures, as rows: (code as in offence_codes.csv, rows, police.uk crime type).
# Real counts per figure; the spread over codes within a figure is the sample's choice.
HEADLINE_ROWS = [
    # 12 cautions for rape (is_rape = 1)
    ("19/8", 5, "Violence and sexual offences"),
    ("19/7", 4, "Violence and sexual offences"),
    ("19/12", 2, "Violence and sexual offences"),
    ("19/10", 1, "Violence and sexual offences"),
    # 42 sexual assaults (is_sexual_assault = 1): 4 on girls under 13 ...
    ("20/6", 3, "Violence and sexual offences"),
    ("20/4", 1, "Violence and sexual offences"),
    # ... and 38 others (not a female victim under 13)
    ("20/5", 24, "Violence and sexual offences"),
    ("17/15", 6, "Violence and sexual offences"),
    ("20/3", 4, "Violence and sexual offences"),
    ("20/2", 3, "Violence and sexual offences"),
    ("17/13", 1, "Violence and sexual offences"),
    # possession with intent to supply Class A: 5 cocaine, 2 crack, 10 other Class A
    ("92/70", 5, "Drugs"),
    ("92/74", 2, "Drugs"),
    ("92/71", 4, "Drugs"),
    ("92/73", 4, "Drugs"),
    ("92/79", 2, "Drugs"),
    # 1 firearm with intent (is_firearm_with_intent = 1)
    ("5/15", 1, "Possession of weapons"),
]

# ASSUMPTION: representative Home Office codes for the rest of each police.uk crime type,
# with relative weights (code, weight). None of these codes carries a headline flag
# (checked by unflagged_code_or_fail). Burglary uses the classes in force in 2015-17
# (28A/30A; 28E/30C replaced them from April 2017).
OFFENCE_MIX = {
    "Violence and sexual offences": [("105A", 45), ("8N", 30), ("8L", 10), ("8R", 5),
                                     ("104", 4), ("105B", 4), ("8M", 2)],
    "Drugs": [("92/61", 80), ("92/50", 8), ("92/53", 4), ("92/81", 3), ("92/60", 2),
              ("93/72", 2), ("92/41", 1)],
    "Shoplifting": [("46", 1)],
    "Criminal damage and arson": [("58C", 27), ("58A", 25), ("58D", 25), ("58B", 15),
                                  ("56B", 5), ("58J", 3)],
    "Public order": [("9A", 88), ("9B", 10), ("66", 2)],
    "Other theft": [("49", 70), ("49A", 15), ("41", 10), ("40", 5)],
    "Possession of weapons": [("8/26", 70), ("8/11", 25), ("8/27", 3), ("81/77", 2)],
    "Other crime": [("54", 35), ("33", 20), ("99", 20), ("61A", 15), ("86", 10)],
    "Burglary": [("30A", 55), ("28A", 45)],
    "Vehicle crime": [("45", 45), ("48", 35), ("126", 20)],
    "Theft from the person": [("39", 1)],
    "Bicycle theft": [("44", 1)],
    "Robbery": [("34B", 80), ("34A", 20)],
}
# ASSUMPTION: codes for sexual offences other than rape and sexual assault (unflagged).
OTHER_SEXUAL_OFFENCES = [("88E", 60), ("22B", 40)]
SEXUAL_WITHIN = "Violence and sexual offences"

# ASSUMPTION (no source splits them): conditional cautions per 100 cautions.
CONDITIONAL_PER_100 = {"adult": 5, "youth": 2}
OUTCOMES = [  # (label, age group, Home Office column it comes from, conditional?)
    ("Adult simple caution", "18 and over", "closed_all_t3", False),
    ("Adult conditional caution", "18 and over", "closed_all_t3", True),
    ("Youth caution", "10-17", "closed_all_t2", False),
    ("Youth conditional caution", "10-17", "closed_all_t2", True),
]

# The published figures, as the story printed them: {(query, label): value}, read from each figure's
# one block in metadata.yml (foi/figure_blocks.py), the same blocks the build checks the sample with.
PUBLISHED_FIGURES = figure_blocks.published_values(
    yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")))
# The figure with no condition counts every crime: the sample's number of rows.
TOTAL = next(key for key, block in figure_blocks.raw_blocks((ROOT / "metadata.yml").read_text(encoding="utf-8")).items()
             if not block.get("offence_codes_where") and not block.get("crimes_where"))
PUBLISHED_TOTAL = PUBLISHED_FIGURES[(TOTAL, None)]


# --- reading the committed reference files -------------------------------------------------

def read_offence_codes():
    with open(OFFENCE_CODES_CSV, newline="", encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def read_quarters():
    """[(financial year, quarter, youth cautions, adult cautions)] for the sample's period."""
    with open(HOME_OFFICE_QUARTERS_CSV, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f)
                if r["force"] == "Thames Valley" and r["fy"] in FINANCIAL_YEARS]
    quarters = sorted((r["fy"], int(r["q"]), int(r["closed_all_t2"]), int(r["closed_all_t3"])) for r in rows)
    if len(quarters) != 4 * len(FINANCIAL_YEARS):
        raise SystemExit(f"{HOME_OFFICE_QUARTERS_CSV}: expected 8 Thames Valley quarters, found {len(quarters)}")
    return quarters


def read_sexual_share():
    """(sexual offences, violence against the person) out-of-court disposals, closed basis,
    Thames Valley, 2015/16 + 2016/17."""
    totals = Counter()
    with open(HOME_OFFICE_OFFENCE_GROUPS_CSV, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["force"] == "Thames Valley" and r["fy"] in FINANCIAL_YEARS:
                totals[r["offence_group"]] += int(r["closed_oocd"])
    return totals["Sexual offences"], totals["Violence against the person"]


# --- classifying a code: the published figures ------------------------------------------------

def figures_of(code_row):
    """The published figures a code counts towards (empty for every other code), as (query, label)."""
    return figures_by_code(OFFENCE_CODES_CSV).get(code_row["code"], [])


def figures_by_code(path, cache={}):
    """{code: [(query, label)]}: each figure block's own condition (`offence_codes_where:`, and the
    label of its `split_by:`) run over offence_codes.csv, as the build runs it over offence_codes."""
    if path in cache:
        return cache[path]
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = list(rows[0])
    numeric = {c for c in columns if all(r[c].isdigit() or r[c] == "" for r in rows)}
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create table offence_codes ({', '.join(c + (' integer' if c in numeric else ' text') for c in columns)})")
    conn.executemany(f"insert into offence_codes values ({', '.join('?' * len(columns))})",
                     [[r[c] if r[c] != "" else None for c in columns] for r in rows])
    found = {}
    for name, block in figure_blocks.raw_blocks((ROOT / "metadata.yml").read_text(encoding="utf-8")).items():
        if block.get("crimes_where"):
            raise SystemExit(f"figure {name} counts crimes by `crimes_where:`; this sample makes rows by offence code, "
                             "so only `offence_codes_where:` figures can be reproduced")
        if not block.get("offence_codes_where"):
            continue
        split = next(iter((block.get("split_by") or {}).values()), "null")
        for code, label in conn.execute(f"select code, {split} from offence_codes where {block['offence_codes_where']}"):
            found.setdefault(code, []).append((name, label))
    cache[path] = found
    return found


def unflagged_code_or_fail(code, offence_codes):
    if figures_of(offence_codes[code]):
        raise SystemExit(f"code {code!r} counts towards {figures_of(offence_codes[code])}; "
                         "only HEADLINE_ROWS may use such codes")


def printed_code(code):
    """'92/70' -> '092/70', '5/15' -> '005/15', '19/8' -> '019/08'; class codes ('46') as they are."""
    if "/" not in code:
        return code
    offence_class, subclass = code.split("/")
    return f"{int(offence_class):03d}/{int(subclass):02d}"


def normalised_code(cell):
    """The reverse of printed_code(): '092/70' -> '92/70', '019/08' -> '19/8'."""
    m = re.fullmatch(r"0*(\d+)/0*(\d+)", cell.strip())
    return f"{int(m.group(1))}/{int(m.group(2))}" if m else cell.strip()


# --- apportioning --------------------------------------------------------------------------------

def largest_remainder(total, weights):
    """Share the whole number `total` out in proportion to integer `weights`, exactly:
    each gets its floor, and the units left go to the largest remainders (ties: earlier first)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return floors


def share_by_weight(total, code_weights):
    counts = largest_remainder(total, [w for _, w in code_weights])
    return [(code, n) for (code, _), n in zip(code_weights, counts)]


def published_code_counts(offence_codes):
    """[(code, rows)] adding up to 7,982, with every published figure exact."""
    crime_types = list(POLICE_UK_CAUTIONS)
    type_rows = dict(zip(crime_types, largest_remainder(
        PUBLISHED_TOTAL, [sum(POLICE_UK_CAUTIONS[t]) for t in crime_types])))

    headline_in_type = Counter()
    for code, rows, crime_type in HEADLINE_ROWS:
        headline_in_type[crime_type] += rows

    sexual_oocd, violence_oocd = read_sexual_share()
    sexual_rows = largest_remainder(type_rows[SEXUAL_WITHIN], [sexual_oocd, violence_oocd])[0]
    headline_sexual = headline_in_type[SEXUAL_WITHIN]
    other_sexual_rows = max(0, sexual_rows - headline_sexual)

    counts = [(code, rows) for code, rows, _ in HEADLINE_ROWS]
    for crime_type in crime_types:
        rest = type_rows[crime_type] - headline_in_type[crime_type]
        if crime_type == SEXUAL_WITHIN:
            counts += share_by_weight(other_sexual_rows, OTHER_SEXUAL_OFFENCES)
            rest -= other_sexual_rows
        if rest < 0:
            raise SystemExit(f"{crime_type}: more headline rows than its police.uk share")
        counts += share_by_weight(rest, OFFENCE_MIX[crime_type])

    headline_codes = {code for code, _, _ in HEADLINE_ROWS}
    for code, _ in counts:
        if code not in offence_codes:
            raise SystemExit(f"code {code!r} is not in {OFFENCE_CODES_CSV}")
        if code not in headline_codes:
            unflagged_code_or_fail(code, offence_codes)
    counts = [(code, n) for code, n in counts if n > 0]
    assert sum(n for _, n in counts) == PUBLISHED_TOTAL
    return counts


def code_counts(n_rows, offence_codes):
    """The 7,982-row offence mix, scaled to n_rows (unchanged at 7,982)."""
    base = published_code_counts(offence_codes)
    return share_by_weight(n_rows, base) if n_rows != PUBLISHED_TOTAL else base


def quarter_days(financial_year, quarter):
    """(first day, number of days) of quarter 1-4 (1 = April to June) of a financial year."""
    start_year = int(financial_year[:4])
    first_month = 3 * quarter + 1
    year = start_year if first_month <= 12 else start_year + 1
    first_month = (first_month - 1) % 12 + 1
    first = datetime.date(year, first_month, 1)
    next_month = first_month + 3
    after = datetime.date(year + (next_month > 12), (next_month - 1) % 12 + 1, 1)
    return first, (after - first).days


def outcome_counts(rows_in_quarter, youth, adult):
    """Rows of each OUTCOMES entry in one quarter: youth/adult by the Home Office counts,
    conditional by the assumed CONDITIONAL_PER_100."""
    weights = []
    for _, _, column, conditional in OUTCOMES:
        group = "youth" if column == "closed_all_t2" else "adult"
        per_100 = CONDITIONAL_PER_100[group] if conditional else 100 - CONDITIONAL_PER_100[group]
        weights.append((youth if group == "youth" else adult) * per_100)
    return largest_remainder(rows_in_quarter, weights)


# --- rows ----------------------------------------------------------------------------------------

def iter_rows(n_rows, seed=DEFAULT_SEED):
    """Yield n_rows FOI-shaped rows (lists of 6 strings, in HEADER order), in date order.

    Only small per-quarter lists are held (and one 2-byte offence index per row), so a
    million rows stream without building them all in memory.
    """
    rng = random.Random(seed)
    offence_codes = read_offence_codes()
    counts = code_counts(n_rows, offence_codes)
    codes = [(printed_code(code), offence_codes[code]["description"]) for code, _ in counts]

    offence_order = array("H")
    for index, (_, n) in enumerate(counts):
        offence_order.extend(array("H", [index]) * n)
    rng.shuffle(offence_order)

    quarters = read_quarters()
    rows_per_quarter = largest_remainder(n_rows, [youth + adult for _, _, youth, adult in quarters])
    next_offence = 0
    running_number = Counter()
    for (financial_year, quarter, youth, adult), rows_in_quarter in zip(quarters, rows_per_quarter):
        first_day, days = quarter_days(financial_year, quarter)
        day_offsets = sorted(rng.randrange(days) for _ in range(rows_in_quarter))
        outcomes = [i for i, n in enumerate(outcome_counts(rows_in_quarter, youth, adult)) for _ in range(n)]
        rng.shuffle(outcomes)
        for offset, outcome_index in zip(day_offsets, outcomes):
            day = first_day + datetime.timedelta(days=offset)
            running_number[day.year] += 1
            code, description = codes[offence_order[next_offence]]
            next_offence += 1
            label, age_group, _, _ = OUTCOMES[outcome_index]
            yield [f"SAMPLE-43-{day.year % 100:02d}-{running_number[day.year]:06d}", code, description,
                   label, day.strftime("%d/%m/%Y"), age_group]
    assert next_offence == n_rows


def title_text(n_rows):
    period = "1 April 2015 to 31 March 2017"
    if n_rows == PUBLISHED_TOTAL:
        how = "rows generated to match the published figures; not the real release"
    else:
        how = f"{n_rows:,} rows in the published proportions (the published figures are exact only at 7,982 rows); not the real release"
    return f"SAMPLE - Thames Valley Police - Crimes resolved by caution, {period} - {how}"


def note_text(n_rows):
    scaled = "" if n_rows == PUBLISHED_TOTAL else f" This file is scaled to {n_rows:,} rows, so those figures are not reproduced."
    return ("Note: SAMPLE. The published figures (7,982 crimes; 12 rape; 42 sexual assault, 4 on girls under 13; "
            "possession with intent to supply Class A: 5 cocaine, 2 crack, 10 other; 1 firearm with intent) are real; "
            "every row here was generated by data/sample/generate_sample.py. Offence mix from police.uk, quarterly volume "
            "and youth/adult split from Home Office outcomes data; the split between simple and conditional cautions "
            f"(5% of adult, 2% of youth cautions) is an assumption, not sourced.{scaled}")


def padded(cell):
    return [cell] + [""] * (len(HEADER) - 1)


def write_csv(path, n_rows, seed=DEFAULT_SEED):
    """Write the release as a force's Excel would export it: UTF-8, CRLF, title, blank row,
    header, the rows, a blank row and a note. Rows are streamed."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(padded(title_text(n_rows)))
        writer.writerow([""] * len(HEADER))
        writer.writerow(HEADER)
        writer.writerows(iter_rows(n_rows, seed))
        writer.writerow([""] * len(HEADER))
        writer.writerow(padded(note_text(n_rows)))


def write_xlsx(path, n_rows, seed=DEFAULT_SEED):
    """The same content in a sheet called 'Cautions': text cells, except Outcome Date, a real
    Excel date formatted DD/MM/YYYY. Streamed (write-only workbook); saved with fixed dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = ANSWERED
    wb.properties.creator = "data/sample/generate_sample.py"
    ws = wb.create_sheet(SHEET_NAME)
    ws.append([title_text(n_rows)])
    ws.append([])
    ws.append(HEADER)
    for row in iter_rows(n_rows, seed):
        date_cell = WriteOnlyCell(ws, value=datetime.datetime.strptime(row[DATE_COLUMN], "%d/%m/%Y").date())
        date_cell.number_format = "DD/MM/YYYY"
        ws.append(row[:DATE_COLUMN] + [date_cell] + row[DATE_COLUMN + 1:])
    ws.append([])
    ws.append([note_text(n_rows)])
    buffer = io.BytesIO()
    wb.save(buffer)
    with open(path, "wb") as f:
        f.write(with_fixed_timestamps(buffer.getvalue()))


def with_fixed_timestamps(xlsx_bytes):
    """Rewrite an .xlsx so nothing in it depends on when it was saved: openpyxl sets the
    'modified' property to now and each zip entry carries the time of writing."""
    fixed_stamp = ANSWERED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + fixed_stamp + rb"\g<2>", content)
            info = zipfile.ZipInfo(entry.filename, date_time=ANSWERED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, content)
    return out.getvalue()


# --- checking ------------------------------------------------------------------------------------

def release_parts(path):
    """Stream a file written by write_csv(): yield ('title' | 'data' | 'note', cells) per
    non-blank row. The header row is not yielded; data rows are those between it and the
    first blank row after it."""
    part = "title"
    with open(path, newline="", encoding="utf-8") as f:
        for cells in csv.reader(f):
            if cells == HEADER:
                part = "data"
            elif not any(cells):
                part = "note" if part == "data" else part
            else:
                yield part, cells


def figure_name(key):
    query, label = key
    return query if label is None else f"{query}: {label}"


def check_figures(path, expect_published=True):
    """Read the CSV back and count every published figure with offence_codes.csv's flags.
    Asserts the published figures when expect_published; asserts the file's shape always.
    Returns the figures, the rows and youth share by quarter, and the rows by outcome."""
    with open(path, "rb") as f:
        assert f.read(3) != b"\xef\xbb\xbf", "the CSV must not start with a byte-order mark"
        f.seek(0)
        for line in f:
            assert line.endswith(b"\r\n"), "every line must end in CRLF"

    offence_codes = read_offence_codes()
    outcome_ages = {label: age for label, age, _, _ in OUTCOMES}
    figures, outcomes = Counter(), Counter()
    by_quarter, youth_by_quarter = Counter(), Counter()
    references, titles, notes = set(), [], []
    for part, cells in release_parts(path):
        if part != "data":
            (titles if part == "title" else notes).append(cells[0])
            continue
        reference, code_cell, description, outcome, date_cell, age_group = cells
        code = offence_codes[normalised_code(code_cell)]
        assert printed_code(code["code"]) == code_cell, f"{code_cell!r} is not printed as a force would"
        assert description == code["description"], f"{code_cell}: description differs from offence_codes.csv"
        assert outcome_ages[outcome] == age_group, f"{reference}: {outcome} with age group {age_group}"
        day = datetime.datetime.strptime(date_cell, "%d/%m/%Y").date()
        assert FIRST_DAY <= day <= LAST_DAY, f"{reference}: {date_cell} is outside the period"
        assert reference not in references, f"{reference} appears twice"
        references.add(reference)
        figures[(TOTAL, None)] += 1
        figures.update(figures_of(code))
        outcomes[outcome] += 1
        quarter = financial_quarter(day)
        by_quarter[quarter] += 1
        youth_by_quarter[quarter] += age_group == "10-17"

    assert titles and titles[0].startswith("SAMPLE"), "the title row must say SAMPLE"
    assert notes and notes[-1].startswith("Note: SAMPLE"), "the last row must be the note"
    if expect_published:
        for name, value in PUBLISHED_FIGURES.items():
            assert figures[name] == value, f"{figure_name(name)}: {figures[name]} rows, published {value}"
    return {
        "figures": {figure_name(name): figures[name] for name in PUBLISHED_FIGURES},
        "rows_by_quarter": dict(sorted(by_quarter.items())),
        "youth_share_by_quarter": {q: youth_by_quarter[q] / n for q, n in sorted(by_quarter.items())},
        "outcomes": dict(outcomes.most_common()),
    }


def financial_quarter(day):
    """date(2015, 7, 1) -> '2015/16 Q2' (quarter 1 is April to June)."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


def check_xlsx(xlsx_path, csv_path):
    """The spreadsheet holds the CSV's cells, with Outcome Date as a real date cell."""
    from openpyxl import load_workbook

    wb = load_workbook(xlsx_path, read_only=True)
    assert wb.sheetnames == [SHEET_NAME], wb.sheetnames
    with open(csv_path, newline="", encoding="utf-8") as f:
        csv_lines = list(csv.reader(f))
    sheet_rows = list(wb[SHEET_NAME].iter_rows())
    assert len(sheet_rows) == len(csv_lines), (len(sheet_rows), len(csv_lines))
    first_data = csv_lines.index(HEADER) + 1
    last_data = csv_lines.index([""] * len(HEADER), first_data)  # the blank row after the data
    for line_number, (csv_cells, cells) in enumerate(zip(csv_lines, sheet_rows)):
        values = ["" if c.value is None else c.value for c in cells]
        if first_data <= line_number < last_data:
            day = values[DATE_COLUMN]
            assert isinstance(day, datetime.datetime), f"row {line_number + 1}: Outcome Date is not a date cell"
            assert cells[DATE_COLUMN].number_format == "DD/MM/YYYY"
            values[DATE_COLUMN] = day.strftime("%d/%m/%Y")
        values += [""] * (len(csv_cells) - len(values))
        assert values == csv_cells, (line_number + 1, values, csv_cells)
    wb.close()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=PUBLISHED_TOTAL,
                        help="number of crimes (default 7,982; the published figures are exact only then)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)

    stem = FILE_STEM if args.rows == PUBLISHED_TOTAL else f"{FILE_STEM}_{args.rows}rows"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = args.out_dir / f"{stem}.csv", args.out_dir / f"{stem}.xlsx"
    write_csv(csv_path, args.rows, args.seed)
    write_xlsx(xlsx_path, args.rows, args.seed)

    report = check_figures(csv_path, expect_published=args.rows == PUBLISHED_TOTAL)
    if args.rows <= 100_000:
        check_xlsx(xlsx_path, csv_path)
    for path in (csv_path, xlsx_path):
        print(f"wrote {path}  sha256 {sha256(path)}")
    for name, value in report["figures"].items():
        print(f"  {name}: {value:,}")
    for quarter, n in report["rows_by_quarter"].items():
        print(f"  {quarter}: {n:,} rows, youth {report['youth_share_by_quarter'][quarter]:.1%}")
    for outcome, n in report["outcomes"].items():
        print(f"  {outcome}: {n:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
