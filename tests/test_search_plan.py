"""A search of the crimes picks its plan by how many the words match (plugins/search_plan.py):
a common word walks the crimes in order and stops at the page, a rare one reads the index of its
matches. Either way the page holds the rows Datasette's own plan gives, in the same order, with
the same count. On a 100,000-row build."""

import re

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

from large_build import large_database
from site_fixtures import ROOT, serve_settings, site_metadata

COMMON = ["cannabis", "assault"]    # 19% and 29% of the crimes
RARE = ["firearm", "rape", "zebra"]          # 0.05%, 0.15%, none


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    ds = Datasette(immutables=[str(large_database(tmp_path_factory))], metadata=site_metadata(),
                   template_dir=str(ROOT / "templates"), settings=serve_settings())
    ds.statements = []
    db = ds.get_database("cautions")
    execute = db.execute

    async def noting(sql, *args, **kwargs):
        ds.statements.append(sql)
        return await execute(sql, *args, **kwargs)

    db.execute = noting
    return ds


async def page(ds, query, plan=True):
    """The table's JSON, by this site's plan (plan=True: one is chosen; None: perhaps none) or by the
    other plan (plan=False: every word taken for rare, so read through the index; a sorted page untouched),
    and whether the page walked (likely())."""
    plugin = pm.get_plugin("plugins.search_plan")
    saved = plugin.is_common
    if plan is False:
        async def never(*args):
            return False
        plugin.is_common = never
    ds.statements.clear()
    try:
        response = await ds.client.get(f"/cautions/cautions.json?{query}")
    finally:
        plugin.is_common = saved
    assert response.status_code == 200, response.text
    data = response.json()
    pages = [sql for sql in ds.statements if " limit " in sql and "count(*)" not in sql]
    walked = any(re.search(r"(?<!un)likely\(", sql) for sql in pages)  # the plan this site chose, by its hint
    if plan is True:  # this site's page: a plan chosen, either way
        assert walked or any("unlikely(" in sql for sql in pages)
    return (data["rows"], data["filtered_table_rows_count"], data["next"]), walked


QUERIES = ["_search={}", "_search={}&_size=1000", "_search={}&financial_year=2016/17", "_search={}&_next=50000"]


@pytest.mark.asyncio
@pytest.mark.parametrize("word", COMMON)
async def test_a_common_word_walks_in_order_and_gives_the_same_page(ds, word):
    for query in QUERIES:
        query = query.format(word)
        ours, walked = await page(ds, query)
        theirs, _ = await page(ds, query, plan=False)
        assert ours == theirs, query
        assert walked, query
        assert len(ours[0]) > 0


@pytest.mark.asyncio
@pytest.mark.parametrize("word", RARE)
async def test_a_rare_word_reads_the_index_and_gives_the_same_page(ds, word):
    for query in QUERIES:
        query = query.format(word)
        ours, walked = await page(ds, query)
        theirs, _ = await page(ds, query, plan=False)
        assert ours == theirs, query
        assert not walked, query


@pytest.mark.asyncio
@pytest.mark.parametrize("word", COMMON + RARE)
async def test_a_page_sorted_by_a_column_keeps_datasettes_plan(ds, word):
    """Datasette sorts by that column alone: rows that tie come in the plan's order, so the plan is its own."""
    for query in (f"_search={word}&_sort_desc=outcome_date", f"_search={word}&_sort=financial_year"):
        ours, _ = await page(ds, query, plan=None)
        assert not any("likely(" in sql for sql in ds.statements), query
        theirs, _ = await page(ds, query, plan=False)
        assert ours == theirs, query


@pytest.mark.asyncio
async def test_the_threshold_grows_with_the_page(ds):
    """theft (about 5,000 of 100,000 crimes) is common for a page of 101 rows, rare for 1,001 rows and
    more: walking to the 1,001st match would read most of the table."""
    _, walked_100 = await page(ds, "_search=theft")
    _, walked_1000 = await page(ds, "_search=theft&_size=1000")
    assert walked_100 and not walked_1000


@pytest.mark.asyncio
async def test_a_search_asked_again_runs_no_query_of_its_own(ds):
    """The database is immutable: how common a word is, once counted, is kept."""
    await page(ds, "_search=burglary")
    assert any(sql.startswith("select count(*) from (select 1") for sql in ds.statements)
    await page(ds, "_search=burglary")
    assert not any(sql.startswith("select count(*) from (select 1") or "max(rowid)" in sql for sql in ds.statements)


@pytest.mark.asyncio
@pytest.mark.parametrize("word", COMMON)
async def test_a_common_words_count_is_summed_from_each_descriptions(ds, word):
    """The page's count of a common word's crimes is the sum of each matched description's crimes,
    counted once, not a count of the crimes again: the same number Datasette's count gives."""
    await page(ds, f"_search={word}")
    ours, _ = await page(ds, f"_search={word}")
    assert not any(sql.startswith("select count(*) from cautions where") for sql in ds.statements)
    theirs, _ = await page(ds, f"_search={word}", plan=False)
    assert any(sql.startswith("select count(*) from cautions where") for sql in ds.statements)
    assert ours[1] == theirs[1] > 10_000


@pytest.mark.asyncio
async def test_with_another_filter_datasette_counts(ds):
    ours, walked = await page(ds, "_search=cannabis&financial_year=2016/17")
    assert any(sql.startswith("select count(*) from cautions where") for sql in ds.statements)
    theirs, _ = await page(ds, "_search=cannabis&financial_year=2016/17", plan=False)
    assert ours == theirs
