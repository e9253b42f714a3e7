"""No release can crash the build: thousands of mutated releases, each read or refused cleanly.

A seeded mutator takes good releases (row-level and counts) and breaks them the ways files break:
bytes flipped, inserted or cut (quotes, commas, NUL, CR, bytes that are no encoding's text), lines
repeated, swapped or cut short, cells blown up. Each mutant goes through the release reader
(read.open_release, then rows.stage and cautions_table.insert, or counts.load) and must either load or stop
with a ReleaseError: never any other exception. Some go through the whole build beside a good
database, which must come out byte for byte as it was.

A second mutator works on cells, not bytes: it reads a good release as a table and changes one to
four cells the ways a person or a spreadsheet changes them (a value with a space or a no-break space
around it, in capitals, a suppression marker, an Excel serial or an error value, an outcome or a
date or a code written some other way, a cell copied from another row, two cells swapped, a line
break inside a cell), then writes the table back as CSV. Those files parse; what they test is every
decision the build makes about a value.

Inputs that once crashed the build are kept in tests/bad_input/fuzz/ and replayed first. When this
test finds a new one it prints where it wrote it: copy it there, fix the build, and it stays a case.
FUZZ_CASES (default 2,000), FUZZ_CELL_CASES (default 1,000) and FUZZ_SEED change how many and which.
"""
import contextlib
import csv
import io
import os
import random
import tempfile
from pathlib import Path

import pytest
import sqlite_utils

import build
from foi import cautions_table, counts, read, rows
from foi.errors import ReleaseError
from foi.offences import Lookup

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "bad_input"
FOUND = HERE / "fuzz"
CASES = int(os.environ.get("FUZZ_CASES", "2000"))
CELL_CASES = int(os.environ.get("FUZZ_CELL_CASES", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
LOOKUP = Lookup(ROOT / "data" / "reference" / "offence_codes.csv")
SEEDS = {
    "rows": [(HERE / "good.csv").read_bytes(), (HERE / "headers_like_the_builds_columns.csv").read_bytes(),
             b"Title row of the release,,,,,\n" + (HERE / "good.csv").read_bytes() + b"Total,3,,,,\nNote: a note,,,,,\n"],
    "counts": [(HERE / "counts_good.csv").read_bytes(),
               b"Area,Female,Male,Grand Total\nNorth,3,4,7\nSouth,*,2,3\nTotal,4,6,10\n"],
}
SPICE = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x81", b"\x92", b"\xc3",
         b";", b"\t", b"Total", b"*", b"<5", b"-", b"31/02/2016", b"12/25/2016", b"Outcome 3", b"Charged", b"019/08",
         b"x" * 5000, b"\xe2\x80\x93", b"source_line", b"Crime Reference", b"  "]


def mutate(data, rng):
    """1 to 4 of the ways a release file gets broken."""
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        i = rng.randrange(len(data) + 1)
        if op == 0 and data:  # flip a byte
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
        elif op == 1:  # insert something that means something to a CSV reader
            data = data[:i] + rng.choice(SPICE) + data[i:]
        elif op == 2:  # cut a run of bytes
            data = data[:i] + data[i + rng.randint(1, 40):]
        elif op == 3:  # truncate
            data = data[:i]
        lines = data.split(b"\n")
        if op == 4 and lines:  # repeat a line
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
        elif op == 5 and len(lines) > 1:  # swap two lines
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
        elif op == 6 and lines:  # one more, or one fewer, cell
            j = rng.randrange(len(lines))
            lines[j] = lines[j] + b",extra" if rng.random() < 0.5 else lines[j].rsplit(b",", 1)[0]
        elif op == 7:  # re-encode the whole file
            data = rng.choice([data.decode("utf-8", "replace").encode("utf-16"), data.replace(b",", b";"),
                               data.replace(b"\n", b"\r")])
            continue
        data = b"\n".join(lines) if op in (4, 5, 6) else data
    return data


def sample_slice():
    """The sample release's title, header and first 40 rows, with a rape, a Class A supply and a
    sexual assault among them: values as a force writes them, for the cell mutator."""
    with open(ROOT / "data" / "sample" / "tvp_cautions_2015-04_2017-03_SAMPLE.csv", encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    headline = [r for r in lines[3:] if r[1][:3] in ("019", "092", "020") and r[1] != "092/61"][:6]
    return table_bytes(lines[:43] + headline + lines[-2:])


def table_bytes(table):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue().encode("utf-8")


CELL_SEEDS = {"rows": SEEDS["rows"] + [sample_slice()], "counts": SEEDS["counts"]}
# What a cell becomes: whole values a cell is often found holding instead of the one it should...
CELL_VALUES = [
    "", " ", "\u00a0", "*", "<5", "..", "[c]", "n/a", "-", "0", "-1", "3.0", "1e5", "1,410", "42461", "42461.5",
    "=SUM(A1:A9)", "#N/A", "#VALUE!", "NULL", "None", "Total", "Grand Total", "Page 1 of 2", "Crime Reference",
    "Outcome", "Outcome 3", "OC3", "Type 2", "Outcome 99", "Outcome 3b", "ACC", "YCC", "Cond. Caution - Adult",
    "Adult Cond Caution", "Cond Caution (Youth)", "Caution declined", "Adult caution (youth)", "Youth diversionary caution",
    "Diversionary caution", "Community caution", "Offender given a caution", "Charged", "Words of advice",
    "31/02/2016", "12/25/2016", "29/02/2016", "29/02/2015", "2016-13-01", "01/04/15", "1-Apr-15", "2016-07", "2016",
    "2015/16", "00/00/0000", "01/04/2015 25:61", "2015-04-01T00:00:00Z", "1 April 2015", "019/08", "19C", "019/8",
    "999/99", "19C19C", "092/70 - Possession with intent to supply cocaine", "PWITS Class A - Cocaine",
    "Rape of female 16 or over", "18 and over", "10-17", "Café – £5", "\u200b", "\ufeff", "a\x00b", "line one\nline two",
    'a "quoted" word', "x" * 5000, "TV1", "TV2",
]
# ...and what a person or a spreadsheet does to the value that is there.
CELL_CHANGES = [
    lambda v: v + " ", lambda v: " " + v, lambda v: v + "\u00a0", lambda v: "\u00a0" + v, lambda v: v.replace(" ", "  "),
    lambda v: v.upper(), lambda v: v.lower(), lambda v: v.title(), lambda v: v.strip(), lambda v: v + "\t",
    lambda v: v.replace("/", "-"), lambda v: v.lstrip("0"), lambda v: v[: len(v) // 2], lambda v: v + v,
]


def mutate_cells(data, rng):
    """1 to 4 cells of a release changed as people and spreadsheets change them; the table written back as CSV."""
    table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header_at = next((i for i, row in enumerate(table) if len(row) > 1 and all(row)), 0)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(header_at, len(table)) if rng.random() < 0.9 else rng.randrange(len(table))
        row = table[i]
        if not row:
            continue
        j = rng.randrange(len(row))
        op = rng.randrange(4)
        if op == 0:
            row[j] = rng.choice(CELL_VALUES)
        elif op == 1:
            row[j] = rng.choice(CELL_CHANGES)(row[j])
        elif op == 2:  # the same column's cell of another row (a repeated reference, a shifted value)
            other = table[rng.randrange(header_at, len(table))]
            row[j] = other[j] if j < len(other) else ""
        elif len(row) > 1:  # two cells of the row swapped
            k = rng.randrange(len(row))
            row[j], row[k] = row[k], row[j]
    return table_bytes(table)


def release_entry(kind, name):
    entry = {"id": "fuzz", "kind": kind, "file": name, "title": "Fuzz", "authority": "Test", "licence": "test",
             "source_url": "https://example.org", "is_sample": False, "answered": "2017-04-20"}
    if kind == "counts":
        entry.update(table="fuzz_counts", counts_matching="^(Cautions|Female|Male|Grand Total)$")
    return entry


def read_release(folder, kind, data):
    """The release reader on one file: -> 'loaded' or 'refused'; any other exception escapes."""
    path = folder / ("fuzz.csv")
    path.write_bytes(data)
    entry = release_entry(kind, path.name)
    db = sqlite_utils.Database(memory=True)
    build.create_schema(db, LOOKUP)
    try:
        source = read.open_release(entry, path, folder)
        if kind == "rows":
            staged = rows.stage(db, entry, source, LOOKUP, {}, show_progress=False)
            extra = cautions_table.plan_extra_columns(db, [staged])
            cautions_table.create_cautions(db, extra)
            cautions_table.insert(db, staged, extra)
        else:
            counts.load(db, entry, source)
    except ReleaseError as e:
        assert e.file and e.problem and e.fix, str(e)
        return "refused"
    finally:
        db.close()
    return "loaded"


def mutants():
    rng = random.Random(SEED)
    for n in range(CASES):
        kind = "rows" if n % 3 else "counts"
        yield n, kind, mutate(rng.choice(SEEDS[kind]), rng)


def kept_cases():
    return sorted(FOUND.glob("*.csv")) if FOUND.is_dir() else []


@pytest.mark.parametrize("path", kept_cases(), ids=lambda p: p.name)
def test_inputs_that_once_crashed_the_build_are_read_or_refused(tmp_path, path):
    kind = "counts" if path.name.startswith("counts") else "rows"
    assert read_release(tmp_path, kind, path.read_bytes()) in ("loaded", "refused")


def read_each(tmp_path, cases, name):
    """Each mutated release read as the build reads it -> ({'loaded': n, 'refused': n}, [crashes])."""
    outcomes, crashes = {"loaded": 0, "refused": 0}, []
    for n, kind, data in cases:
        folder = tmp_path / str(n)
        folder.mkdir()
        try:
            outcomes[read_release(folder, kind, data)] += 1
        except Exception as e:  # noqa: BLE001 - exactly what must never happen
            kept = Path(tempfile.gettempdir()) / f"{name}-crash-{SEED}-{n}-{kind}.csv"
            kept.write_bytes(data)
            crashes.append(f"{type(e).__name__}: {e} (input kept at {kept}; copy it to tests/bad_input/fuzz/"
                           f"{'counts_' if kind == 'counts' else ''}...)")
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    return outcomes, crashes


def test_thousands_of_mutated_releases_are_each_read_or_refused_never_a_traceback(tmp_path):
    outcomes, crashes = read_each(tmp_path, mutants(), "fuzz")
    assert not crashes, f"{len(crashes)} of {CASES} mutated releases crashed the build:\n" + "\n".join(crashes[:10])
    assert outcomes["loaded"] > CASES // 20 and outcomes["refused"] > CASES // 20, outcomes  # the mutator bites


def cell_mutants():
    rng = random.Random(SEED + 2)
    for n in range(CELL_CASES):
        kind = "rows" if n % 4 else "counts"
        yield n, kind, mutate_cells(rng.choice(CELL_SEEDS[kind]), rng)


def test_releases_with_cells_changed_are_each_read_or_refused_never_a_traceback(tmp_path):
    """Cells, not bytes: every value the build decides on (outcome, date, code, description, count,
    reference, total) changed as a force's export or a person's hand changes it."""
    outcomes, crashes = read_each(tmp_path, cell_mutants(), "fuzz-cells")
    assert not crashes, (f"{len(crashes)} of {CELL_CASES} releases with changed cells crashed the build:\n"
                         + "\n".join(crashes[:10]))
    assert outcomes["loaded"] > CELL_CASES // 20 and outcomes["refused"] > CELL_CASES // 20, outcomes


def test_a_build_of_a_broken_release_leaves_the_previous_database_byte_for_byte(tmp_path):
    """Through the whole build (manifest, temporary file, rename), beside a good database."""
    good = tmp_path / "good.csv"
    good.write_bytes(SEEDS["rows"][0])
    manifest, output = tmp_path / "manifest.yml", tmp_path / "cautions.db"
    metadata = tmp_path / "metadata.yml"
    metadata.write_text("title: fuzz\n")

    def write_manifest(name):
        manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\nreleases:\n"
                            f"  - id: fuzz\n    kind: rows\n    file: {name}\n    title: Fuzz\n    authority: Test\n"
                            "    licence: test\n    source_url: https://example.org\n    is_sample: false\n"
                            "    answered: 2017-04-20\n")

    def run():
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = build.main(["--manifest", str(manifest), "--output", str(output), "--metadata", str(metadata),
                               "--quiet"])
        return code, err.getvalue()

    write_manifest("good.csv")
    assert run()[0] == 0
    before = output.read_bytes()
    rng, refused = random.Random(SEED + 1), 0
    for n in range(150):
        (tmp_path / "mutant.csv").write_bytes(mutate(SEEDS["rows"][0], rng))
        write_manifest("mutant.csv")
        code, err = run()
        assert "Traceback" not in err
        if code:
            refused += 1
            assert output.read_bytes() == before, f"mutant {n} was refused but changed the database:\n{err}"
        else:
            write_manifest("good.csv")
            assert run()[0] == 0
            before = output.read_bytes()
        assert not list(tmp_path.glob(".cautions.db.*")), "a temporary file was left beside the database"
    assert refused > 10
