"""build.py, as a journalist meets it: releases the way FOI officers send them.

Each quirk of a real release is its own case, on a small file the test writes.
"""
import sqlite3
import subprocess
import sys

import openpyxl
import pytest

from conftest import GOOD_ROWS, HEADER, ROOT


def good_release(*extra_rows):
    """A header, three good rows, and any extra rows a test adds."""
    return "\n".join([HEADER, *GOOD_ROWS, *extra_rows]) + "\n"


def built(release, expect_ok=True):
    result = release.build()
    if expect_ok:
        assert result.returncode == 0, result.stderr
    return result


# --- what a release may look like -----------------------------------------------------------

@pytest.mark.parametrize("encoding,newline", [
    ("utf-8", "\n"), ("utf-8-sig", "\n"), ("cp1252", "\r\n"), ("utf-8", "\r"), ("utf-8", "\r\n"),
])
def test_encodings_and_line_endings_all_load_the_same_rows(release, encoding, newline):
    """UTF-8, UTF-8 with a byte-order mark, Windows-1252; LF, CRLF, or CR-only line endings."""
    release.write_csv(good_release("TV9,046,Shoplifting – £5 of café food,Youth caution,01/02/2016,10-17"),
                      encoding=encoding, newline=newline)
    release.write_manifest()
    built(release)
    rows = release.query("select crime_reference, offence_description from cautions order by id")
    assert [r["crime_reference"] for r in rows] == ["TV1", "TV2", "TV3", "TV9"]
    assert rows[-1]["offence_description"] == "Shoplifting – £5 of café food"
    assert release.query("select [Crime Reference] as ref from raw_test_release where source_line = 2")[0]["ref"] == "TV1"


def test_title_rows_above_and_notes_below_are_kept_as_the_release_notes(release):
    release.write_csv(
        "Thames Valley Police FOI 2017/123,,,,,\n,,,,,\n" + good_release() +
        ",,,,,\nNote: figures extracted 20/04/2017,,,,,\nCrimes may be reclassified,,,,,\n")
    release.write_manifest()
    built(release)
    assert len(release.query("select * from cautions")) == len(GOOD_ROWS)
    notes = release.query("select notes, blank_rows from releases")[0]
    assert notes["notes"].splitlines() == ["Thames Valley Police FOI 2017/123", "Note: figures extracted 20/04/2017",
                                           "Crimes may be reclassified"]
    assert release.query("select min(source_line) as first from cautions")[0]["first"] == 4


def test_a_total_row_is_checked_against_the_rows_and_not_loaded(release):
    release.write_csv(good_release() + f"Total,{len(GOOD_ROWS)},,,,\n")
    release.write_manifest()
    built(release)
    assert len(release.query("select * from cautions")) == len(GOOD_ROWS)
    assert "matches" in release.query("select total_row from releases")[0]["total_row"]


def test_a_total_row_that_disagrees_with_the_rows_stops_the_build(release):
    release.write_csv(good_release() + "Grand Total,99,,,,\n")
    release.write_manifest()
    result = built(release, expect_ok=False)
    assert result.returncode == 1
    assert f"line {len(GOOD_ROWS) + 2}" in result.stderr and "99" in result.stderr


def test_blank_rows_are_skipped_and_counted(release):
    release.write_csv(HEADER + "\n" + GOOD_ROWS[0] + "\n,,,,,\n\n" + "\n".join(GOOD_ROWS[1:]) + "\n")
    release.write_manifest()
    built(release)
    assert release.query("select rows_loaded, blank_rows from releases")[0] == {"rows_loaded": 3, "blank_rows": 2}


def test_dates_are_stored_as_iso_8601_and_given_a_financial_year(release):
    release.write_csv(good_release("TV9,046,Shoplifting,Youth caution,31/03/2016,10-17",
                                   "TV10,046,Shoplifting,Youth caution,1/4/2016,10-17"))
    release.write_manifest()
    built(release)
    rows = {r["crime_reference"]: r for r in release.query("select * from cautions")}
    assert (rows["TV9"]["outcome_date"], rows["TV9"]["financial_year"]) == ("2016-03-31", "2015/16")
    assert (rows["TV10"]["outcome_date"], rows["TV10"]["financial_year"]) == ("2016-04-01", "2016/17")


@pytest.mark.parametrize("as_written,normalised", [
    ("19C", "19C"), ("19c", "19C"), ("019/07", "19/7"), ("92/70", "92/70"), ("092/70", "92/70"), ("92.70", "92/70"),
])
def test_offence_codes_are_normalised_and_the_original_kept(release, as_written, normalised):
    release.write_csv(good_release(f"TV9,{as_written},An offence,Adult simple caution,01/05/2016,18 and over"))
    release.write_manifest()
    built(release)
    row = release.query("select offence_code, offence_code_as_given from cautions where crime_reference = 'TV9'")[0]
    assert row == {"offence_code": normalised, "offence_code_as_given": as_written}


def test_codes_not_in_the_lookup_stop_the_build_or_load_uncoded_when_the_manifest_says_keep(release):
    release.write_csv(good_release("TV9,999/99,Something new,Adult simple caution,01/05/2016,18 and over"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert ("line 5, column 'HO Offence Code': 1 offence (1 row) matches no Home Office code in the lookup: "
            "'999/99 / Something new' (1 row, first on line 5: code not in the lookup)") in stopped.stderr
    assert "`unmatched_offences: keep`" in stopped.stderr
    release.write_manifest(release.rows_entry(extra="unmatched_offences: keep\n"))
    result = built(release)
    assert "999/99" in result.stdout
    assert release.query("select offence_group from cautions where crime_reference = 'TV9'")[0]["offence_group"] is None


@pytest.mark.parametrize("marker", ["*", "<5", "-", "..", "[c]"])
def test_suppressed_cells_are_stored_as_suppressed_never_as_zero(release, marker):
    release.write_csv("Area,Cautions\nAylesbury Vale,\"1,410\"\nChiltern,{}\nWycombe,12\n".format(marker), name="counts.csv")
    release.write_manifest(release.counts_entry())
    built(release)
    rows = release.query("select Area, Cautions, suppressed from test_counts order by source_line")
    assert rows[0]["Cautions"] == 1410  # thousands separator read as a number
    assert rows[1]["Cautions"] is None and rows[1]["suppressed"] == f"Cautions: {marker}"
    assert release.query("select suppressed_cells from releases")[0]["suppressed_cells"] == 1
    assert release.query("select type from pragma_table_info('test_counts') where name = 'Cautions'")[0]["type"] == "INTEGER"


def test_a_counts_total_row_is_checked_and_not_loaded(release):
    release.write_csv("Area,Cautions\nA,\"1,000\"\nB,410\nTotal,\"1,410\"\n", name="counts.csv")
    release.write_manifest(release.counts_entry())
    built(release)
    assert [r["Area"] for r in release.query("select Area from test_counts")] == ["A", "B"]


def test_columns_named_and_ordered_differently_need_only_a_manifest_edit(release):
    release.write_csv("Date of Outcome,Disposal,Offence,Home Office Offence Code,URN,Officer notes\n"
                      "05/06/2016,Youth Caution,Shoplifting,046,X1,kept\n")
    release.write_manifest()
    result = built(release)
    row = release.query("select crime_reference, offence_code, caution_type, outcome_date from cautions")[0]
    assert row == {"crime_reference": "X1", "offence_code": "46", "caution_type": "Youth simple caution",
                   "outcome_date": "2016-06-05"}
    assert "Officer notes" in result.stdout  # unmapped: reported, and kept in the raw table
    assert release.query("select [Officer notes] from raw_test_release")[0]["Officer notes"] == "kept"


def test_a_manifest_mapping_overrides_the_synonyms(release):
    release.write_csv("Ref,Code,What,Result,When\nX1,19C,Rape,Adult simple caution,01/01/2016\n")
    release.write_manifest(release.rows_entry(extra="""\
        columns:
          crime_reference: Ref
          offence_code: Code
          offence_description: What
          outcome: Result
          outcome_date: When
        """))
    built(release)
    assert release.query("select offence_code from cautions")[0]["offence_code"] == "19C"


def test_rows_that_are_not_cautions_are_rejected_but_kept(release):
    release.write_csv(good_release("TV4,046,Shoplifting,Charged,01/05/2016,18 and over"))
    release.write_manifest()
    result = built(release)
    assert release.query("select rows_read, rows_loaded, rows_rejected from releases")[0] == \
        {"rows_read": 4, "rows_loaded": 3, "rows_rejected": 1}
    assert release.query("select rejected_reason from raw_test_release where [Crime Reference] = 'TV4'")[0][
        "rejected_reason"] == "outcome 'Charged' is not a caution"
    assert "1 rejected" in result.stdout


def test_caution_types_are_read_from_the_outcome(release):
    release.write_csv(good_release(
        "A,046,x,Adult simple caution,01/05/2016,", "B,046,x,Adult Conditional Caution,01/05/2016,",
        "C,046,x,Youth caution,01/05/2016,", "D,046,x,Youth conditional caution,01/05/2016,",
        "E,046,x,Caution,01/05/2016,15"))
    release.write_manifest()
    built(release)
    types = {r["crime_reference"]: (r["caution_type"], r["offender"], r["conditional"])
             for r in release.query("select * from cautions")}
    assert types["A"] == ("Adult simple caution", "adult", 0)
    assert types["B"] == ("Adult conditional caution", "adult", 1)
    assert types["C"] == ("Youth simple caution", "youth", 0)
    assert types["D"] == ("Youth conditional caution", "youth", 1)
    assert types["E"] == ("Youth simple caution", "youth", 0)  # the age group says youth


def test_an_xlsx_release_builds_the_same_rows_as_its_csv(release):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cautions"
    sheet.append(["FOI 2017/123 cautions"])
    sheet.append([])
    sheet.append(HEADER.split(","))
    for row in GOOD_ROWS:
        cells = row.split(",")
        day, month, year = map(int, cells[4].split("/"))
        import datetime
        cells[4] = datetime.datetime(year, month, day)
        sheet.append(cells)
    book.create_sheet("Notes").append(["nothing here"])
    book.save(release.folder / "release.xlsx")
    release.write_csv(good_release())
    release.write_manifest(release.rows_entry(file="release.xlsx", id="from-xlsx", extra="sheet: Cautions\n"),
                           release.rows_entry(file="release.csv", id="from-csv"))
    built(release)
    columns = "crime_reference, offence_code, offence_description, caution_type, outcome_date, age_group"
    from_xlsx = release.query(f"select {columns} from cautions where release_id = 'from-xlsx' order by id")
    from_csv = release.query(f"select {columns} from cautions where release_id = 'from-csv' order by id")
    assert from_xlsx == from_csv and len(from_csv) == len(GOOD_ROWS)


def test_the_same_inputs_give_a_byte_identical_database(release, tmp_path):
    release.write_csv(good_release())
    release.write_manifest()
    first = built(release).stdout.splitlines()[-1]
    copy = (tmp_path / "first.db")
    copy.write_bytes(release.output.read_bytes())
    second = built(release).stdout.splitlines()[-1]
    assert first == second and first.startswith("sha256 ")
    assert copy.read_bytes() == release.output.read_bytes()


def test_the_schema_declares_keys_and_full_text_search(sample_db):
    db = sqlite3.connect(sample_db)
    fks = {(r[3], r[2], r[4]) for r in db.execute("pragma foreign_key_list(cautions)")}
    assert fks == {("release_id", "releases", "id"), ("offence_code", "offence_codes", "code"),
                   ("offence_description_id", "offence_descriptions", "id")}
    assault = db.execute("select count(*) from cautions where offence_description_id in (select rowid from "
                         "offence_descriptions_fts where offence_descriptions_fts match 'assault')").fetchone()[0]
    assert assault == db.execute("select count(*) from cautions where offence_description like '%assault%'").fetchone()[0] > 0
    assert [r[5] for r in db.execute("pragma table_info(cautions)") if r[1] == "id"] == [1]


# --- the real public files in ../shared/data ------------------------------------------------

def test_a_police_uk_month_loads_with_its_136_cautions(release, shared_data):
    """data.police.uk, Thames Valley, June 2018: 18,188 crimes and ASB reports, 136 given a caution."""
    source = shared_data / "police_uk" / "policeuk_2018-06-thames-valley-street.csv"
    (release.folder / source.name).symlink_to(source)
    release.write_manifest(release.rows_entry(file=source.name, extra="""\
        columns:
          crime_reference: Crime ID
          offence_description: Crime type
          outcome: Last outcome category
          outcome_date: Month
        period: {from: 2018-06-01, to: 2018-06-30}
        unmatched_offences: keep   # police.uk's crime types are categories, not offences
        """))
    built(release)
    assert release.query("select rows_read, rows_loaded from releases")[0] == {"rows_read": 18188, "rows_loaded": 136}
    assert release.query("select distinct outcome_date from cautions") == [{"outcome_date": "2018-06"}]


def test_the_bbc_cr_only_file_loads_all_its_rows(release, shared_data):
    """The BBC Shared Data Unit's aggregate: carriage-return-only line endings, 47,577 rows."""
    source = shared_data / "police_uk_aggregates_bbc" / "bbc_unsolved-crime_crime_outcomes_by_category_force_year_2012-16.csv"
    (release.folder / source.name).symlink_to(source)
    release.write_manifest(release.counts_entry(file=source.name, table="bbc_outcomes", counts="[f0_]"))
    built(release)
    assert release.query("select rows_loaded, line_endings from releases")[0] == {"rows_loaded": 47577, "line_endings": "CR"}
    tv = release.query("select Year, f0_ from bbc_outcomes where reported_by = 'Thames Valley Police' "
                       "and last_outcome_category = 'Offender given a caution' and crime_type = 'Drugs' order by Year")
    assert {r["Year"]: r["f0_"] for r in tv}["2015"] == 1051


def test_a_big_release_shows_a_progress_bar_only_on_a_terminal(release):
    """No progress output when stderr is not a terminal (CI logs, pipes)."""
    release.write_csv(good_release(*[f"R{i},046,Shoplifting,Youth caution,01/05/2016,10-17" for i in range(60_000)]))
    release.write_manifest()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(release.manifest),
                             "--output", str(release.output), "--metadata", str(release.metadata())],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    assert f"{60_000 + len(GOOD_ROWS):,} rows into cautions" in result.stdout
