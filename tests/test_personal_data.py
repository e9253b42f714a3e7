"""Each personal-data pattern (foi/personal_data.py) with values it must find and values it must not:
offence descriptions, area names, dates, codes and references as releases carry them. And the masking:
no report prints a value in full. And zero findings on the shipped sample and on police.uk's file."""
import csv
from collections import Counter

import pytest

from foi import disclosure, hidden, personal_data

FOUND = {
    "email": ["j.smith@example.com", "contact: PC.Jones@thamesvalley.police.uk today", "a_b+c@x.co.uk"],
    "phone": ["07700 900123", "07700900123", "tel 07700-900-123", "+44 7700 900123", "+44 (0)7700 900123",
              "01865 555 123", "0118 496 0000", "020 7946 0000", "(01296) 396000"],
    "postcode": ["HP21 7QS", "OX1 1PT", "RG1 1AA", "SW1A 1AA", "mk9 2hh", "EC1A 1BB", "M1 1AE", "B33 8TH",
                 "GIR 0AA", "lives at HP217QS now"],
    "ni_number": ["AB 12 34 56 C", "AB123456C", "NI number JZ 98 76 54 A"],
    "date_of_birth": ["DOB 03/04/1990", "D.O.B. 3/4/90", "born 3rd April 1990", "Date of birth: 1990-04-03",
                      "born on 03.04.1990"],
    "vehicle": ["AB12 CDE", "car AB12CDE seen", "A123 BCD", "ABC 123D", "driving K345 LMN"],
    "address": ["12 Acacia Avenue", "12A Long Lane", "3, Church Street", "221 Baker Street", "7 Queen's Road",
                "flat at 14 St Mary's Close"],
    "name": ["Mr John Smith", "Mrs Patel", "Dr. K. Patel", "Miss J. Brown", "Ms O'Brien", "John Smith",
             "Sarah Jane Brown", "victim David A. Jones", "Mark Wood"],
}
NOT_FOUND = [
    "Harassment (S2 PHA 1997)", "Wounding with intent S18 GBH", "Assault S47 ABH",  # sections of Acts, not plates
    # offence descriptions, as the lookup and releases word them
    "Possession with intent to supply a controlled drug - Class A - Cocaine",
    "Sexual assault on a female child under 13",
    "Rape of a female aged 16 or over",
    "Having possession of a controlled drug - Class B - Cannabis and cannabis resin",
    "Possession of firearms with intent to endanger life - Group I",
    "Section 18 - wounding with intent to do grievous bodily harm",
    "Theft from the person of another", "Shoplifting, £5 of food",
    # places, areas and locations
    "Milton Keynes", "Aylesbury Vale", "Aylesbury Vale 001A", "South Bucks", "Wycombe 012A", "Vale of White Horse",
    "Windsor and Maidenhead", "On or near Willow Drive", "On or near John Smith Drive", "On or near Stanley Hill",
    "On or near Parking Area", "Thames Valley Police", "Buckinghamshire",
    # codes, references, dates, numbers
    "092/70", "019/08", "46", "E01017648", "SAMPLE-43-15-000001", "TV1", "01/04/2015", "2015-04-01", "-0.970400",
    "51.993385", "3f6206faef625d557e3fdf2221341c537a7495fbf85834c8f4ee044d64b85ccd", "2016/17", "10-17",
    "18 and over", "Outcome 3", "Adult simple caution", "0.5", "1234567", "Q1 2016", "12 cautions",
    "Class A", "PWITS Class A", "Outcome 2 - Youth caution", "Offender given a caution",
]


@pytest.mark.parametrize("kind,value", [(k, v) for k, values in FOUND.items() for v in values])
def test_each_pattern_finds_its_kind(kind, value):
    assert kind in personal_data.kinds_in(value), (value, personal_data.find(value))


@pytest.mark.parametrize("value", NOT_FOUND)
def test_offences_places_codes_and_dates_are_not_personal_data(value):
    assert personal_data.find(value) == []


def test_a_phone_number_needs_ten_or_eleven_digits():
    assert not personal_data.kinds_in("0770 090")
    assert not personal_data.kinds_in("077009001234567")


@pytest.mark.parametrize("value,masked", [
    ("Offender Mr John Smith, tel 07700 900123, DOB 03/04/1990",
     "Offender Mr J*** S****, tel 077** ******, DOB **/**/****"),
    ("12 Acacia Avenue, Aylesbury HP21 7QS", "** A***** A*****, Aylesbury H*** ***"),
    ("j.smith@example.com", "j.s****@e******.c**"),
    ("AB 12 34 56 C", "A* ** ** ** C"),
])
def test_a_value_is_masked_never_shown_whole(value, masked):
    assert personal_data.mask(value) == masked


def test_the_names_list_ships_with_its_source():
    forenames, surnames = personal_data.common_names()
    assert len(forenames) == 364 and len(surnames) == 500
    assert {"John", "Sarah"} <= forenames and {"Smith", "Patel"} <= surnames
    assert (personal_data.NAMES_FILE.parent / "common_names.LICENSE.txt").exists()


def test_a_column_named_date_of_birth_is_a_finding_whatever_it_holds():
    assert disclosure.scan("Offender DOB", ["03/04/1990"]) == {"date_of_birth": ["03/04/1990"]}
    assert disclosure.scan("Outcome Date", ["03/04/1990"]) == {}


def test_a_column_of_sentences_is_free_text_and_a_repeated_description_is_not():
    sentences = ["The offender was seen leaving the shop with two bottles of whisky",
                 "Victim says the man had been drinking at the pub before the assault happened",
                 "Caution given at the station after interview with the duty solicitor present"]
    assert "free_text" in disclosure.scan("Notes", sentences)
    descriptions = {"Possession with intent to supply a controlled drug - Class A - Cocaine": 40,
                    "Having possession of a controlled drug - Class B - Cannabis and cannabis resin": 300,
                    "Shoplifting": 900}
    assert "free_text" not in disclosure.scan("Offence", list(descriptions), rows=descriptions)


def test_no_finding_in_the_sample_or_police_uk(shared_data):
    """False positives: zero on every distinct value of the shipped sample and of police.uk's street file."""
    from conftest import ROOT
    for path in [ROOT / "data/sample/tvp_cautions_2015-04_2017-03_SAMPLE.csv",
                 shared_data / "police_uk/policeuk_2018-06-thames-valley-street.csv",
                 ROOT / "data/reference/offence_codes.csv"]:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header = next(i for i, r in enumerate(rows) if sum(1 for c in r if c) >= 3)
        data = [r for r in rows[header + 1:] if len(r) == len(rows[header]) and any(r[1:])]
        for column in zip(rows[header], *data):
            counts = Counter(column[1:])
            assert disclosure.scan(column[0], sorted(counts), rows=counts) == {}, (path.name, column[0])


def test_ods_hidden_sheets_rows_columns_notes_and_creator_are_read_from_its_xml(tmp_path):
    import zipfile
    content = """<?xml version="1.0"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:automatic-styles><style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles>
<office:body><office:spreadsheet>
<table:table table:name="Data"><table:table-column table:number-columns-repeated="2"/><table:table-column table:visibility="collapse"/>
<table:table-row><table:table-cell><text:p>a</text:p></table:table-cell></table:table-row>
<table:table-row table:visibility="collapse"><table:table-cell><text:p>b</text:p><office:annotation><text:p>note</text:p></office:annotation></table:table-cell></table:table-row>
</table:table>
<table:table table:name="Staff" table:style-name="ta2"><table:table-row><table:table-cell><text:p>Smith</text:p></table:table-cell><table:table-cell><text:p>PC1</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"""
    meta = """<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta><meta:initial-creator>Jo Bloggs</meta:initial-creator></office:meta></office:document-meta>"""
    with zipfile.ZipFile(tmp_path / "release.ods", "w") as z:
        z.writestr("content.xml", content)
        z.writestr("meta.xml", meta)
    found = hidden.spreadsheet(tmp_path / "release.ods")
    assert found.sheet == "Data" and found.hidden_rows == {2} and found.hidden_columns == {2}
    assert [(h.name, h.rows, h.columns) for h in found.sheets] == [("Staff", 1, 2)]
    assert found.comments == {"Data": 1} and found.people == {"initial-creator": "Jo Bloggs"}
    details = [f.detail for f in disclosure.hidden_findings(found)]
    assert "the file's properties name its author (J* B*****)" in details


def test_an_old_excel_files_hidden_sheets_come_from_python_calamine(tmp_path):
    """.xls is not a zip of XML: python-calamine (the `reader` branch's reader) says which sheets are hidden.
    Shown here on an XLSX, which calamine reads the same way."""
    pytest.importorskip("python_calamine")
    import shutil
    from conftest import ROOT
    shutil.copyfile(ROOT / "tests/bad_input/hidden_sheet.xlsx", tmp_path / "book.xlsx")
    found = hidden.old_excel(tmp_path / "book.xlsx")
    assert found.sheet == "Cautions" and [(h.name, h.state, h.rows, h.columns) for h in found.sheets] == [
        ("Staff", "hidden", 3, 2)]


def test_xlsx_rows_of_no_height_columns_of_no_width_pivot_caches_and_embedded_files(tmp_path):
    """Hidden all the same: a row of height 0, a column of width 0; and data a workbook carries besides its
    sheets (a pivot table's copy of its source rows, kept even when the source sheet is deleted)."""
    import zipfile
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook {main} {rel}><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
                                      '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {main}><cols><col min="3" max="4" width="0" '
                   'customWidth="1"/></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
                   '<row r="2" ht="0" customHeight="1"><c r="A2"><v>2</v></c></row></sheetData></worksheet>')
        z.writestr("xl/pivotCache/pivotCacheRecords1.xml", "<pivotCacheRecords/>")
        z.writestr("xl/embeddings/oleObject1.bin", b"\x00")
    found = hidden.spreadsheet(tmp_path / "book.xlsx")
    assert found.sheet == "Data" and found.hidden_rows == {2} and found.hidden_columns == {2, 3}
    assert found.stored == {"pivot_cache": 1, "embedded": 1}
    assert [f.detail for f in disclosure.hidden_findings(found)] == [
        "row 2 of sheet 'Data' is hidden", "columns C-D of sheet 'Data' are hidden",
        "the workbook holds 1 pivot cache", "the workbook holds 1 embedded file"]
