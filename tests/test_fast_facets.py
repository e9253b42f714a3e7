"""A table page's facet counts come from the summaries the build keeps (plugins/summary_facets.py),
and say exactly what Datasette's own counting says: the same values, counts, order, links,
"truncated", on the page and in its JSON, with and without filters. On a 100,000-row build.
"""
import re
from pathlib import Path

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

from large_build import large_database
from site_fixtures import ROOT, serve_settings, site_metadata

TABLE = "/cautions/cautions"
IN_SUMMARIES = ["offence_group", "caution_type", "financial_year", "release_id", "month", "offender", "offence_code"]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return large_database(tmp_path_factory)


def site(database):
    """The site as serve.sh serves it, each SQL statement it runs noted in .statements."""
    ds = Datasette(immutables=[str(database)], metadata=site_metadata(),
                   template_dir=str(ROOT / "templates"), settings=serve_settings())
    ds.statements = []
    execute = ds.execute

    async def noting(database_name, sql, *args, **kwargs):
        ds.statements.append(sql)
        return await execute(database_name, sql, *args, **kwargs)

    ds.execute = noting
    return ds


@pytest.fixture(scope="module")
def ours(database):
    return site(database)


@pytest.fixture(scope="module")
def datasettes_own(database):
    """The same site, counting every facet Datasette's way (get() tells the plugin of no summaries)."""
    ds = site(database)
    ds.own = True
    return ds


async def get(ds, path):
    plugin = pm.get_plugin("plugins.summary_facets")
    saved = plugin.SUMMARIES
    if getattr(ds, "own", False):
        plugin.SUMMARIES = {}
        plugin._dimensions.pop(ds, None)
    try:
        return await ds.client.get(path)
    finally:
        plugin.SUMMARIES = saved


async def facets(ds, query):
    ds.statements.clear()
    response = await get(ds, f"{TABLE}.json?{query}")
    assert response.status_code == 200, response.text
    return response.json()["facet_results"], list(ds.statements)


def summary_statements(statements):
    return [s for s in statements if "monthly_cautions" in s or "cautions_by_code" in s]


def from_a_summary(database, query):
    """How many of the query's facets a summary table of the build holds, with its filters' columns."""
    import sqlite3
    import urllib.parse
    pairs = urllib.parse.parse_qsl(query)
    filtered = {key.split("__")[0] for key, _ in pairs if not key.startswith("_")}
    with sqlite3.connect(database) as conn:
        summaries = [{c for _, c, *_ in conn.execute(f"pragma table_info({t})")}
                     for t in ("monthly_cautions", "cautions_by_code")]
    return sum(1 for key, column in pairs if key == "_facet" and any(filtered | {column} <= s for s in summaries))


def some_values(database, column):
    """The most and a less common value of a column, to filter on."""
    import sqlite3
    with sqlite3.connect(database) as conn:
        values = [v for v, in conn.execute(f"select {column} from cautions where {column} is not null "
                                           f"group by 1 order by count(*) desc")]
    return [values[0], values[len(values) // 2]]


def queries(database):
    """Every facet the summaries hold, unfiltered and filtered on each dimension, alone and together."""
    yield "_facet=offence_group&_facet=caution_type&_facet=financial_year&_facet=release_id"  # the description's link
    for facet_columns in (IN_SUMMARIES[:5], IN_SUMMARIES[3:]):  # a page allows 5 facets
        all_facets = "&".join(f"_facet={c}" for c in facet_columns)
        yield all_facets
        yield all_facets + "&_facet_size=max"
        for column in IN_SUMMARIES:
            for value in some_values(database, column):
                yield f"{column}={value}&{all_facets}"
        caution_type, code = some_values(database, "caution_type")[0], some_values(database, "offence_code")[0]
        yield f"financial_year=2016/17&caution_type={caution_type}&offender=adult&{all_facets}"
        yield f"offence_code={code}&financial_year=2015/16&{all_facets}"
        yield f"financial_year__exact=2016/17&{all_facets}"
        yield f"financial_year=2016/17&financial_year=2015/16&{all_facets}"  # both: no row, every facet empty


@pytest.mark.asyncio
async def test_each_facet_counts_and_links_are_datasettes_own(database, ours, datasettes_own):
    compared = 0
    for query in queries(database):
        expected, theirs = await facets(datasettes_own, query)
        got, statements = await facets(ours, query)
        assert got == expected, query
        assert not summary_statements(theirs)
        # each facet one summary holds, with every column filtered on, is counted from it
        assert len(summary_statements(statements)) == from_a_summary(database, query), query
        compared += sum(len(f["results"]) for f in got.values())
    assert compared > 1000


@pytest.mark.asyncio
async def test_the_page_is_the_same_html(database, ours, datasettes_own):
    query = "financial_year=2016/17&_facet=offence_group&_facet=caution_type&_facet=month&_facet=release_id"
    theirs = await get(datasettes_own, f"{TABLE}?{query}")
    mine = await get(ours, f"{TABLE}?{query}")
    assert mine.status_code == theirs.status_code == 200
    took = re.compile(r"Queries took [0-9.]+ms")  # the footer's timing, the one difference (and a smaller one)
    assert took.sub("", mine.text) == took.sub("", theirs.text)


@pytest.mark.asyncio
@pytest.mark.parametrize("query", [
    "_search=cannabis",                           # a search: the summaries know nothing of descriptions
    "outcome_date__gte=2016-04-01",               # another operator
    "age_group=18-20",                            # a column no summary holds
    "_where=source_line > 50000",                 # visitors' SQL
    "_next=50000",                                # the second page: Datasette counts from that row on
    "financial_year__contains=2016",
])
async def test_what_no_summary_can_answer_is_counted_by_datasette(database, ours, datasettes_own, query):
    query += "&_facet=offence_group&_facet=caution_type&_facet=financial_year"
    expected, _ = await facets(datasettes_own, query)
    got, statements = await facets(ours, query)
    assert got == expected
    assert not summary_statements(statements)


@pytest.mark.asyncio
async def test_a_facet_on_a_column_no_summary_holds_is_counted_by_datasette(database, ours, datasettes_own):
    query = "financial_year=2016/17&_facet=age_group&_facet=offence_group"
    expected, _ = await facets(datasettes_own, query)
    got, statements = await facets(ours, query)
    assert got == expected
    assert len(summary_statements(statements)) == 1  # offence_group's; age_group counted from the crimes
