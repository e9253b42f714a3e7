"""A canned query never takes the name of a table or view: Datasette answers /cautions/<name> with
the query, so the table's page (and its JSON and CSV) could not be reached at all.

Canned query names are public URLs that stories link to, so they keep their names; the build's
monthly summary, once `cautions_by_month` like the month-by-month query, is `monthly_cautions`.
"""
import sqlite3

import pytest

from foi.schema import BUILT_TABLES
from site_fixtures import canned_queries, site_client  # noqa: F401 (a fixture)


def names_in(database):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return {name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")}


def test_no_table_or_view_shares_a_name_with_a_canned_query(sample_db):
    """Every table and view the build makes (the shipped build's, and every name build.py keeps for
    itself), against every canned query in metadata.yml."""
    made = names_in(sample_db) | BUILT_TABLES
    queries = set(canned_queries())
    assert "cautions" in made and "total_cautions" in queries  # both lists are the real ones
    assert made & queries == set()


@pytest.mark.asyncio
async def test_the_monthly_summary_and_the_month_by_month_query_each_have_their_page(site_client):
    """The query keeps its shared address and its chart; the table has a page of its own."""
    query = await site_client.get("/cautions/cautions_by_month.json?_shape=objects")
    assert query.status_code == 200 and set(query.json()["rows"][0]) == {"month_starting", "cautions"}
    table = await site_client.get("/cautions/monthly_cautions.json?_shape=objects&_size=1")
    assert table.status_code == 200 and "offence_group" in table.json()["rows"][0]
