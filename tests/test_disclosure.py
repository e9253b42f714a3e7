"""Nothing personal goes out (issue 18): the disclosure check between the force's file and the site.

The issue's case, whole: the sample release as a spreadsheet with a free-text Notes column naming an
offender with his phone number and date of birth on a few rows, a Location column with a home
address and postcode on a few rows, and a hidden sheet Staff of 500 surnames with collar numbers and
"Covert surveillance". The build refuses it, naming Notes, Location and Staff, and prints no value in
full; with `withhold: [Notes, Location]` and `hidden: checked` it builds with the story's seven
figures, and none of those values is in the database file, in site/, or in the server's JSON and CSV.
"""
import asyncio
import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys

from pathlib import Path

import openpyxl
import pytest
import yaml
from datasette.app import Datasette

import static_site
from conftest import ROOT
from site_fixtures import inspect_file, serve_settings, site_metadata
from site_metadata import metadata_without_story_tables

NOTE = "Offender Mr John Smith, tel 07700 900123, DOB 03/04/1990"
ADDRESS = "12 Acacia Avenue, Aylesbury HP21 7QS"
NOTE_ROWS, ADDRESS_ROWS = (5, 9, 14, 40, 41), (6, 9, 200)   # data rows (from 1) carrying them
SECRETS = ["John Smith", "Smith, tel", "07700 900123", "900123", "03/04/1990", "Acacia", "HP21 7QS",
           "Covert surveillance", "Covert"]
SAMPLE = yaml.safe_load((ROOT / "data/manifest.yml").read_text())["releases"][0]


def collar(i):
    return f"PC{7301 + i}X"


def write_release(path, hidden_rows=(), hidden_columns=False):
    """The sample's rows as the sheet "Cautions" (+ Notes, Location), and the hidden sheet "Staff"."""
    from foi.personal_data import common_names
    surnames = sorted(common_names()[1])[:500]
    with open(ROOT / "data" / SAMPLE["file"], encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    header_at = next(i for i, row in enumerate(lines) if row and row[0] == "Crime Reference")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cautions"
    for i, row in enumerate(lines):
        n = i - header_at  # the data row's number
        if i == header_at:
            row = row + ["Notes", "Location"]
        elif n > 0 and row and row[0]:
            row = row + [NOTE if n in NOTE_ROWS else "", ADDRESS if n in ADDRESS_ROWS else ""]
        sheet.append(row)
    for n in hidden_rows:
        sheet.row_dimensions[n].hidden = True
    if hidden_columns:
        sheet.column_dimensions["H"].hidden = True
    staff = book.create_sheet("Staff")
    staff.append(["Surname", "Collar number", "Unit"])
    for i, name in enumerate(surnames):
        staff.append([name, collar(i), "Covert surveillance" if i % 7 == 0 else "Response"])
    staff.sheet_state = "hidden"
    book.properties.creator = "data/sample/generate_sample.py"
    book.save(path)
    return surnames


@pytest.fixture(scope="module")
def issue_case(tmp_path_factory):
    """data/ with the issue's spreadsheet in place of the sample CSV."""
    folder = tmp_path_factory.mktemp("issue18")
    data = folder / "data"
    shutil.copytree(ROOT / "data", data)
    xlsx = data / "sample" / "release_with_personal_data.xlsx"
    surnames = write_release(xlsx)
    manifest = (data / "manifest.yml").read_text()
    manifest = manifest.replace(f"file: {SAMPLE['file']}", f"file: sample/{xlsx.name}\n    sheet: Cautions")
    (data / "manifest.yml").write_text(manifest)
    return folder, data, manifest, surnames


def build(data, output, *extra):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--manifest", str(data / "manifest.yml"),
                           "--output", str(output), "--quiet", *extra], capture_output=True, text=True, cwd=ROOT)


def test_the_release_is_refused_naming_notes_location_and_staff_and_printing_no_value_whole(issue_case):
    folder, data, manifest, surnames = issue_case
    output = folder / "refused.db"
    output.write_bytes(b"the previous database")

    result = build(data, output, "--strict")

    assert result.returncode == 1, result.stdout
    message = result.stderr
    assert "Traceback" not in message
    assert "column 'Notes': person's name, 5 rows (lines " in message
    assert "column 'Notes': UK phone number, 5 rows" in message
    assert "column 'Notes': date of birth, 5 rows" in message
    assert "column 'Location': house number and street, 3 rows" in message
    assert "column 'Location': full UK postcode, 3 rows" in message
    assert "sheet 'Staff' is hidden, 501 rows and 3 columns" in message
    assert "Offender Mr J*** S****, tel 077** ******, DOB **/**/****" in message  # masked
    for secret in SECRETS + [collar(0)]:
        assert secret not in message, secret
    assert "withhold: [Notes, Location]" in message and "hidden: checked" in message  # the lines to paste
    assert output.read_bytes() == b"the previous database"
    assert not list(folder.glob(".refused.db*"))


@pytest.fixture(scope="module")
def withheld_build(issue_case):
    folder, data, manifest, surnames = issue_case
    decided = manifest.replace("    sheet: Cautions", "    sheet: Cautions\n    withhold: [Notes, Location]\n"
                                                      "    hidden: checked", 1)
    (data / "manifest.yml").write_text(decided)
    output = folder / "cautions.db"
    result = build(data, output, "--strict")
    assert result.returncode == 0, result.stderr
    return output, surnames


def secrets_for(db_bytes_clean, surnames):
    """The values that must not be anywhere: the issue's, each collar number, and every staff surname
    that the sample's own database does not hold anyway (such as 'Green' in an offence)."""
    names = [s for s in surnames if s.encode() not in db_bytes_clean]
    return SECRETS + [collar(i) for i in range(500)] + names


def test_with_withhold_and_hidden_checked_it_builds_with_the_seven_figures(withheld_build, sample_db):
    output, _ = withheld_build
    db = sqlite3.connect(output)
    figures = db.execute("select query, label, published_value, computed_value, matches from headline_figures").fetchall()
    assert figures and all(f[4] for f in figures), figures
    assert len({f[0] for f in figures}) == 7
    assert db.execute("select count(*) from cautions").fetchone() == sqlite3.connect(sample_db).execute(
        "select count(*) from cautions").fetchone()
    decided = db.execute("select column_name, finding, rows, decision from disclosure "
                         "where release_id = 'tvp-cautions-sample' order by rowid").fetchall()
    assert ("Notes", "person's name", 5, "withheld: never loaded") in decided
    assert ("Location", "full UK postcode", 3, "withheld: never loaded") in decided
    assert (None, "hidden sheet", 501, "hidden: checked; not loaded") in decided
    summary = db.execute("select disclosure from releases where id = 'tvp-cautions-sample'").fetchone()[0]
    assert summary.startswith("withheld: Notes, Location; hidden content checked and not loaded: sheet 'Staff'")
    columns = [r[1] for r in db.execute("pragma table_info(cautions)")]
    assert "notes" not in columns and "location" not in columns


def test_no_withheld_or_hidden_value_is_in_the_database_file(withheld_build, sample_db):
    output, surnames = withheld_build
    data = output.read_bytes()  # every page, free ones included
    for secret in secrets_for(sample_db.read_bytes(), surnames):
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data, secret


def test_no_withheld_or_hidden_value_is_in_the_static_site(withheld_build, sample_db, tmp_path):
    output, surnames = withheld_build
    site = tmp_path / "site"
    asyncio.run(static_site.publish(output, site, inspect_file(output), quiet=True))
    # words every site has ("Page", "Power") are not the staff's names: those of the pages' frame are left out
    import datasette
    import datasette_vega
    frame = b"".join(p.read_bytes() for folder in (ROOT / "templates", ROOT / "static", ROOT / "plugins",
                                                   Path(datasette.__file__).parent, Path(datasette_vega.__file__).parent)
                     for p in folder.rglob("*") if p.is_file())
    secrets = [s.encode() for s in secrets_for(sample_db.read_bytes() + frame, surnames)]
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        found = [s for s in secrets if s in data]
        assert not found, (path, found)


def test_no_withheld_or_hidden_value_is_in_the_servers_json_or_csv(withheld_build, sample_db):
    output, surnames = withheld_build
    ds = Datasette(immutables=[str(output)], inspect_data=json.loads(inspect_file(output).read_text()),
                   metadata=site_metadata(), template_dir=str(ROOT / "templates"),
                   settings=serve_settings())
    secrets = secrets_for(sample_db.read_bytes(), surnames)
    tables = [r[0] for r in sqlite3.connect(output).execute(
        "select name from sqlite_master where type in ('table', 'view') and name not like '%fts%' "
        "and name not like 'sqlite_%'")]

    async def fetch_all():
        bodies = []
        for table in tables:
            for fmt in ("json", "csv"):
                response = await ds.client.get(f"/cautions/{table}.{fmt}?_size=max" + ("&_stream=on" if fmt == "csv" else ""))
                assert response.status_code == 200, (table, fmt)
                bodies.append((table, fmt, response.text))
        for search in ("Smith", "Acacia", "Covert", "07700"):  # full-text search finds nothing
            response = await ds.client.get(f"/cautions/search_cautions.json?q={search}&_shape=array")
            assert response.json() == [], search
        return bodies

    for table, fmt, body in asyncio.run(fetch_all()):
        found = [s for s in secrets if s in body]
        assert not found, (table, fmt, found[:5])


def test_hidden_rows_and_columns_of_the_sheet_read_are_refused_then_never_loaded(tmp_path):
    """A hidden row (a crime) and a hidden column of the sheet read: named (rows and columns, not their
    values); with `hidden: checked` the row is not loaded and the column is not a column of cautions."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Officer"])
    sheet.append(["TV1", "46", "Shoplifting", "Adult simple caution", "01/05/2015", "ok"])
    sheet.append(["TV2", "46", "Shoplifting", "Adult simple caution", "02/05/2015", "PC Hidden 4411"])
    sheet.append(["TVSECRET", "46", "Shoplifting", "Adult simple caution", "03/05/2015", "ok"])
    sheet.row_dimensions[4].hidden = True
    sheet.column_dimensions["F"].hidden = True
    book.save(tmp_path / "release.xlsx")
    entry = ("  - {id: hidden-rows, kind: rows, file: release.xlsx, title: T, authority: A, "
             "source_url: 'https://example.org/foi', licence: test, is_sample: true, answered: 2017-04-20%s}\n")
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\nreleases:\n" + entry % "")

    result = build(tmp_path, tmp_path / "cautions.db", "--metadata", str(metadata_without_story_tables(tmp_path)))
    assert result.returncode == 1
    assert "row 4 of sheet 'Data' is hidden (hidden rows): never loaded" in result.stderr
    assert "column F of sheet 'Data' is hidden (hidden columns): never loaded" in result.stderr
    assert "TVSECRET" not in result.stderr and "4411" not in result.stderr

    manifest.write_text(manifest.read_text().replace("2017-04-20}", "2017-04-20, hidden: checked}"))
    result = build(tmp_path, tmp_path / "cautions.db", "--metadata", str(metadata_without_story_tables(tmp_path)))
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "cautions.db").read_bytes()
    assert b"TVSECRET" not in data and b"4411" not in data
    db = sqlite3.connect(tmp_path / "cautions.db")
    assert db.execute("select crime_reference from cautions order by 1").fetchall() == [("TV1",), ("TV2",)]
    assert db.execute("select blank_rows from releases").fetchone() == (0,)


def test_a_hidden_sheet_named_by_sheet_is_refused_and_the_first_visible_sheet_is_read_by_default(tmp_path):
    book = openpyxl.Workbook()
    secret = book.active
    secret.title = "Secret"
    secret.append(["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date"])
    secret.append(["TVHIDDEN", "46", "Shoplifting", "Adult simple caution", "01/05/2015"])
    secret.sheet_state = "veryHidden"
    shown = book.create_sheet("Shown")
    shown.append(["Crime Reference", "HO Offence Code", "Offence Description", "Outcome", "Outcome Date"])
    shown.append(["TV1", "46", "Shoplifting", "Adult simple caution", "01/05/2015"])
    book.active = 1
    book.save(tmp_path / "release.xlsx")
    entry = ("  - {id: hidden-sheet, kind: rows, file: release.xlsx, title: T, authority: A, hidden: checked, "
             "source_url: 'https://example.org/foi', licence: test, is_sample: true, answered: 2017-04-20%s}\n")
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\nreleases:\n"
                        + entry % ", sheet: Secret")
    result = build(tmp_path, tmp_path / "cautions.db", "--metadata", str(metadata_without_story_tables(tmp_path)))
    assert result.returncode == 1
    assert "sheet 'Secret' is very hidden in the spreadsheet, and hidden content is never loaded" in result.stderr
    assert "set `sheet:` to it ('Shown')" in result.stderr

    manifest.write_text(manifest.read_text().replace(", sheet: Secret", ""))
    result = build(tmp_path, tmp_path / "cautions.db", "--metadata", str(metadata_without_story_tables(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert b"TVHIDDEN" not in (tmp_path / "cautions.db").read_bytes()


def test_describe_shows_the_findings_masked_and_proposes_the_lines_commented(issue_case):
    folder, data, manifest, _ = issue_case
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "describe",
                             str(data / "sample" / "release_with_personal_data.xlsx"), "--sheet", "Cautions"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "# DISCLOSURE: column 'Notes': person's name, 5 rows" in out
    assert "# DISCLOSURE: sheet 'Staff' is hidden, 501 rows and 3 columns" in out
    assert re.search(r"^    # withhold: \[Notes, Location\]", out, re.M), out
    assert re.search(r"^    # hidden: checked", out, re.M), out
    for secret in SECRETS:
        assert secret not in out, secret


# --- small numbers that identify ------------------------------------------------------------------

ROWS_WITH_DISTRICT = """\
Crime Reference,HO Offence Code,Offence Description,Outcome,Outcome Date,Offender Age Group,District
TV1,019/08,Rape of a female aged 16 or over,Adult simple caution,01/05/2015,18 and over,Wycombe
TV2,46,Shoplifting,Adult simple caution,02/05/2015,18 and over,Wycombe
TV3,46,Shoplifting,Adult simple caution,02/05/2015,18 and over,Wycombe
TV4,020/01,Sexual assault on a female aged 13 and over,Youth caution,03/05/2015,10-17,Chiltern
TV5,46,Shoplifting,Youth caution,03/05/2015,10-17,Chiltern
"""


def test_a_sexual_offence_alone_in_its_date_area_and_age_group_is_published_with_the_month_and_no_area(release):
    """TV1 (a rape caution, the only caution in Wycombe that day for an adult) would identify: by default it is
    published with its month and no district, and its date is nowhere in the database; TV4 shares its date,
    district and age group with TV5, so it stays as released."""
    release.write_csv(ROWS_WITH_DISTRICT)
    release.write_manifest()
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert release.query("select crime_reference, outcome_date, financial_year, district from cautions order by id") == [
        {"crime_reference": "TV1", "outcome_date": "2015-05", "financial_year": "2015/16", "district": None},
        {"crime_reference": "TV2", "outcome_date": "2015-05-02", "financial_year": "2015/16", "district": "Wycombe"},
        {"crime_reference": "TV3", "outcome_date": "2015-05-02", "financial_year": "2015/16", "district": "Wycombe"},
        {"crime_reference": "TV4", "outcome_date": "2015-05-03", "financial_year": "2015/16", "district": "Chiltern"},
        {"crime_reference": "TV5", "outcome_date": "2015-05-03", "financial_year": "2015/16", "district": "Chiltern"}]
    assert release.query("select finding, rows, decision from disclosure") == [
        {"finding": "a sexual offence identifiable by its small number", "rows": 1,
         "decision": "coarsened (the default): the month for the date, District left out"}]
    assert b"01/05/2015" not in release.output.read_bytes() and b"2015-05-01" not in release.output.read_bytes()
    assert release.query("select value, rows from date_values order by value")[0] == {"value": "02/05/2015", "rows": 2}

    release.write_manifest(release.rows_entry(extra="""\
        reviewed:
          - {column: District, finding: small_numbers, by: Jo Bloggs, on: 2017-05-02, note: the victim's family agreed}
        """))
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert release.query("select outcome_date, district from cautions where crime_reference = 'TV1'") == [
        {"outcome_date": "2015-05-01", "district": "Wycombe"}]
    assert release.query("select decision, decided_by from disclosure") == [
        {"decision": "reviewed: published", "decided_by": "Jo Bloggs"}]

    release.write_manifest(release.rows_entry(extra="withhold: [District]\n"))
    result = release.build()
    assert result.returncode == 0, result.stderr  # no area: force level, nothing to coarsen
    assert release.query("select outcome_date from cautions where crime_reference = 'TV1'") == [
        {"outcome_date": "2015-05-01"}]
    assert b"Chiltern" not in release.output.read_bytes()


def test_a_count_of_one_or_two_for_a_sexual_offence_in_a_district_is_reported(release):
    release.write_csv("District,Offence,Cautions\nWycombe,Rape,2\nWycombe,Shoplifting,40\nThames Valley,Rape,12\n",
                      name="counts.csv")
    release.write_manifest(release.counts_entry().replace("Test Police", "Thames Valley Police"))
    result = release.build()
    assert result.returncode == 1
    assert "column 'District': a sexual offence identifiable by its small number, 1 row (lines 2)" in result.stderr
    release.write_csv("District,Offence,Cautions\nWycombe,Rape,5\nThames Valley,Rape,2\n", name="counts.csv")
    assert release.build().returncode == 0  # force level, or more than 2


def test_a_name_in_a_note_row_is_a_finding_and_withholding_the_notes_drops_them(release):
    release.write_csv("Prepared by Sarah Jones, FOI officer, 07700 900789\n"
                      "Crime Reference,HO Offence Code,Offence Description,Outcome,Outcome Date\n"
                      "TV1,46,Shoplifting,Adult simple caution,01/05/2015\n")
    release.write_manifest()
    result = release.build()
    assert result.returncode == 1
    assert "column 'title and note rows': UK phone number, 1 row" in result.stderr
    assert "Sarah Jones" not in result.stderr and "900789" not in result.stderr
    release.write_manifest(release.rows_entry(extra="withhold: [title and note rows]\n"))
    assert release.build().returncode == 0
    assert release.query("select notes from releases") == [{"notes": None}]
    assert b"Sarah" not in release.output.read_bytes()


def test_the_decisions_are_shown_beside_the_release_on_the_home_page_and_its_own_page(withheld_build):
    output, _ = withheld_build
    ds = Datasette(immutables=[str(output)], inspect_data=json.loads(inspect_file(output).read_text()),
                   metadata=site_metadata(), template_dir=str(ROOT / "templates"),
                   settings=serve_settings())

    async def pages():
        return [(await ds.client.get(path)).text for path in
                ("/", "/cautions/releases/tvp-cautions-sample", "/cautions/disclosure?release_id=tvp-cautions-sample")]

    home, release_page, table = asyncio.run(pages())
    assert "Disclosure check (personal data, hidden content): withheld: Notes, Location; hidden content checked" in home
    assert "withheld: Notes, Location" in release_page and "disclosure" in release_page
    assert "hidden: checked; not loaded" in table and "person&#39;s name" in table
