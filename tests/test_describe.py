"""describe: a file nobody has declared, read as the build will read it, proposed as a manifest entry.

Each test is one shape a force's release comes in, made from the sample's own rows (so the right
answer is known): describe must find the header (never a data row), the kind, the sheet, and the
keys the release needs, each with a line saying what it means. Where the build reads those keys,
the entry with only the journalist's own fields filled in must build the right rows. Whatever the
file, describe ends with an entry or a message: never a traceback.
"""
import csv
import datetime
import json
import re
import subprocess
import sys

import openpyxl
import pytest
import yaml

from conftest import ROOT
from foi import describe as describing

SAMPLE = ROOT / "data" / "sample" / "tvp_cautions_2015-04_2017-03_SAMPLE.csv"
FIXTURES = ROOT / "tests" / "fixtures"
JOURNALIST = {"title": "Crimes resolved by caution", "authority": "Thames Valley Police", "foi_reference": "FOI 2017/123",
              "requested": "2017-03-01", "answered": "2017-04-20", "source_url": "https://example.org/foi",
              "licence": "Open Government Licence v3.0"}


def sample_rows(n=None, start=0):
    """The sample's data rows: reference, code, description, outcome, date (dd/mm/yyyy), age group."""
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f) if r and r[0].startswith("SAMPLE-")]
    return rows[start:] if n is None else rows[start:start + n]


def day_of(cell):
    d, m, y = map(int, cell.split("/"))
    return datetime.date(y, m, d)


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def described(path, *args):
    """Run `build.py describe` as a journalist would: (exit status, what it printed, its messages)."""
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "describe", str(path), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def entry_of(out):
    """The proposed entry, parsed, and its text."""
    text = out[out.index("  - id:"):]
    return yaml.safe_load(text)[0], text


def filled_in(text):
    """The entry with only the journalist's fields filled in, where describe left them commented."""
    return re.sub(r"    # (\w+): .*", lambda m: f"    {m.group(1)}: {json.dumps(JOURNALIST[m.group(1)])}", text)


def build_entry(release, out):
    """Build the entry describe proposed (with the journalist's fields): the finished process."""
    _, text = entry_of(out)
    release.write_manifest(filled_in(text))
    return release.build()


# --- the header, never a data row -------------------------------------------------------------------

def test_a_title_line_a_crime_no_header_and_a_total_row_are_one_row_per_crime(release):
    """The real case that went wrong: 60 rows, a title line, `Crime No, HO Code, Offence, Disposal,
    Date of Disposal` (the date's name not among the build's synonyms), and a Total row. It is
    `kind: rows` with the header on line 2 and each column mapped, never `counts` with line 10 as header."""
    rows = sample_rows(60)
    write_csv(release.folder / "release.csv", [
        ["Thames Valley Police - FOI 2017/123 - crimes resolved by caution since April 2015", "", "", "", ""],
        ["Crime No", "HO Code", "Offence", "Disposal", "Date of Disposal"],
        *(r[:5] for r in rows),
        ["Total", "60", "", "", ""]])
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0
    assert "kind: rows (one row per crime: a reference and a date on every row), 60 data rows; header on line 2:" in out
    assert "total row on line 63" in out
    entry, text = entry_of(out)
    assert entry["kind"] == "rows"
    assert entry["columns"] == {"crime_reference": "Crime No", "offence_code": "HO Code", "offence_description": "Offence",
                                "outcome": "Disposal", "outcome_date": "Date of Disposal"}
    assert entry["period"] == {"from": datetime.date(2015, 4, 1), "to": max(day_of(r[4]) for r in rows)}
    assert "the title says 'since April 2015'" in out
    assert "    # The dates the release covers (its title says 'since April 2015')" in text

    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert [r["crime_reference"] for r in release.query("select crime_reference from cautions order by id")] == \
        [r[0] for r in rows]


def test_a_data_row_of_text_only_is_never_the_header(release):
    """Rows with no number and no date: the header is still the row of names above them all."""
    rows = [[r[0], r[2], r[3], r[5]] for r in sample_rows(30)]
    write_csv(release.folder / "release.csv", [["FOI 2017/123", "", "", ""], ["Ref", "What", "Disposal", "Age"], *rows])
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0 and "header on line 2: 'Ref', 'What', 'Disposal', 'Age'" in out


def test_a_header_repeated_on_every_page_and_page_lines(release):
    """A PDF converted to CSV: the header again on each page, 'Page n of N', blank lines between."""
    header = ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"]
    rows = sample_rows(30)
    lines = []
    for page in range(3):
        lines += [header, *rows[page * 10:page * 10 + 10], ["", "", "", "", f"Page {page + 1} of 3", ""], [""] * 6]
    write_csv(release.folder / "release.csv", lines)
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0
    assert "30 data rows; header on line 1" in out
    assert "skipped as the build will skip them: 2 repeated headers, 3 page lines" in out
    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n, skipped_lines from releases join cautions")[0] == {
        "n": 30, "skipped_lines": "2 repeated headers, 3 page lines"}


# --- dates in every form --------------------------------------------------------------------------

def test_excel_serial_numbers_propose_date_format_excel(release):
    rows = sample_rows(40)
    serial = [[*r[:4], str((day_of(r[4]) - datetime.date(1899, 12, 30)).days), r[5]] for r in rows]
    write_csv(release.folder / "release.csv", [
        ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"],
        *serial])
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0
    entry, text = entry_of(out)
    assert entry["kind"] == "rows" and entry["date_format"] == "excel"
    assert entry["columns"]["outcome_date"] == "Outcome Date"
    assert "# The dates are Excel serial numbers, days counted from 30 December 1899 (42461 = 2016-04-01)" in text
    assert f"dates: Excel serial numbers 40 (e.g. {serial[0][4]} = {day_of(rows[0][4])})" in out
    assert entry["period"] == {"from": day_of(rows[0][4]), "to": max(day_of(r[4]) for r in rows)}


def test_dates_written_another_way_propose_their_date_format_and_build(release):
    rows = sample_rows(50)
    write_csv(release.folder / "release.csv", [
        ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"],
        *([*r[:4], day_of(r[4]).strftime("%d-%b-%y"), r[5]] for r in rows)])
    status, out, _ = described(release.folder / "release.csv")
    entry, text = entry_of(out)
    assert entry["date_format"] == "%d-%b-%y"
    assert f"    # How the dates are written (a strftime pattern): {day_of(rows[0][4]):%d-%b-%y} is {day_of(rows[0][4])}" in text
    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert [r["outcome_date"] for r in release.query("select outcome_date from cautions order by id")] == \
        [day_of(r[4]).isoformat() for r in rows]


@pytest.mark.parametrize("split", [["Year", "Month"], ["Day", "Month", "Year"]])
def test_a_date_split_over_columns_proposes_them_together(release, split):
    rows = sample_rows(40)

    def parts(day):
        value = {"Day": str(day.day), "Month": day.strftime("%B"), "Year": str(day.year)}
        return [value[name] for name in split]

    write_csv(release.folder / "release.csv", [
        ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", *split, "Offender Age Group"],
        *([*r[:4], *parts(day_of(r[4])), r[5]] for r in rows)])
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0
    entry, text = entry_of(out)
    assert entry["kind"] == "rows" and entry["columns"]["outcome_date"] == split
    assert "The outcome date is split over these columns" in text
    if split == ["Year", "Month"]:  # a month: the period runs to its last day
        assert entry["period"] == {"from": datetime.date(2015, 4, 1), "to": datetime.date(2015, 4, 30)}


@pytest.mark.parametrize("written", ["{start}/{end:02d}", "{start}-{end:02d}"])
def test_a_financial_year_column_and_no_date(release, written):
    """'2015/16' or '2015-16' per row and no date: the financial_year column, and a reference per row."""
    rows = sample_rows(200, start=0) + sample_rows(100, start=7000)

    def year(cell):
        day = day_of(cell)
        start = day.year if day.month >= 4 else day.year - 1
        return written.format(start=start, end=(start + 1) % 100)

    write_csv(release.folder / "release.csv", [
        ["Thames Valley Police - FOI 2017/123", "", "", "", ""],
        ["Crime No", "HO Code", "Offence", "Disposal", "Financial Year"],
        *([*r[:4], year(r[4])] for r in rows), ["Total", str(len(rows)), "", "", ""]])
    status, out, _ = described(release.folder / "release.csv")
    assert status == 0
    assert "kind: rows (one row per crime: a reference and a financial year on every row)" in out
    entry, text = entry_of(out)
    assert entry["columns"] == {"crime_reference": "Crime No", "offence_code": "HO Code", "offence_description": "Offence",
                                "outcome": "Disposal", "financial_year": "Financial Year"}
    assert "# No date: each row's financial year (April to March)" in text
    assert entry["period"] == {"from": datetime.date(2015, 4, 1), "to": datetime.date(2017, 3, 31)}


def test_rows_dated_before_the_period_the_title_states_are_named(release):
    early = [[f"EARLY-{i}", "46", "Shoplifting", "Adult simple caution", f"{10 + i}/03/2015", "18 and over"]
             for i in range(3)]
    rows = early + sample_rows(20)
    write_csv(release.folder / "release.csv", [
        ["Crimes resolved by caution since April 2015", "", "", "", "", ""],
        ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"],
        *rows])
    status, out, _ = described(release.folder / "release.csv")
    entry, text = entry_of(out)
    assert entry["period"]["from"] == datetime.date(2015, 4, 1)
    assert "3 rows dated before 2015-04-01 (first on line 3): outside the period" in out
    assert "    # outside_period: exclude" in text


# --- what a row is ------------------------------------------------------------------------------

def test_repeated_crime_references_propose_rows_are_offences_and_say_how_many(release):
    rows = []
    for i, r in enumerate(sample_rows(100)):
        rows.append(r)
        if i % 2:  # every other crime has a second offence
            rows.append([r[0], "105A", "Assault without injury", *r[3:]])
    write_csv(release.folder / "release.csv", [
        ["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"],
        *rows])
    status, out, _ = described(release.folder / "release.csv")
    entry, text = entry_of(out)
    assert entry["rows_are"] == "offences"
    assert "50 crime references repeat (100 rows)" in out
    assert "# 50 crime references repeat, on 100 rows: each row is an offence of a crime" in text


def test_a_table_of_counts_is_counts(release):
    write_csv(release.folder / "counts.csv", [
        ["Cautions by outcome, 2015/16", "", ""], ["Outcome", "Adult", "Youth"],
        ["Simple caution", "120", "30"], ["Conditional caution", "12", "*"], ["Total", "132", "30"]])
    status, out, _ = described(release.folder / "counts.csv")
    assert status == 0
    entry, _ = entry_of(out)
    assert entry["kind"] == "counts" and entry["counts"] == ["Adult", "Youth"]
    assert "header on line 2" in out


# --- spreadsheets and their sheets ----------------------------------------------------------------

def test_an_ods_with_the_release_on_its_first_sheet(release):
    """It used to print a bogus encoding error."""
    (release.folder / "release.ods").write_bytes((FIXTURES / "sample_first_400_rows.ods").read_bytes())
    status, out, err = described(release.folder / "release.ods")
    assert status == 0, err
    assert "# ODS, sheet 'Cautions'" in out
    assert "sheets: 'Cautions' 402 rows, a header on row 3; 'Notes' 1 row, no header" in out
    entry, _ = entry_of(out)
    assert entry["sheet"] == "Cautions" and entry["kind"] == "rows"
    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from cautions")[0]["n"] == 400


def test_an_xls(release):
    (release.folder / "release.xls").write_bytes((FIXTURES / "sample_first_400_rows.xls").read_bytes())
    status, out, err = described(release.folder / "release.xls")
    assert status == 0, err
    entry, _ = entry_of(out)
    assert entry["kind"] == "rows" and entry["sheet"] == "Cautions" and "dates: yyyy-mm-dd 400" in out


def test_the_release_on_the_second_sheet_is_found_and_named(release):
    """A summary sheet first, the rows on the second: describe picks the sheet with the most rows of
    one shape under a header, says why, and names it in `sheet:`. It used to give up."""
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "Summary"
    for row in (["Outcome", "Crimes"], ["Adult simple caution", 6418], ["Youth caution", 1201], ["Total", 7619]):
        summary.append(row)
    rows = sample_rows(300)
    data = book.create_sheet("FOI 2017-123")
    data.append(["Crimes resolved by caution, 1 April 2015 to 31 March 2017"])
    data.append(["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"])
    for r in rows:
        data.append([*r[:4], day_of(r[4]), r[5]])
    book.save(release.folder / "release.xlsx")
    status, out, err = described(release.folder / "release.xlsx")
    assert status == 0, err
    assert "sheets: 'Summary' 4 rows, a header on row 1; 'FOI 2017-123' 302 rows, a header on row 2" in out
    assert "the release is on sheet 'FOI 2017-123': of the sheets with a header, it has the most rows of one shape " \
           "under it (300 against 3 on 'Summary')" in out
    entry, _ = entry_of(out)
    assert entry["sheet"] == "FOI 2017-123" and entry["kind"] == "rows"
    assert entry["period"] == {"from": datetime.date(2015, 4, 1), "to": datetime.date(2017, 3, 31)}
    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from cautions")[0]["n"] == 300
    assert release.query("select sheet, file_format from releases")[0] == {"sheet": "FOI 2017-123", "file_format": "xlsx"}


def test_a_sheet_given_that_holds_no_table_names_the_sheets_that_do(release):
    (release.folder / "release.xls").write_bytes((FIXTURES / "sample_first_400_rows.xls").read_bytes())
    status, _, err = described(release.folder / "release.xls", "--sheet", "Notes")
    assert status == 1
    assert "What to do: read another sheet with --sheet: 'Cautions' (a header on row 3)" in err


def test_the_sample_describes_as_the_entry_the_build_needs(release):
    status, out, _ = described(SAMPLE)
    entry, text = entry_of(out)
    assert entry["period"] == {"from": datetime.date(2015, 4, 1), "to": datetime.date(2017, 3, 31)}
    (release.folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    result = build_entry(release, out)
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from cautions")[0]["n"] == 7982


# --- never a traceback ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,data", [
    ("empty.csv", b""),
    ("one_cell.csv", b"hello\n"),
    ("binary.csv", bytes(range(256)) * 4),
    ("not_a_workbook.xlsx", b"Crime Reference,Outcome\n"),
    ("not_a_workbook.ods", b"PK\x03\x04 not really a zip"),
    ("numbers_only.csv", b"1,2,3\n4,5,6\n"),
])
def test_any_file_gives_an_entry_or_a_message_never_a_traceback(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    status, out, err = described(tmp_path / name)
    assert status == 1 and f"Could not describe {tmp_path / name}" in err and "What to do:" in err


def test_an_unexpected_failure_is_a_message(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "release.csv", [["a", "b"], ["1", "2"]])
    monkeypatch.setattr(describing, "_describe", lambda *a: 1 / 0)
    with pytest.raises(describing.ReleaseError, match=r"describe could not read this file \(ZeroDivisionError"):
        describing.describe(path)


@pytest.mark.parametrize("name", ["force_year_thames_valley.csv", "force_quarter_thames_valley.csv",
                                  "force_offence_year_thames_valley.csv"])
def test_the_home_offices_tables_are_counts_though_they_have_a_year_and_five_digit_numbers(name):
    """A financial-year column and counts such as 20760 (which an Excel serial number could be): counts
    per label, never rows with serial dates. Serial numbers are only looked for under a date's name."""
    status, out, _ = described(ROOT / "data" / "home_office" / name)
    entry, _ = entry_of(out)
    assert status == 0 and entry["kind"] == "counts" and "date_format" not in entry
    assert "closed_all_t3" in entry["counts"] or "closed_oocd" in entry["counts"]
