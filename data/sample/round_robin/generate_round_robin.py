"""Write the SAMPLE round robin: replies to one request sent to all 43 territorial forces, each in
the shape a force might send, every file flagged SAMPLE in its name and its title.

The request (data/manifest.yml, `requests:`): cautions-by-force-2017, "How many crimes were
resolved by a caution between 1 April 2015 and 31 March 2017?", sent 1 March 2017.

No force's real reply is public. These replies are generated, seeded and deterministic (the same
seed gives byte-identical files), so that:

1. Each answered reply's total is the Home Office's own caution count for that force and period
   (youth and adult cautions, outcome types 2 and 3, investigations closed in the year:
   closed_all_t2 + closed_all_t3 of data/home_office/force_year.csv; OGL v3, Source: Home Office,
   police recorded crime and outcomes open data tables, as processed by SGilr/oocd-dashboard,
   commit 7d0066ee): its youth and adult count in each financial year is the Home Office's,
   exactly. The partial reply answers 2016/17 only, and equals that year.
2. The shapes are those forces send (REPLIES below): row-level CSV; row-level XLSX with the Home
   Office outcome numbers ("Outcome 2", "Outcome 3") instead of words; counts XLSX by offence
   group with a Total row; counts CSV by year with a Total column and a Total row; counts XLSX
   with a header of two rows (year over youth/adult); a partial answer of counts.
   (Thames Valley's reply is the story's own sample release, data/sample/; the Metropolitan
   Police's refusal under s.12 has no file, and the other 35 forces never replied: both are
   declared in the manifest only.)

ASSUMPTIONS, not sourced: which offence each row is (OFFENCE_MIX of data/sample/generate_sample.py,
Thames Valley's mix, used for every force), the split of counts between offence groups
(GROUP_WEIGHTS), dates uniform within each year, crime references invented ("SAMPLE-CL-15-000123").

Usage: python data/sample/round_robin/generate_round_robin.py [--seed S] [--out-dir DIR]
"""
import argparse
import csv
import datetime
import hashlib
import io
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from generate_sample import OFFENCE_MIX, largest_remainder, printed_code, with_fixed_timestamps  # noqa: E402

DATA = HERE.parent.parent
HOME_OFFICE_CSV = DATA / "home_office" / "force_year.csv"
DEFAULT_SEED = 2017
YEARS = {"2015/16": datetime.date(2015, 4, 1), "2016/17": datetime.date(2016, 4, 1)}
TITLE = "SAMPLE - {force} - reply to FOI request cautions-by-force-2017 - generated, not the force's reply"

# file -> (force as the Home Office spells it, the years answered, shape)
REPLIES = {
    "city_of_london_rows_SAMPLE.csv": ("City of London", ("2015/16", "2016/17"), "rows csv"),
    "gloucestershire_rows_outcome_numbers_SAMPLE.xlsx": ("Gloucestershire", ("2015/16", "2016/17"), "rows xlsx"),
    "cumbria_counts_total_row_SAMPLE.xlsx": ("Cumbria", ("2015/16", "2016/17"), "counts by group"),
    "cleveland_counts_by_year_SAMPLE.csv": ("Cleveland", ("2015/16", "2016/17"), "counts by year"),
    "gwent_counts_two_level_header_SAMPLE.xlsx": ("Gwent", ("2015/16", "2016/17"), "counts two-level header"),
    "north_wales_partial_2016-17_SAMPLE.csv": ("North Wales", ("2016/17",), "counts partial"),
}
# ASSUMPTION: how a force's cautions are shared between offence groups (counts replies only).
GROUP_WEIGHTS = [("Violence against the person", 30), ("Drug offences", 24), ("Theft offences", 18),
                 ("Criminal damage and arson", 11), ("Public order offences", 8), ("Possession of weapons offences", 4),
                 ("Sexual offences", 2), ("Miscellaneous crimes against society", 2), ("Robbery", 1)]
CODES = [(code, weight) for mix in OFFENCE_MIX.values() for code, weight in mix]


def home_office_cautions():
    """{(force, year): (youth, adult)}: closed_all_t2 and closed_all_t3."""
    with open(HOME_OFFICE_CSV, encoding="utf-8", newline="") as f:
        return {(r["force"], r["fy"]): (int(r["closed_all_t2"]), int(r["closed_all_t3"])) for r in csv.DictReader(f)}


def crimes(force, years, figures, rng, reference):
    """One row per crime: (reference, offence code, youth?, date), youth and adult per year exactly."""
    out = []
    for year in years:
        youth, adult = figures[force, year]
        for is_youth in [True] * youth + [False] * adult:
            day = YEARS[year] + datetime.timedelta(days=rng.randrange(365 + (year == "2015/16")))
            code = rng.choices([c for c, _ in CODES], [w for _, w in CODES])[0]
            out.append([printed_code(code), is_youth, day])
    out.sort(key=lambda r: r[2])
    return [[f"SAMPLE-{reference}-{day:%y}-{n:06d}", code, is_youth, day]
            for n, (code, is_youth, day) in enumerate(out, 1)]


def by_group(total):
    return dict(zip([g for g, _ in GROUP_WEIGHTS], largest_remainder(total, [w for _, w in GROUP_WEIGHTS])))


def write_csv(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(lines)


def write_xlsx(path, lines, sheet="Reply"):
    from openpyxl import Workbook
    wb = Workbook()
    wb.properties.creator = "data/sample/round_robin/generate_round_robin.py"
    wb.properties.created = wb.properties.modified = datetime.datetime(2017, 4, 20)
    ws = wb.active
    ws.title = sheet
    for line in lines:
        ws.append(line)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    wb.save(buffer)
    Path(path).write_bytes(with_fixed_timestamps(buffer.getvalue()))


def reply_lines(file, figures, rng):
    force, years, shape = REPLIES[file]
    title = [TITLE.format(force=force)]
    if shape == "rows csv":
        rows = crimes(force, years, figures, rng, "CL")
        return [title, [], ["URN", "Offence Code", "Outcome", "Outcome Date"],
                *[[ref, code, "Youth Caution" if youth else "Adult Caution", f"{day:%d/%m/%Y}"]
                  for ref, code, youth, day in rows]]
    if shape == "rows xlsx":
        rows = crimes(force, years, figures, rng, "GL")
        return [title, ["Crime No", "HO Class", "Outcome", "Date Outcome Recorded"],
                *[[ref, code, "Outcome 2" if youth else "Outcome 3", day] for ref, code, youth, day in rows]]
    if shape == "counts by group":
        total = sum(sum(figures[force, y]) for y in years)
        return [title, [], ["Offence group", "Cautions"], *[[g, n] for g, n in by_group(total).items()],
                ["Total", total]]
    if shape == "counts by year":
        lines = [title, ["Financial year", "Youth caution", "Adult caution", "Total"]]
        lines += [[y, *figures[force, y], sum(figures[force, y])] for y in years]
        youth, adult = (sum(figures[force, y][i] for y in years) for i in (0, 1))
        return lines + [["Total", youth, adult, youth + adult]]
    if shape == "counts two-level header":
        columns = [by_group(figures[force, y][i]) for y in years for i in (0, 1)]
        lines = [title, [], ["", *[x for y in years for x in (y, "")], "Both years"],
                 ["Offence group", *["Youth", "Adult"] * len(years), "Total"]]
        for group, _ in GROUP_WEIGHTS:
            cells = [c[group] for c in columns]
            lines.append([group, *cells, sum(cells)])
        sums = [sum(c.values()) for c in columns]
        return lines + [["Total", *sums, sum(sums)]]
    if shape == "counts partial":
        (year,) = years
        youth, adult = figures[force, year]
        return [title, [f"Financial year {year} only: records before April 2016 are on a system we no longer hold "
                        "(section 12, cost)"], [], ["Outcome", "Cautions"], ["Youth caution", youth],
                ["Adult caution", adult], ["Total", youth + adult]]
    raise ValueError(shape)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    figures = home_office_cautions()
    rng = random.Random(args.seed)
    for file in REPLIES:  # in this order: each reply draws from the one seeded generator
        lines = reply_lines(file, figures, rng)
        path = args.out_dir / file
        (write_xlsx if file.endswith(".xlsx") else write_csv)(path, lines)
        force, years, _ = REPLIES[file]
        total = sum(sum(figures[force, y]) for y in years)
        print(f"{file}: {force}, {' and '.join(years)}, {total:,} cautions (the Home Office's count), "
              f"sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
