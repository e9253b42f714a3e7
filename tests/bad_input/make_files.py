"""Write the release files of the corpus that are not plain text you could type.

    .venv/bin/python tests/bad_input/make_files.py

The other files here are typed by hand; these are binary (XLSX, UTF-16, bytes that are no
encoding's text) or too big to read (one cell of 200,000 characters). The files are kept
in the repository; run this only to remake them.
"""
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
GOOD = (HERE / "good.csv").read_text(encoding="utf-8")
HEADER, *ROWS = GOOD.splitlines()


def main():
    (HERE / "empty.csv").write_bytes(b"")
    # 0x81 and 0x8D are undefined in Windows-1252 and cannot start a UTF-8 character.
    (HERE / "undecodable_bytes.csv").write_bytes(
        "\n".join([HEADER, ROWS[0], ""]).encode() + b"TV2,092/70,Shopl\x81\x8dting,Youth caution,02/06/2016,10-17\n"
        + (ROWS[2] + "\n").encode())
    (HERE / "utf16.csv").write_bytes(GOOD.encode("utf-16"))  # with a byte-order mark, as Excel writes it
    (HERE / "utf16_no_bom.csv").write_bytes(GOOD.encode("utf-16-le"))
    huge = "x" * 200_000
    (HERE / "huge_field.csv").write_text(
        "\n".join([HEADER, ROWS[0], f"TV2,092/70,{huge},Youth caution,02/06/2016,10-17", ROWS[2], ""]))
    # A cell over the CSV reader's field limit (1,000,000 characters), with a bad byte after it.
    (HERE / "field_over_the_limit.csv").write_bytes(
        "\n".join([HEADER, ROWS[0], f"TV2,092/70,\"{'x' * 1_000_001}\",Youth caution,02/06/2016,10-17", ""]).encode()
        + b"TV3,46,Shopl\x81\x8dting,Adult conditional caution,03/07/2016,18 and over\n")
    # UTF-8 text (Caf\u00e9) with one byte that is not: 0x92, Windows-1252's apostrophe, pasted in.
    (HERE / "utf8_with_a_stray_byte.csv").write_bytes(
        "\n".join([HEADER, "TV1,019/08,Rape of a female aged 16 or over,Adult simple caution,01/05/2015,Café", ""]).encode()
        + b"TV2,092/70,Possession with intent to supply cocaine,Youth caution,02/06/2016,10\x9217\n" + (ROWS[2] + "\n").encode())
    # A NUL byte inside a header.
    (HERE / "nul_in_header.csv").write_bytes(GOOD.replace("Offence Description", "Offence\x00Description").encode())
    # The first bytes of an Excel 97-2003 workbook (its signature), and none of the workbook.
    (HERE / "old_excel.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    # The start of a PDF: the build refuses it by its name before reading a byte.
    (HERE / "release.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    book, sheet = release_workbook("FOI 2017-123")
    book.create_sheet("Notes").append(["Figures extracted 20/04/2017"])
    book.save(HERE / "wrong_sheet.xlsx")
    hidden_content()


def release_workbook(title):
    """A workbook whose first sheet, called `title`, holds the good release."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(HEADER.split(","))
    for row in ROWS:
        sheet.append(row.split(","))
    return book, sheet


def hidden_content():
    """Spreadsheets that hide something (issue 18): a hidden sheet, a hidden row."""
    book, sheet = release_workbook("Cautions")
    staff = book.create_sheet("Staff")
    for name, collar in [("Surname", "Collar number"), ("Hughes", "PC 4411"), ("Khan", "PC 4412")]:
        staff.append([name, collar])
    staff.sheet_state = "hidden"
    book.properties.creator = "make_files.py"
    book.save(HERE / "hidden_sheet.xlsx")
    book, sheet = release_workbook("Cautions")
    sheet.row_dimensions[3].hidden = True
    book.properties.creator = "make_files.py"
    book.save(HERE / "hidden_row.xlsx")


if __name__ == "__main__":
    main()
