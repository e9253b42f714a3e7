"""Files: a release reads the same whatever it was saved as.

A force may send its release as CSV, as an Excel workbook (.xlsx, or the old .xls), or as an
OpenDocument spreadsheet (.ods), on the first sheet or another. The build reads every one through
the same rows: the same header search, title and note rows, total rows and blank rows, so the same
release gives the same cautions in any of them. A spreadsheet's cells are read as a person reads
them (a date cell as its date, 12.0 as 12), and its line numbers are the sheet's row numbers.

The .xls and .ods files are in tests/fixtures/ (tests/fixtures/make_spreadsheets.py wrote them:
the sample's first 400 rows); the XLSX files are written here with openpyxl.
"""
import csv
import datetime
import sqlite3

import openpyxl
import pytest

from conftest import GOOD_ROWS, HEADER, ROOT
from foi import read, read_sheets
from foi.errors import ReleaseError

SAMPLE = ROOT / "data" / "sample" / "tvp_cautions_2015-04_2017-03_SAMPLE.csv"
FIXTURES = ROOT / "tests" / "fixtures"
COLUMNS = ("crime_reference, offence_code, offence_code_as_given, offence_description, caution_type, offender, "
           "outcome_date, outcome_time, financial_year, age_group, source_line")


def sample_lines(rows=None):
    """The sample CSV's lines (title, blank, header, data), all of them or the first `rows` data rows."""
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    return lines if rows is None else lines[:3 + rows]


def typed(cells):
    """A sample row as a spreadsheet holds it: the date a date cell, a whole-number code a number."""
    if len(cells) < 6 or not cells[0].startswith("SAMPLE-"):
        return cells
    code, day = cells[1], cells[4]
    return [cells[0], int(code) if code.isdigit() and str(int(code)) == code else code, cells[2], cells[3],
            datetime.datetime.strptime(day, "%d/%m/%Y"), cells[5]]


def write_xlsx(path, sheets):
    """sheets: {name: rows}, in order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for cells in rows:
            sheet.append([None if c == "" else c for c in cells])
    book.save(path)
    return path


def cautions(release, release_id):
    return release.query(f"select {COLUMNS} from cautions where release_id = ? order by id", (release_id,))


def build_both(release, spreadsheet, rows=None, sheet=None):
    """The spreadsheet and the sample's CSV (its first `rows` rows) built side by side."""
    with open(release.folder / "release.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(sample_lines(rows))
    release.write_manifest(
        release.rows_entry(file=spreadsheet.name, id="from-spreadsheet", extra=f"sheet: {sheet}\n" if sheet else ""),
        release.rows_entry(file="release.csv", id="from-csv"))
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


# --- the same rows in every format ------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["sample_first_400_rows.xls", "sample_first_400_rows.ods"])
def test_the_sample_as_xls_or_ods_with_no_sheet_named_gives_the_rows_of_the_csv(release, fixture):
    """The first sheet is read when the manifest names none; dates are date cells, codes numbers."""
    spreadsheet = release.write_bytes(fixture, (FIXTURES / fixture).read_bytes())
    build_both(release, spreadsheet, rows=400)
    from_csv = cautions(release, "from-csv")
    assert len(from_csv) == 400
    assert cautions(release, "from-spreadsheet") == from_csv
    read_as = release.query("select file_format, sheet, encoding from releases where id = 'from-spreadsheet'")[0]
    assert read_as == {"file_format": fixture.rsplit(".", 1)[1], "sheet": "Cautions", "encoding": None}


def test_the_whole_sample_on_the_second_sheet_of_an_xlsx_gives_the_rows_of_the_csv(release):
    write_xlsx(release.folder / "release.xlsx", {
        "Read me": [["FOI 2017/123: the release is on the next sheet"]],
        "Cautions": [typed(cells) for cells in sample_lines()],
    })
    result = build_both(release, release.folder / "release.xlsx", sheet="Cautions")
    from_csv = cautions(release, "from-csv")
    assert len(from_csv) == 7982
    assert cautions(release, "from-spreadsheet") == from_csv
    assert "XLSX, sheet 'Cautions'" in result.stdout


def test_a_spreadsheets_line_numbers_are_its_row_numbers(release):
    """As Excel shows them: the title in row 1, the header in row 3, data from row 4. A sheet that
    starts lower and further right keeps its row numbers and its columns."""
    rows = [["" for _ in range(8)] for _ in range(4)] + [["", "", *cells.split(",")] for cells in [HEADER, *GOOD_ROWS]]
    spreadsheet = write_xlsx(release.folder / "release.xlsx", {"Sheet1": rows})
    lines = list(read.sheet_rows(spreadsheet))
    assert [line for line, _ in lines] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert lines[4][1][:3] == ["", "", "Crime Reference"]
    release.write_manifest(release.rows_entry(file="release.xlsx"))
    assert release.build().returncode == 0
    assert [r["source_line"] for r in release.query("select source_line from cautions order by id")] == [6, 7, 8]


def test_cells_become_the_text_a_person_reads():
    text = read_sheets.cell_text
    assert text(datetime.date(2016, 4, 1)) == "2016-04-01"
    assert text(datetime.datetime(2016, 4, 1)) == "2016-04-01"              # a date cell at midnight
    assert text(datetime.datetime(2016, 4, 1, 14, 30)) == "2016-04-01 14:30:00"
    assert text(datetime.datetime(2016, 4, 1, 14, 29, 59, 999_000)) == "2016-04-01 14:30:00"  # float noise
    assert text(datetime.time(9, 5)) == "09:05:00"
    assert text(12.0) == "12" and text(42461.0) == "42461" and text(-3.0) == "-3"
    assert text(0.1 + 0.2) == "0.3" and text(2.5) == "2.5" and text(1 / 3) == "0.333333333333333"
    assert text(True) == "TRUE" and text(False) == "FALSE"
    assert text("") == "" and text(None) == ""
    assert text(7) == "7"
    assert text(datetime.timedelta(hours=30, minutes=5)) == "30:05:00"


def test_typed_cells_in_a_workbook_read_as_text(tmp_path):
    spreadsheet = write_xlsx(tmp_path / "typed.xlsx", {"Sheet1": [
        ["a date", "a date and time", "a whole number", "a fraction", "a yes"],
        [datetime.date(2016, 4, 1), datetime.datetime(2016, 4, 1, 14, 30), 12, 0.25, True],
    ]})
    assert list(read.sheet_rows(spreadsheet))[1] == (2, ["2016-04-01", "2016-04-01 14:30:00", "12", "0.25", "TRUE"])


# --- hidden rows and columns (the disclosure check's hook) --------------------------------------

def test_rows_and_columns_to_skip_are_never_read(release):
    """`skip_rows` (the sheet's row numbers) and `skip_columns` (0-based, A is 0): a hidden column of
    names, and a hidden row, never reach the table: not its header, not its rows."""
    header = HEADER.split(",")
    rows = [[header[0], "Offender Name", *header[1:]]]
    for i, line in enumerate(GOOD_ROWS):
        cells = line.split(",")
        rows.append([cells[0], f"Person {i}", *cells[1:]])
    rows.insert(2, ["HIDDEN", "Hidden Person", "46", "Shoplifting", "Adult simple caution", "01/01/2016", "18 and over"])
    spreadsheet = write_xlsx(release.folder / "release.xlsx", {"Sheet1": rows})

    read_rows = list(read.sheet_rows(spreadsheet, skip_rows={3}, skip_columns={1}))
    assert [line for line, _ in read_rows] == [1, 2, 4, 5]
    assert all("Person" not in " ".join(cells) and "HIDDEN" not in cells for _, cells in read_rows)
    assert read_rows[0][1] == header

    source = read.open_release({"id": "r", "file": "release.xlsx"}, spreadsheet, release.folder,
                               skip_rows={3}, skip_columns={1})
    with read.Table(source.rows(), source.display, lambda cells: "Outcome" in cells) as table:
        assert table.headers == header
        assert [line for line, _ in table.rows()] == [2, 4, 5]


def test_a_csv_honours_the_same_rows_and_columns_to_skip(release):
    path = release.write_csv("\n".join([HEADER, *GOOD_ROWS]) + "\n")
    source = read.open_release({"id": "r", "file": "release.csv"}, path, release.folder, skip_rows={3},
                               skip_columns={0})
    assert [(line, cells[0]) for line, cells in source.rows()] == [(1, "HO Offence Code"), (2, "019/08"), (4, "46")]


# --- what a conversion from PDF or a printout leaves in the rows --------------------------------

def paged(header, rows, per_page=2, title=None):
    """Rows as a PDF's pages come out: each page its header (and title), a 'Page n of N' line, a blank line."""
    pages = [rows[i:i + per_page] for i in range(0, len(rows), per_page)]
    lines = []
    for n, page in enumerate(pages, 1):
        lines += ([title] if title else []) + [header] + page + [f"Page {n} of {len(pages)}", ""]
    return lines


def test_a_header_on_every_page_page_lines_and_blank_lines_are_skipped_and_counted(release):
    rows = [f"TV{i},46,Shoplifting,Adult simple caution,0{1 + i % 9}/05/2016,18 and over" for i in range(1, 8)]
    release.write_csv("\n".join(paged(HEADER, rows, title="Thames Valley Police FOI 2017/123")) + "\n")
    release.write_manifest()
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert len(release.query("select * from cautions")) == 7
    row = release.query("select skipped_lines, blank_rows, notes from releases")[0]
    assert row == {"skipped_lines": "3 repeated headers, 4 page lines, 3 repeated titles", "blank_rows": 4,
                   "notes": "Thames Valley Police FOI 2017/123"}
    assert "skipped 3 repeated headers, 4 page lines, 3 repeated titles" in result.stdout


def test_a_paged_spreadsheet_reads_the_same(release):
    rows = [f"TV{i},46,Shoplifting,Adult simple caution,0{1 + i % 9}/05/2016,18 and over".split(",") for i in range(1, 6)]
    lines = paged(HEADER.split(","), rows)
    spreadsheet = write_xlsx(release.folder / "release.xlsx", {"Sheet1": [c if isinstance(c, list) else [c] for c in lines]})
    release.write_manifest(release.rows_entry(file=spreadsheet.name))
    assert release.build().returncode == 0
    assert release.query("select count(*) as n from cautions")[0]["n"] == 5
    assert release.query("select skipped_lines from releases")[0]["skipped_lines"] == "2 repeated headers, 3 page lines"


def test_a_release_with_nothing_to_skip_says_so_with_null(release):
    release.write_csv("\n".join([HEADER, *GOOD_ROWS]) + "\n")
    release.write_manifest()
    assert release.build().returncode == 0
    assert release.query("select skipped_lines, file_format, sheet from releases")[0] == {
        "skipped_lines": None, "file_format": "csv", "sheet": None}


# --- sheets: the wrong one, or none named ----------------------------------------------------------

def test_the_wrong_sheet_name_lists_the_sheets(release):
    release.write_bytes("release.ods", (FIXTURES / "sample_first_400_rows.ods").read_bytes())
    release.write_manifest(release.rows_entry(file="release.ods", extra="sheet: Sheet1\n"))
    result = release.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "there is no sheet called 'Sheet1'; the sheets are 'Cautions', 'Notes'" in result.stderr


def test_a_release_not_on_the_first_sheet_says_which_sheets_to_try(release):
    write_xlsx(release.folder / "release.xlsx", {"Notes": [["Figures extracted 20/04/2017"]],
                                                 "Data": [HEADER.split(","), *(r.split(",") for r in GOOD_ROWS)]})
    release.write_manifest(release.rows_entry(file="release.xlsx"))
    result = release.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the release may be on another sheet: this is 'Notes', the others are 'Data'" in result.stderr


def test_a_sheet_may_be_named_by_its_number(release):
    write_xlsx(release.folder / "release.xlsx", {"Notes": [["nothing"]],
                                                 "Data": [HEADER.split(","), *(r.split(",") for r in GOOD_ROWS)]})
    release.write_manifest(release.rows_entry(file="release.xlsx", extra="sheet: 2\n"))
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert release.query("select sheet from releases")[0]["sheet"] == "Data"


def test_a_spreadsheet_that_is_not_one_is_refused_with_a_message(tmp_path):
    fake = tmp_path / "release.ods"
    fake.write_text(HEADER + "\n")
    with pytest.raises(ReleaseError, match="could not be opened"):
        read.open_release({"id": "r", "file": "release.ods"}, fake, tmp_path)


def test_the_same_spreadsheet_gives_a_byte_identical_database(release):
    spreadsheet = release.write_bytes("release.ods", (FIXTURES / "sample_first_400_rows.ods").read_bytes())
    release.write_manifest(release.rows_entry(file=spreadsheet.name))
    assert release.build().returncode == 0
    first = release.output.read_bytes()
    assert release.build().returncode == 0
    assert release.output.read_bytes() == first
    assert sqlite3.connect(release.output).execute("select count(*) from cautions").fetchone()[0] == 400


def test_one_table_reads_rows_from_any_format():
    """Table takes (line, cells) rows from anywhere: a CSV, a sheet, or a list, and reads them alike."""
    rows = [(1, ["FOI 2017/123", "", ""]), (2, ["Crime Reference", "Outcome", "Outcome Date"]),
            (3, ["TV1", "Youth caution", "01/05/2015"]), (4, ["", "", "Page 1 of 2"]),
            (5, ["Crime reference ", "OUTCOME", "Outcome Date"]), (6, ["FOI 2017/123", "", ""]),
            (7, ["TV2", "Adult simple caution", "02/05/2015"]), (8, ["p. 2/2", "", ""]), (9, ["", "", ""]),
            (10, ["Total", "2", ""]), (11, ["Figures extracted 20/04/2017", "", ""])]
    with read.Table(rows, "a list", lambda cells: "Outcome" in cells) as table:
        assert table.header_line == 2 and table.headers == ["Crime Reference", "Outcome", "Outcome Date"]
        assert [line for line, _ in table.rows()] == [3, 7]
    assert table.skipped_lines == "1 repeated header, 2 page lines, 1 repeated title"
    assert table.blank_rows == 1 and table.totals == [(10, ["Total", "2", ""])]
    assert table.notes == ["FOI 2017/123", "Figures extracted 20/04/2017"]


def test_a_label_like_a_page_number_is_data():
    rows = [(1, ["Area", "Cautions"]), (2, ["P1", "12"]), (3, ["Page", "4"])]
    with read.Table(rows, "a list", lambda cells: "Cautions" in cells) as table:
        assert list(table.rows()) == [(2, ["P1", "12"]), (3, ["Page", "4"])]
    assert table.skipped_lines is None
