"""Right or refused: the sample release, exported every way a force exports it (issue 17).

What a journalist can rely on. Take the sample release (7,982 crimes, whose seven published
figures are known) and change it the way a force's export would: spaces and no-break spaces
on some cells, capitals, outcomes abbreviated ('Cond. Caution - Adult', 'ACC', 'OC3'), columns
in another order or under other names, another encoding or delimiter, dates in any form (Excel
serial numbers, a Year and a Month column, a financial year and no date), a header repeated on
every page with 'Page 3 of 178' lines, a workbook (XLSX, ODS, XLS) with the rows on its second
sheet, notes, a total row, one row per offence, rows outside the period... Each of these
transformations is a small named function in tests/metamorphic.py, with the manifest keys a
journalist writes for it.

For each transformation alone, and for 200 seeded combinations of 2 to 4 of them, the build
does exactly one of two things:

1. it gives every published figure exactly (and the count by financial year and type of
   caution that the charts add up to); or
2. where the rule says it must stop (an outcome nobody foresaw, descriptions it cannot match,
   repeated crimes not declared, rows outside the declared period, a total that does not add
   up), it exits 1 with a message naming the file, what is wrong (every value, or the true
   count) and what to do, and leaves the previous database byte for byte as it was.

Never a traceback; never a different number.

And a journalist who has not read the manifest's documentation runs `build.py describe` on the
file and pastes its entry, filling in only what they alone know (title, authority, reference,
dates, source, licence). For each transformation alone, that entry too gives the figures exactly,
or a build (or describe itself) that stops with a message: describe cannot know an `outcomes:` or
`offences:` line, but the entry it proposes must never publish a different number.

    make metamorphic                                   # 2,000 combinations (METAMORPHIC_CASES)
    METAMORPHIC_CASES=500 METAMORPHIC_SEED=7 python -m pytest tests/test_metamorphic.py
    python tests/metamorphic.py                        # every case on one line, failures grouped by cause
"""
import shutil

import pytest

from metamorphic import CASES, DEFAULT_CASES, PUBLISHED, TRANSFORMATIONS, Baseline, combinations, run


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, sample_db):
    """The shipped build (conftest's sample_db): the good database each case's build must leave alone
    when it stops, and whose figures it must give when it does not."""
    return Baseline(tmp_path_factory.mktemp("metamorphic"), previous=sample_db)


def check(names, baseline, folder, describe=False):
    export, built, found = run(names, folder, baseline, describe)
    (folder / "cautions.db").unlink(missing_ok=True)  # 5 MB a case; the release and manifest stay to look at
    if found:
        said = "\n".join(f"  {n}: {TRANSFORMATIONS[n].doc}" for n in names)
        expected = ("the published figures exact, or a refusal with a message" if describe
                    else "a refusal listing " + ", ".join(map(repr, export.stops)) if export.stops is not None
                    else "the published figures, exact")
        entry = "describe's entry" if describe else "the manifest keys it needs"
        pytest.fail(f"the export:\n{said}\nwith {entry} (manifest and file in {folder})\nexpected {expected}; instead:\n  "
                    + "\n  ".join(found), pytrace=False)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_untransformed_sample_gives_every_published_figure(baseline):
    assert baseline.figures == PUBLISHED


def test_the_suite_tries_at_least_40_ways_and_200_combinations_of_them():
    assert len(TRANSFORMATIONS) >= 40
    combined = combinations()
    assert DEFAULT_CASES >= 200 and len(combined) == CASES
    assert all(2 <= len(c) <= 4 for c in combined) and len(set(map(frozenset, combined))) == len(combined)
    stopping = [n for n, t in TRANSFORMATIONS.items() if t.stops]
    assert len(stopping) >= 5, stopping  # the refusals are specified too, not only the loads


@pytest.mark.parametrize("name", list(TRANSFORMATIONS))
def test_each_way_alone_gives_the_figures_or_stops_with_a_message(name, baseline, tmp_path):
    check((name,), baseline, tmp_path)


@pytest.mark.parametrize("names", combinations(), ids=lambda names: "+".join(names))
def test_each_combination_gives_the_figures_or_stops_with_a_message(names, baseline, tmp_path):
    check(names, baseline, tmp_path)


@pytest.mark.parametrize("name", list(TRANSFORMATIONS))
def test_each_way_alone_with_the_entry_describe_proposes_gives_the_figures_or_stops(name, baseline, tmp_path):
    check((name,), baseline, tmp_path, describe=True)
