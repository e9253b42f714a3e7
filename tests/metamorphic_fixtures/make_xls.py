"""Writes tvp_cautions_SAMPLE.xls.gz: the sample release as an Excel 97-2003 workbook, for the
metamorphic case `xls_97_2003_workbook` (tests/metamorphic.py).

Nothing in the project writes .xls (only old Excel, LibreOffice or xlwt can), so the file is
committed, gzipped (1 MB as .xls, 0.1 MB gzipped; the test unzips it). To make it again, in a throwaway virtual environment (not the project's):

    python3 -m venv /tmp/xls && /tmp/xls/bin/pip install xlwt==1.3.0
    /tmp/xls/bin/python tests/metamorphic_fixtures/make_xls.py

The same cells as the sample CSV, on a sheet called 'Cautions': the title and blank rows, the
header, the 7,982 rows (every cell text but Outcome Date, a date cell shown dd/mm/yyyy), a blank
row and the note.
"""
import csv
import gzip
import io
import datetime
from pathlib import Path

import xlwt

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent.parent / "data" / "sample" / "tvp_cautions_2015-04_2017-03_SAMPLE.csv"


def main():
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Cautions")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    date_column = None
    for r, cells in enumerate(lines):
        if cells[:1] == ["Crime Reference"]:
            date_column = cells.index("Outcome Date")
        for c, value in enumerate(cells):
            if not value:
                continue
            if c == date_column and r and lines[r][0] != "Crime Reference" and value[2:3] == "/":
                sheet.write(r, c, datetime.datetime.strptime(value, "%d/%m/%Y"), date_style)
            else:
                sheet.write(r, c, value)
    data = io.BytesIO()
    book.save(data)
    with gzip.GzipFile(HERE / "tvp_cautions_SAMPLE.xls.gz", "wb", mtime=0) as out:  # the same bytes each time
        out.write(data.getvalue())


if __name__ == "__main__":
    main()
