"""No release can crash the build: thousands of mutated releases, each read or refused cleanly.

A seeded mutator takes good releases (row-level and counts) and breaks them the ways files break:
bytes flipped, inserted or cut (quotes, commas, NUL, CR, bytes that are no encoding's text), lines
repeated, swapped or cut short, cells blown up. Each mutant goes through the release reader
(read.open_release, then rows.stage and rows.insert, or counts.load) and must either load or stop
with a ReleaseError: never any other exception. Some go through the whole build beside a good
database, which must come out byte for byte as it was.

Inputs that once crashed the build are kept in tests/bad_input/fuzz/ and replayed first. When this
test finds a new one it prints where it wrote it: copy it there, fix the build, and it stays a case.
FUZZ_CASES (default 2,000) and FUZZ_SEED change how many and which.
"""
import contextlib
import io
import os
import random
import tempfile
from pathlib import Path

import pytest
import sqlite_utils

import build
from foi import counts, read, rows
from foi.errors import ReleaseError
from foi.offences import Lookup

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "bad_input"
FOUND = HERE / "fuzz"
CASES = int(os.environ.get("FUZZ_CASES", "2000"))
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
            extra = rows.plan_extra_columns(db, [staged])
            rows.create_cautions(db, extra)
            rows.insert(db, staged, extra)
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


def test_thousands_of_mutated_releases_are_each_read_or_refused_never_a_traceback(tmp_path):
    outcomes, crashes = {"loaded": 0, "refused": 0}, []
    for n, kind, data in mutants():
        folder = tmp_path / str(n)
        folder.mkdir()
        try:
            outcomes[read_release(folder, kind, data)] += 1
        except Exception as e:  # noqa: BLE001 - exactly what must never happen
            kept = Path(tempfile.gettempdir()) / f"fuzz-crash-{SEED}-{n}-{kind}.csv"
            kept.write_bytes(data)
            crashes.append(f"{type(e).__name__}: {e} (input kept at {kept}; copy it to tests/bad_input/fuzz/)")
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    assert not crashes, f"{len(crashes)} of {CASES} mutated releases crashed the build:\n" + "\n".join(crashes[:10])
    assert outcomes["loaded"] > CASES // 20 and outcomes["refused"] > CASES // 20, outcomes  # the mutator bites


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
