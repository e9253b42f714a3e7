"""Any force's row-level release, through the manifest alone.

Each way forces write a release is its own case, on a small file the test writes: outcomes as
Home Office numbers, dates with times, offences as descriptions only, extra columns, UTF-16 and
semicolons. And every cleaning decision is a table a reader can see: outcome_values,
date_values, offence_matches.
"""
import codecs

import pytest


def release_of(*rows, header="Crime Reference,Offence Code,Offence Description,Outcome,Outcome Date"):
    return "\n".join([header, *rows]) + "\n"


def built(release, expect_ok=True):
    result = release.build()
    assert (result.returncode == 0) == expect_ok, result.stderr or result.stdout
    assert "Traceback" not in result.stderr
    return result


# --- outcomes ---------------------------------------------------------------------------------

def test_home_office_outcome_numbers_are_read_as_cautions_and_the_rest_rejected(release):
    release.write_csv(release_of(
        "W1,46,Shoplifting,Outcome 3,01/05/2016",
        "W2,46,Shoplifting,Outcome 2 - Youth caution,01/05/2016",
        "W3,46,Shoplifting,Outcome 1,01/05/2016",
        "W4,46,Shoplifting,Outcome 8: Community resolution,01/05/2016",
        "W5,46,Shoplifting,OUTCOME 3,02/05/2016"))
    release.write_manifest()
    result = built(release)
    rows = {r["crime_reference"]: (r["caution_type"], r["offender"]) for r in release.query("select * from cautions")}
    assert rows == {"W1": ("Adult caution (simple or conditional not given)", "adult"),
                    "W2": ("Youth caution (simple or conditional not given)", "youth"),
                    "W5": ("Adult caution (simple or conditional not given)", "adult")}
    decided = {r["value"]: (r["rows"], r["classified_as"], r["decided_by"])
               for r in release.query("select * from outcome_values")}
    assert decided["Outcome 1"] == (1, "not a caution", "default: Home Office outcome 1 (charge/summons)")
    assert decided["Outcome 8: Community resolution"][1] == "not a caution"
    assert decided["Outcome 3"] == (1, "adult caution", "default: Home Office outcome 3 (adult caution)")
    assert release.query("select rejected_reason from raw_test_release where [Crime Reference] = 'W3'") == [
        {"rejected_reason": "outcome 'Outcome 1' is not a caution"}]
    assert "outcome_values" in result.stdout and "'Outcome 1' 1 -> not a caution" in result.stdout


@pytest.mark.parametrize("wording,kind", [
    ("Caution - Adult", "adult simple caution"), ("Youth Conditional Caution", "youth conditional caution"),
    ("Adult caution (simple)", "adult simple caution"), ("Offender given a caution", "caution"),
    ("Diversionary caution", "adult diversionary caution"), ("Community Caution", "adult community caution"),
    ("Charged", "not a caution"), ("Penalty Notice for Disorder", "not a caution"), ("", "not a caution"),
])
def test_the_wordings_forces_use_are_classified_by_default(release, wording, kind):
    release.write_csv(release_of(f"W1,46,Shoplifting,{wording},01/05/2016", "W2,46,Shoplifting,Caution,01/05/2016"))
    release.write_manifest()
    built(release)
    assert release.query("select classified_as from outcome_values where value = ?", [wording]) == [
        {"classified_as": kind}]


def test_an_outcome_nobody_foresaw_stops_the_build_with_the_lines_to_paste_then_loads_once_mapped(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,01/05/2016",
                                 "W2,46,Shoplifting,Words of advice,01/05/2016",
                                 "W3,46,Shoplifting,Caution declined,02/05/2016",
                                 "W4,46,Shoplifting,Words of advice,03/05/2016"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert "line 3, column 'Outcome': 2 outcome values are neither in the defaults nor under `outcomes:`" in stopped.stderr
    assert "'Words of advice' (2 rows, first on line 3)" in stopped.stderr
    assert "'Caution declined' (1 row, first on line 4)" in stopped.stderr
    assert '      "Words of advice": not a caution' in stopped.stderr

    release.write_manifest(release.rows_entry(extra="""\
        outcomes:
          Words of advice: not a caution
          Caution declined: not a caution
        """))
    built(release)
    assert [r["crime_reference"] for r in release.query("select * from cautions")] == ["W1"]
    assert release.query("select decided_by from outcome_values where value = 'Words of advice'") == [
        {"decided_by": "outcomes: in data/manifest.yml"}]


def test_a_release_with_no_caution_in_it_stops_the_build(release):
    release.write_csv(release_of("W1,46,Shoplifting,Charged,01/05/2016", "W2,46,Shoplifting,Outcome 1,01/05/2016"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert "no row of this release is a caution" in stopped.stderr and "'Charged' (1)" in stopped.stderr


# --- dates ------------------------------------------------------------------------------------

def test_a_date_with_a_time_keeps_the_time_in_its_own_column(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,05/07/2016 14:30",
                                 "W2,46,Shoplifting,Adult simple caution,2016-07-06T09:15:00",
                                 "W3,46,Shoplifting,Adult simple caution,7/7/2016"))
    release.write_manifest()
    result = built(release)
    rows = [(r["outcome_date"], r["outcome_time"]) for r in release.query("select * from cautions order by id")]
    assert rows == [("2016-07-05", "14:30:00"), ("2016-07-06", "09:15:00"), ("2016-07-07", None)]
    forms = {r["value"]: r["form"] for r in release.query("select * from date_values")}
    assert forms == {"05/07/2016 14:30": "dd/mm/yyyy hh:mm", "2016-07-06T09:15:00": "yyyy-mm-dd hh:mm:ss",
                     "7/7/2016": "dd/mm/yyyy"}
    assert "dates (table date_values)" in result.stdout


def test_a_two_digit_year_needs_date_format_and_says_which(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,01-Apr-15",
                                 "W2,46,Shoplifting,Adult simple caution,31-Mar-17"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert "line 2, column 'Outcome Date': '01-Apr-15' is not a date in the form dd/mm/yyyy" in stopped.stderr
    assert 'add `date_format: "%d-%b-%y"`' in stopped.stderr

    release.write_manifest(release.rows_entry(extra='date_format: "%d-%b-%y"\n'))
    built(release)
    assert [r["outcome_date"] for r in release.query("select * from cautions order by id")] == ["2015-04-01", "2017-03-31"]


def test_xlsx_date_times_load(release):
    import datetime
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Crime Reference", "Offence Code", "Outcome", "Outcome Date"])
    sheet.append(["W1", "46", "Adult simple caution", datetime.datetime(2016, 7, 5, 14, 30)])
    sheet.append(["W2", "46", "Adult simple caution", datetime.datetime(2016, 7, 6)])
    book.save(release.folder / "release.xlsx")
    release.write_manifest(release.rows_entry(file="release.xlsx"))
    built(release)
    rows = [(r["outcome_date"], r["outcome_time"]) for r in release.query("select * from cautions order by id")]
    assert rows[0] == ("2016-07-05", "14:30:00") and rows[1][0] == "2016-07-06"


# --- offences ---------------------------------------------------------------------------------

def test_descriptions_alone_find_their_codes_in_the_lookup(release):
    release.write_csv(release_of(
        "W1,Rape of a female aged 16 and over,Adult simple caution,01/05/2016",
        "W2,SEXUAL ASSAULT ON A FEMALE CHILD UNDER 13,Adult simple caution,01/05/2016",
        "W3,Theft by an employee (local term),Adult simple caution,01/05/2016",
        "W4,Theft by an employee (local term),Adult simple caution,02/05/2016",
        header="Crime Reference,Offence Description,Outcome,Outcome Date"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert ("line 4, column 'Offence Description': 1 offence (2 rows) matches no Home Office code in the lookup: "
            "'Theft by an employee (local term)' (2 rows, first on line 4: description not in the lookup)") in stopped.stderr
    assert '    offences:\n      "Theft by an employee (local term)": <code>' in stopped.stderr

    release.write_manifest(release.rows_entry(extra="unmatched_offences: keep\n"))
    result = built(release)
    codes = {r["crime_reference"]: r["offence_code"] for r in release.query("select * from cautions")}
    assert codes["W1"] == "19C"
    assert codes["W2"] == "20/6"  # the detailed code, not the class 20B of the same description
    assert codes["W3"] is None
    how = {r["description_as_given"]: (r["rows"], r["how"]) for r in release.query("select * from offence_matches")}
    assert how["Theft by an employee (local term)"] == (2, "description not in the lookup")
    assert "offence descriptions with no code" in result.stdout and "'Theft by an employee (local term)' (2)" in result.stdout

    release.write_manifest(release.rows_entry(extra="offences:\n  Theft by an employee (local term): '41'\n"))
    built(release)
    assert release.query("select offence_code, offence_group from cautions where crime_reference = 'W3'") == [
        {"offence_code": "41", "offence_group": "Theft offences"}]


def test_a_cell_holding_code_and_description_is_split(release):
    release.write_csv(release_of(
        "W1,092/70 - Possession with intent to supply cocaine,Adult simple caution,01/05/2016",
        "W2,19C Rape of a female aged 16 and over,Adult simple caution,01/05/2016",
        header="Crime Reference,Offence,Outcome,Outcome Date"))
    release.write_manifest()
    built(release)
    rows = {r["crime_reference"]: (r["offence_code"], r["offence_description"]) for r in release.query("select * from cautions")}
    assert rows == {"W1": ("92/70", "Possession with intent to supply cocaine"),
                    "W2": ("19C", "Rape of a female aged 16 and over")}
    assert {r["how"] for r in release.query("select how from offence_matches")} == {"code and description in one cell"}


# --- extra columns ----------------------------------------------------------------------------

def test_columns_the_manifest_does_not_map_are_columns_of_cautions_typed_by_their_values(release):
    release.write_csv(release_of(
        "W1,46,Shoplifting,Adult simple caution,01/05/2016,Wycombe,34,0.75,007",
        "W2,46,Shoplifting,Adult simple caution,01/05/2016,Wycombe,19,-1.5,012",
        "W3,46,Shoplifting,Adult simple caution,01/05/2016,Chiltern,,2,100",
        header="Crime Reference,Offence Code,Offence Description,Outcome,Outcome Date,District,Victim Age,Score,Beat"))
    release.write_manifest()
    result = built(release)
    assert release.query("select district, count(*) as n from cautions group by district order by n desc") == [
        {"district": "Wycombe", "n": 2}, {"district": "Chiltern", "n": 1}]
    types = {r["name"]: r["type"] for r in release.query("select name, type from pragma_table_info('cautions')")}
    assert (types["district"], types["victim_age"], types["score"], types["beat"]) == ("TEXT", "INTEGER", "REAL", "TEXT")
    assert release.query("select victim_age, beat from cautions where crime_reference = 'W3'") == [
        {"victim_age": None, "beat": "100"}]
    assert "'District' as district" in result.stdout


# --- files ------------------------------------------------------------------------------------

def test_utf16_tab_separated_as_excel_saves_unicode_text(release):
    text = release_of("W1\t46\tShoplifting – café\tAdult simple caution\t01/05/2016",
                      header="Crime Reference\tOffence Code\tOffence Description\tOutcome\tOutcome Date")
    release.write_bytes("release.txt", codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"))
    release.write_manifest(release.rows_entry(file="release.txt"))
    built(release)
    assert release.query("select offence_description from cautions") == [{"offence_description": "Shoplifting – café"}]
    assert release.query("select encoding, delimiter from releases") == [{"encoding": "utf-16", "delimiter": "tab"}]


@pytest.mark.parametrize("separator,name", [(";", "semicolon"), ("|", "pipe"), ("\t", "tab")])
def test_semicolon_pipe_and_tab_separated_files_load(release, separator, name):
    cells = ["W1", "46", "Shoplifting, £5 of food", "Adult simple caution", "01/05/2016"]  # a comma inside a cell
    header = ["Crime Reference", "Offence Code", "Offence Description", "Outcome", "Outcome Date"]
    release.write_csv(release_of(separator.join(cells), header=separator.join(header)))
    release.write_manifest()
    built(release)
    assert release.query("select delimiter from releases") == [{"delimiter": name}]
    assert release.query("select offence_description from cautions") == [{"offence_description": "Shoplifting, £5 of food"}]


def test_the_police_uk_street_file_loads_with_no_columns_mapping(release, shared_data):
    """data.police.uk's own export, header on line 1, as it is downloaded: no `columns:` needed."""
    source = shared_data / "police_uk" / "policeuk_2018-06-thames-valley-street.csv"
    (release.folder / source.name).symlink_to(source)
    release.write_manifest(release.rows_entry(file=source.name, extra="period: {from: 2018-06-01, to: 2018-06-30}\n"
                                                                       "unmatched_offences: keep\n"))
    built(release)
    assert release.query("select rows_read, rows_loaded from releases")[0] == {"rows_read": 18188, "rows_loaded": 136}
    bucks = release.query(
        "select count(*) as n from cautions where substr(lsoa_name, 1, length(lsoa_name) - 5) in "
        "('Aylesbury Vale', 'Chiltern', 'South Bucks', 'Wycombe')")[0]["n"]
    assert bucks == 15  # the shared data's README: 15 of the 136 in the four Buckinghamshire districts
    assert release.query("select count(*) as n from cautions where lsoa_name is null")[0]["n"] == 12
    decided = {r["value"]: r["classified_as"] for r in release.query("select * from outcome_values")}
    assert decided["Offender given a caution"] == "caution" and decided["Under investigation"] == "not a caution"
