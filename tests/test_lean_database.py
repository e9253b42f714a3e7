"""A leaner database (issue 21, item 5): the same columns and answers, less disk.

The original cells of a release are kept, but a column the build decides from (outcome, age
group, offence, date) holds a handful of values over and over: each is stored once, in
raw_values, and the view raw_<release> gives every cell back exactly as written. The indexes
are those a page, a figure, a filter or a sort reads."""
import csv
import io
import sqlite3

import pytest

from conftest import GOOD_ROWS, HEADER

ODD_ROWS = [
    " TV7 ,046,Shoplifting,Adult simple caution,03/07/2016,18 and over",  # spaces around the reference
    "TV8,046,Shoplifting,Community resolution,04/07/2016,18 and over",  # not a caution: rejected, kept
    "TV9,046,Shoplifting,  Youth caution ,05/07/2016,10-17",  # spaces around the outcome
]


@pytest.fixture
def built(release):
    release.write_csv("\n".join([HEADER + ",Officer notes", *(row + ",note " + str(i) for i, row in
                                                                enumerate(GOOD_ROWS + ODD_ROWS))]) + "\n")
    release.write_manifest(release.rows_entry(extra='outcomes:\n    "Community resolution": not a caution\n'))
    result = release.build()
    assert result.returncode == 0, result.stderr
    return release


def test_the_raw_view_gives_every_original_cell_back_exactly(built):
    written = list(csv.reader(io.StringIO((built.folder / "release.csv").read_text())))
    kept = built.query("select * from raw_test_release order by source_line")
    assert [list(row.values()) for row in kept] == [
        [line, *cells, "outcome 'Community resolution' is not a caution" if cells[0] == "TV8" else None]
        for line, cells in enumerate(written[1:], start=2)]
    assert list(kept[0]) == ["source_line", *written[0], "rejected_reason"]


def test_each_decided_value_is_stored_once_and_each_cell_as_its_number(built):
    values = built.query("select id, value from raw_values")
    assert len({v["value"] for v in values}) == len(values)
    assert {"Shoplifting", "  Youth caution ", "18 and over"} <= {v["value"] for v in values}
    cells = built.query("select * from raw_test_release_cells order by source_line")
    for column in ("HO Offence Code", "Offence Description", "Outcome", "Outcome Date", "Offender Age Group"):
        assert all(isinstance(row[column], int) for row in cells), column
    # the commonest value of all has the smallest number (SQLite stores it in the fewest bytes)
    assert values[0]["value"] == "18 and over"
    # a reference cautions holds as written is the number of its crime's row; any other is kept as written
    crimes = {r["crime_reference"]: r["id"] for r in built.query("select id, crime_reference from cautions")}
    by_line = {row["source_line"]: row["Crime Reference"] for row in cells}
    assert by_line[2] == crimes["TV1"]
    assert [r for r in cells if isinstance(r["Crime Reference"], str)] == [
        r for r in cells if r["Crime Reference"] in (" TV7 ", "TV8")]
    assert all(isinstance(v, str) for v in [r["Officer notes"] for r in cells])


def test_two_releases_of_the_same_references_each_keep_their_own_cells(release):
    release.write_csv("\n".join([HEADER, *GOOD_ROWS]) + "\n", name="one.csv")
    release.write_csv("\n".join([HEADER, *GOOD_ROWS[::-1]]) + "\n", name="two.csv")
    release.write_manifest(release.rows_entry(file="one.csv", id="one"), release.rows_entry(file="two.csv", id="two"))
    result = release.build()
    assert result.returncode == 0, result.stderr
    one = release.query("select [Crime Reference] as ref from raw_one order by source_line")
    two = release.query("select [Crime Reference] as ref from raw_two order by source_line")
    assert [r["ref"] for r in one] == [row.split(",")[0] for row in GOOD_ROWS]
    assert [r["ref"] for r in two] == [row.split(",")[0] for row in GOOD_ROWS[::-1]]


def test_a_reference_repeated_within_a_release_still_stops_the_build(release):
    release.write_csv("\n".join([HEADER, *GOOD_ROWS, GOOD_ROWS[0]]) + "\n")
    release.write_manifest()
    result = release.build()
    assert result.returncode == 1 and "crime reference 'TV1' appears more than once" in result.stderr


# What a reader's page asks of cautions, by the link that asks it: each reads an index, never
# the whole table (a facet's counts come from the summaries, issue 21).
READERS_QUERIES = {
    "a filter on the offence group": "select * from cautions where offence_group = 'Drug offences' order by id limit 101",
    "its count": "select count(*) from cautions where offence_group = 'Drug offences'",
    "a filter on the year": "select * from cautions where financial_year = '2016/17' order by id limit 101",
    "its count ": "select count(*) from cautions where financial_year = '2016/17'",
    "a filter on the caution type": "select count(*) from cautions where caution_type = 'Youth simple caution'",
    "a crime by its reference": "select * from cautions where crime_reference = 'SAMPLE-43-15-000123'",
    "newest first": "select * from cautions order by outcome_date desc limit 101",
    "an offence code": "select financial_year, caution_type, count(*) from cautions where offence_code = '92/70' "
                       "group by financial_year, caution_type",
    "a search, counted": "select count(*) from cautions where offence_description_id in (select rowid from "
                         "offence_descriptions_fts where offence_descriptions_fts match 'cannabis')",
}


@pytest.mark.parametrize("link", READERS_QUERIES)
def test_what_a_readers_link_asks_reads_an_index(sample_db, link):
    with sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True) as conn:
        plan = [r[-1] for r in conn.execute("explain query plan " + READERS_QUERIES[link])]
    # (a filter on the caution type reads a covering index: whole at this size, skip-scanned at 1M rows)
    assert not [step for step in plan if step.startswith("SCAN cautions") and "INDEX" not in step], plan


READ_BY = {
    "idx_cautions_offence_code_financial_year_caution_type": "the figures, their charts, a code",
    "idx_cautions_offence_description_id_financial_year_caution_type": "search",
    "idx_cautions_outcome_date": "newest first",
    "idx_cautions_offence_group": "a filter on the group",
    "idx_cautions_financial_year": "a filter on the year, in id order",
}


def cautions_indexes(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {r[0]: r[1] for r in conn.execute("select name, sql from sqlite_master where type = 'index' "
                                                 "and tbl_name = 'cautions'")}


def test_no_index_is_kept_that_nothing_reads(sample_db):
    """Each index on cautions is named here with what reads it; a new one must say what it is for.
    The sample holds three releases: one row per crime is checked on (release, crime reference)."""
    assert set(cautions_indexes(sample_db)) == {*READ_BY, "idx_cautions_release_id_crime_reference"}


def test_one_release_checks_one_row_per_crime_on_the_reference_alone(built):
    """The same rule with one release, a third smaller: its id is not repeated in every entry."""
    indexes = cautions_indexes(built.output)
    assert set(indexes) == {*READ_BY, "idx_cautions_crime_reference"}
    assert indexes["idx_cautions_crime_reference"].lower().startswith("create unique index")


def test_the_database_page_lists_the_raw_view_and_hides_the_tables_that_store_it(sample_db):
    """A reader reads raw_<id>; raw_<id>_cells and raw_values are how it is stored: listed under
    "hidden tables", still there by name for SQL, JSON and CSV."""
    import asyncio
    from datasette.app import Datasette
    from site_fixtures import site_metadata

    async def read():
        ds = Datasette(immutables=[str(sample_db)], metadata=site_metadata())
        await ds.invoke_startup()
        listing = (await ds.client.get("/cautions.json")).json()
        cells = (await ds.client.get("/cautions/raw_values.json?_shape=array&_size=1")).json()
        return listing, cells
    listing, cells = asyncio.run(read())
    hidden = {t["name"] for t in listing["tables"] if t["hidden"]}
    shown = {t["name"] for t in listing["tables"] if not t["hidden"]}
    views = {v["name"] for v in listing["views"]}
    with sqlite3.connect(sample_db) as conn:
        raw_views = {name for (name,) in conn.execute("select name from sqlite_master where type = 'view' "
                                                      "and name like 'raw\\_%' escape '\\'")}
    assert raw_views and raw_views <= views
    assert {f"{view}_cells" for view in raw_views} | {"raw_values"} <= hidden
    assert not any(name.startswith("raw_") for name in shown)
    assert "cautions" in shown and len(cells) == 1
