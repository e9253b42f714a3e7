"""Write docs/bad-input.md from the corpus, by running build.py on every case.

    .venv/bin/python tests/bad_input/make_table.py

Run it after changing cases.yml or a message in build.py or foi/, so the page stays true.
"""
import re
import sys
import tempfile
from pathlib import Path

from corpus import CASES, ROOT, run_build, write_case

OUT = ROOT / "docs" / "bad-input.md"

INTRO = """\
# Bad input: what the build says

Every release and manifest below is wrong in one way. For each, `python build.py` stops
and prints a message like this, on standard error:

    Build stopped; cautions.db was not changed.
    data/date_us_style.csv, line 3, column 'Outcome Date': '12/25/2016' is not a real date (it looks like month/day/year; UK releases use day/month/year)
      What to do: write the date as dd/mm/yyyy

The message names the file, the line (and the column, where there is one), what is wrong,
and what to do. The exit status is 1, there is no traceback, and the database you already
had is left exactly as it was: the build writes a temporary file beside it and puts it in
place only when everything has loaded.

The cases marked *(loads)* are quirks that look like faults but are not, such as a count
withheld as `*`: those load, with exit status 0, and the table shows the build's summary.

This page is made from the test corpus, `tests/bad_input/cases.yml`, by
`tests/bad_input/make_table.py`; `tests/test_bad_input.py` checks every case.
Do not edit it by hand.

| Fault | What the journalist sees | What to do | Exit status |
|---|---|---|---|
"""


def cell(text):
    return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;").replace("\n", " ")


def message(case, folder):
    """Exit status, the first line of what build.py says about this case (the temporary folder
    named data/), and what it says to do."""
    write_case(folder, case)
    result = run_build(folder)
    if result.returncode == 0:
        summary = next(line.strip() for line in result.stdout.splitlines() if "rows into" in line)
        return result.returncode, summary, "nothing: it loads"
    lines = result.stderr.replace(str(folder), "data").splitlines()
    problem = lines[1] if lines[0].startswith("Build stopped") and len(lines) > 1 else lines[0]
    fix = next((re.sub(r"^\s*What to do: ", "", line) for line in lines if "What to do:" in line), "")
    return result.returncode, problem, fix


def main():
    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            status, seen, fix = message(case, Path(folder))
        loads = " *(loads)*" if "loads" in case else ""
        fault = re.sub(r"^\(not a fault\) ", "", case["fault"])
        rows.append(f"| **{cell(case['name'])}**{loads}: {cell(fault)} | {cell(seen)} | {cell(fix)} | {status} |\n")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(INTRO + "".join(rows), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
